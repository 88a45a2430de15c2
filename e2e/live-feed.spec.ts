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
  // the pushed row names its user at once (the push carries the label the list shows)
  const email = user.email_addresses.find((e) => e.id === user.primary_email_address_id)!.email_address;
  await expect(row).toContainText(email, { timeout: 1_000 });
  await screenshot(page, 'live-feed');

  // the delivery log names the user beside the id too, in the list and the detail
  await page.getByRole('link', { name: 'Deliveries', exact: true }).click();
  const delivery = page.getByRole('row').filter({ hasText: 'user.created' }).filter({ hasText: email });
  await expect(delivery).toBeVisible();
  await delivery.getByRole('link', { name: /^Delivery \d+$/ }).click();
  await expect(page.getByRole('link', { name: `User ${email}` })).toBeVisible();
  // back to the feed through the menu (history depth depends on how the lists keep their filters in the URL)
  await page.getByRole('link', { name: 'Live events' }).click();

  await row.getByRole('link', { name: 'user.created' }).click();
  await expect(page.getByRole('heading', { name: 'Payload' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Deliveries that carried it' })).toBeVisible();
});
