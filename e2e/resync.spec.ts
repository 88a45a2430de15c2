import { test, expect, signIn, clerk, screenshot, unique } from './support/fixtures.ts';

test('drift made in Clerk shows on the user page, and Resync clears it', async ({ page, browser }) => {
  const firstName = unique('Before');
  const user = await clerk.createUser({ first_name: firstName });
  await signIn(page);
  await page.goto(`/users/${user.id}`);
  await expect(page.getByRole('heading', { name: 'Local copy vs Clerk' })).toBeVisible();
  await expect(page.getByText('In sync').first()).toBeVisible();

  // Clerk changes without a webhook: drift on purpose
  const drifted = unique('After');
  await clerk.updateUser(user.id, { first_name: drifted }, { webhook: false });
  await page.reload();
  const compare = page.getByRole('region', { name: 'Local copy vs Clerk' });
  await expect(compare.getByText('Drifted').first()).toBeVisible();
  await expect(compare.getByRole('row').filter({ hasText: 'first_name' })).toContainText(drifted);

  // a second dashboard watching the users list sees the resync land
  const other = await browser.newPage();
  await signIn(other);
  await other.goto(`/users?q=${encodeURIComponent(user.id)}`);
  await expect(other.getByRole('row').filter({ hasText: user.id })).toBeVisible();

  await page.getByRole('button', { name: 'Resync' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Resync finished' })).toContainText('updated');
  await expect(compare.getByText('In sync').first()).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(drifted);
  await expect(other.getByRole('row').filter({ hasText: user.id })).toContainText(drifted);
  await screenshot(page, 'resync');
  await other.close();
});
