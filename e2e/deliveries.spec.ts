import { test, expect, signIn, clerk, storageOutage, screenshot, unique } from './support/fixtures.ts';

test('a bad-signature delivery and an outage show under failed deliveries, and a replay succeeds', async ({ page }) => {
  await signIn(page);

  // 1. Clerk signs one message with a wrong secret: refused, logged, not replayable
  await clerk.setFaults({ badSignature: 1 });
  const forged = await clerk.createUser({ first_name: unique('Forged') });
  // the signature is chosen when the emulator sends: keep the fault on until that attempt was refused
  await expect.poll(async () => (await clerk.deliveries()).some((d) => d.badSignature && d.status === 401)).toBe(true);
  await clerk.setFaults({ badSignature: 0 });

  // 2. our storage is down while Clerk delivers: answered 503, logged; Svix's next retry is minutes away
  await clerk.setTimeFactor(1);
  await storageOutage(3_000);
  const lost = await clerk.createUser({ first_name: unique('Outage') });

  await page.getByRole('link', { name: 'Deliveries' }).click();
  await page.getByRole('button', { name: 'Failed only' }).click();
  await expect(page).toHaveURL(/failed=true/);
  const rejected = page.getByRole('row').filter({ hasText: '401' }).first();
  await expect(rejected).toBeVisible();
  const unavailable = page.getByRole('row').filter({ hasText: '503' }).first();
  await expect(unavailable).toBeVisible();
  await screenshot(page, 'failed-deliveries');

  // the forged one cannot be replayed, and the page says why
  await rejected.getByRole('link').first().click();
  await expect(page.getByText(/cannot be replayed: .*signature did not verify/i)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Replay' })).toBeDisabled();
  await page.goBack();

  // the outage one replays once storage is back
  await storageOutage(0);
  await unavailable.getByRole('link').first().click();
  await page.getByRole('button', { name: 'Replay' }).click();
  await expect(page.getByRole('status').filter({ hasText: /applied/ })).toBeVisible();
  await screenshot(page, 'replay');

  await page.goto(`/users/${lost.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(lost.first_name!);
  expect(forged.id).toBeTruthy();
  await clerk.setTimeFactor(0.002);
});
