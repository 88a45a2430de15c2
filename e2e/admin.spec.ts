import { test, expect, signIn, clerk, screenshot, unique } from './support/fixtures.ts';

test('an admin invites a viewer; the viewer sees everything but cannot resync', async ({ page, browser }) => {
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
  const user = await clerk.createUser({ first_name: unique('Viewed') });
  await signIn(page);
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { name: 'Operators' })).toBeVisible();

  const email = `${unique('viewer')}@example.com`;
  const password = 'viewer-password-1';
  const invite = page.getByRole('form', { name: 'Invite an operator' });
  await invite.getByLabel('Email').fill(email);
  await invite.getByLabel('Role').selectOption('viewer');
  await invite.getByLabel('Password (optional)').fill(password);
  await invite.getByRole('button', { name: 'Invite' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Invited ${email} as viewer` })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: email })).toContainText('active');
  await screenshot(page, 'admin');

  // the viewer, in a browser of their own
  const context = await browser.newContext();
  const viewer = await context.newPage();
  viewer.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
  await viewer.goto('/');
  await viewer.getByLabel('Email').fill(email);
  await viewer.getByLabel('Password').fill(password);
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await expect(viewer.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(viewer.getByText('viewer', { exact: true })).toBeVisible();
  await expect(viewer.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await expect(viewer.getByText('Live', { exact: true })).toBeVisible();

  await viewer.goto(`/users/${user.id}`);
  await expect(viewer.getByRole('heading', { name: 'Local copy vs Clerk' })).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Resync' })).toBeDisabled();
  await expect(viewer.getByRole('note').filter({ hasText: 'signed in as a viewer' })).toContainText('resync users');
  // and the server refuses it too, whatever the page shows
  const csrf = (await context.cookies()).find((c) => c.name === 'csm_csrf')?.value ?? '';
  const res = await viewer.request.post(`/api/users/${user.id}/resync`, { headers: { 'x-csrf-token': csrf } });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('forbidden');
  await screenshot(viewer, 'viewer-cannot-resync');

  // the admin disables the viewer: their session ends at once, and their open page (its live connection
  // closed by the server) goes to the sign-in page by itself
  await page.getByRole('button', { name: `Disable ${email}` }).click();
  await page.getByRole('button', { name: `Yes, disable ${email}` }).click();
  await expect(page.getByRole('row').filter({ hasText: email })).toContainText('disabled');
  await expect(viewer.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await context.close();
  expect(cspErrors).toEqual([]);
});

test('sign out everywhere ends the sessions of other browsers', async ({ page, browser }) => {
  await signIn(page);
  const context = await browser.newContext();
  const other = await context.newPage();
  await signIn(other);
  await page.getByText('Account', { exact: true }).click();
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  // the other browser is signed out without a reload: the server closed its live connection
  await expect(other.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await context.close();
});
