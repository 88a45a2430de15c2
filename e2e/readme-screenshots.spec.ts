// The README's pictures: the overview, and a user's compare view with drift. `README_SCREENSHOTS=1` writes
// them to docs/screenshots/ (committed); otherwise they go with the other journeys' pictures.
import { test, expect, signIn, clerk, unique } from './support/fixtures.ts';

const dir = process.env.README_SCREENSHOTS === '1' ? 'docs/screenshots' : 'e2e/screenshots';

test('the overview and a drifted user’s compare view, as the README shows them', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  for (let i = 0; i < 3; i++) await clerk.createUser({ first_name: unique('Readme') });
  const user = await clerk.createUser({ first_name: 'Grace', last_name: 'Hopper' });
  await clerk.updateUser(user.id, { first_name: 'Amazing Grace', updated_at: Date.now() }, { webhook: false });
  await signIn(page);

  await expect(page.locator('.stat').filter({ hasText: 'Outstanding failures' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Events per minute' })).toBeVisible();
  // the picture shows the page as an operator sees it once it has loaded: connected, charts drawn
  await expect(page.getByText('Connecting…')).toHaveCount(0);
  await expect(page.getByText(/^Loading/)).toHaveCount(0);
  await page.screenshot({ path: `${dir}/overview.png` });

  await page.goto(`/users/${user.id}`);
  const compare = page.getByRole('region', { name: 'Local copy vs Clerk' });
  await expect(compare.getByText('Drifted').first()).toBeVisible();
  await expect(compare.getByRole('row').filter({ hasText: 'first_name' })).toContainText('Amazing Grace');
  // epoch-millisecond fields read as dates too
  await expect(compare.getByRole('row').filter({ hasText: 'updated_at' })).toContainText(/\d{4}/);
  await compare.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${dir}/user-compare.png`, fullPage: true });
});
