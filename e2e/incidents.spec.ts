import { test, expect, signIn, screenshot, unique } from './support/fixtures.ts';
import { E2E } from './support/ports.ts';

test('an operator acknowledges and resolves an incident, with notes, and the audit trail records both', async ({
  page,
}) => {
  await signIn(page);

  // Deliveries signed with a secret the monitor does not hold (a secret rotated on one side only), several in a
  // row: refused, and grouped into an incident. Nothing else delivers meanwhile, so it stays open until someone
  // handles it.
  for (let i = 0; i < 3; i++) {
    const res = await page.request.post('/api/webhooks/clerk', {
      headers: {
        'content-type': 'application/json',
        'svix-id': unique('msg_rotated_'),
        'svix-timestamp': String(Math.floor(Date.now() / 1000)),
        'svix-signature': 'v1,bm90IHRoZSByaWdodCBzZWNyZXQ=',
      },
      data: JSON.stringify({ type: 'user.created', object: 'event', data: { id: 'user_e2e' } }),
    });
    expect(res.status()).toBe(401);
  }
  // the banner on every page is a view of that incident
  const banner = page.getByRole('alert').filter({ hasText: 'the signing secret may have been rotated' });
  await expect(banner.first()).toBeVisible(); // the banner, and the overview's callout

  // the navigation shows the open count, live
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: /^Incidents \d+ open$/ })).toBeVisible();
  await nav.getByRole('link', { name: /^Incidents/ }).click();
  await expect(page.getByRole('heading', { name: 'Incidents', level: 1 })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: 'Webhook signatures do not verify' }).filter({ hasText: 'open' });
  await expect(row).toHaveCount(1);
  await screenshot(page, 'incidents');
  await row.getByRole('link', { name: 'Webhook signatures do not verify' }).click();

  await expect(page.getByRole('heading', { name: /Webhook signatures do not verify/ })).toContainText('open');
  await expect(page.getByText(/rotated on one side only/)).toBeVisible();
  await page.getByLabel('Note (optional)').fill('Checking the secret in the Clerk dashboard');
  await page.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.getByRole('heading', { name: /Webhook signatures do not verify/ })).toContainText('acknowledged');
  await expect(page.getByText('Checking the secret in the Clerk dashboard')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Acknowledge' })).toHaveCount(0);
  // acknowledged, the trouble is still there: the banner still shows it, and who is on it
  await expect(banner.first()).toContainText(`Acknowledged by ${E2E.admin.email}.`);

  await page.getByLabel('Note (optional)').fill('Both sides hold the new secret now');
  await page.getByRole('button', { name: 'Resolve' }).click();
  await expect(page.getByRole('heading', { name: /Webhook signatures do not verify/ })).toContainText('resolved');
  await expect(page.getByText('Both sides hold the new secret now')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Resolve' })).toHaveCount(0);
  await expect(banner).toHaveCount(0);
  await screenshot(page, 'incident-resolved');

  // who did what, with their notes
  await page.getByRole('link', { name: 'Audit' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'incident resolve' }).first()).toContainText(
    'Both sides hold the new secret now',
  );
  await expect(page.getByRole('row').filter({ hasText: 'incident acknowledge' }).first()).toContainText(
    'Checking the secret',
  );
});
