import { test, expect, signIn, clerk, screenshot, unique } from './support/fixtures.ts';

test('a sign-up in Clerk appears in the live feed within a second', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Live events' }).click();
  await expect(page.getByRole('heading', { name: 'Live events' })).toBeVisible();
  await expect(page.getByText('Live', { exact: true }).first()).toBeVisible();

  const user = await clerk.createUser({ first_name: unique('Signup') });
  const row = page.getByRole('row').filter({ hasText: user.id }).filter({ hasText: 'user.created' });
  await expect(row).toBeVisible({ timeout: 1_000 });
  await expect(row).toContainText('applied');
  await screenshot(page, 'live-feed');

  await row.getByRole('link', { name: 'user.created' }).click();
  await expect(page.getByRole('heading', { name: 'Payload' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Deliveries that carried it' })).toBeVisible();
});
