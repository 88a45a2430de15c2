import { test, expect, signIn, clerk, screenshot, unique } from './support/fixtures.ts';
import { E2E } from './support/ports.ts';
import type { Page } from '@playwright/test';

/** Clerk deletes a user and tells no one (control API, no webhook). */
async function deleteSilently(id: string) {
  const res = await fetch(`${E2E.emulatorUrl}/control/users/${id}?webhook=false`, { method: 'DELETE' });
  if (!res.ok) throw new Error(`emulator delete ${id}: ${res.status}`);
}

/** Waits until the monitor holds the user (its user.created webhook was applied). */
async function held(page: Page, id: string) {
  await expect.poll(async () => (await page.request.get(`/api/users/${id}`)).status()).toBe(200);
}

async function runReconcile(page: Page) {
  await page.getByRole('button', { name: 'Start reconcile' }).click();
  const progress = page.getByRole('progressbar', { name: 'Reconcile progress' });
  await expect(progress).toBeVisible();
  // live over the socket: the run heading turns completed and the bar fills, without a reload
  await expect(page.getByRole('heading', { name: /Run #\d+/ })).toContainText('completed', { timeout: 30_000 });
  await expect(progress).toHaveJSProperty('value', 1);
}

test('reconcile finds drift of every class, organizations too, Fix all repairs it, and drift goes to zero', async ({
  page,
}) => {
  await signIn(page);
  // drift made on purpose in Clerk: a sign-up never delivered, a silent edit, a silent deletion
  const missing = await clerk.createUser({ first_name: unique('Missing') }, { webhook: false });
  const stale = await clerk.createUser({ first_name: unique('Stale') });
  const gone = await clerk.createUser({ first_name: unique('Gone') });
  await held(page, stale.id);
  await held(page, gone.id);
  const lastName = unique('Silently');
  await clerk.updateUser(stale.id, { last_name: lastName }, { webhook: false });
  await deleteSilently(gone.id);
  // and an organization never delivered, with its first admin's membership
  const org = await clerk.createOrganization({ name: unique('Silent Org'), created_by: stale.id }, { webhook: false });

  await page.getByRole('link', { name: 'Drift' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Drift' })).toBeVisible();
  await runReconcile(page);

  for (const k of ['missing', 'stale', 'deleted'])
    expect(Number(await page.getByTestId(`found-${k}`).textContent())).toBeGreaterThanOrEqual(1);
  const findings = page.getByRole('list', { name: 'Findings' });
  await expect(findings.getByRole('listitem').filter({ hasText: missing.id })).toContainText('Missing locally');
  await expect(findings.getByRole('listitem').filter({ hasText: gone.id })).toContainText('Deleted in Clerk');
  // the stale user's field differences
  await page.getByRole('button', { name: /^Stale \(/ }).click();
  const staleItem = findings.getByRole('listitem').filter({ hasText: stale.id });
  await staleItem.getByText(/fields? differ/).click();
  await expect(staleItem.getByRole('row').filter({ hasText: 'last_name' })).toContainText(lastName);
  await page.getByRole('button', { name: 'All', exact: true }).click();
  // organizations and memberships have their own classes and findings
  expect(Number(await page.getByTestId('found-organization-missing').textContent())).toBeGreaterThanOrEqual(1);
  expect(Number(await page.getByTestId('found-membership-missing').textContent())).toBeGreaterThanOrEqual(1);
  await page.getByRole('button', { name: /^Organizations \(/ }).click();
  const orgFindings = page.getByRole('list', { name: 'Findings: organizations' });
  await expect(orgFindings.getByRole('listitem').filter({ hasText: org.id })).toContainText('Missing locally');
  await page.getByRole('button', { name: /^Users \(/ }).click();

  await page.getByRole('button', { name: /^Fix all/ }).click();
  await page.getByRole('button', { name: /^Yes, fix \d+/ }).click();
  await expect(page.getByRole('status').filter({ hasText: /^Fixed \d+ users?/ })).toContainText('0 left');
  await expect(page.getByTestId('unfixed')).toHaveText('0');
  await expect(findings.getByRole('listitem').filter({ hasText: missing.id })).toContainText('fixed: created');
  await expect(findings.getByRole('listitem').filter({ hasText: gone.id })).toContainText('fixed: tombstoned');
  await page.getByRole('button', { name: /^Organizations \(/ }).click();
  await expect(orgFindings.getByRole('listitem').filter({ hasText: org.id })).toContainText('fixed: created');
  await page.getByRole('button', { name: /^Users \(/ }).click();

  // a new run finds nothing left
  await runReconcile(page);
  for (const k of ['missing', 'stale', 'deleted']) await expect(page.getByTestId(`found-${k}`)).toHaveText('0');
  for (const k of ['organization-missing', 'organization-stale', 'membership-missing', 'membership-extra'])
    await expect(page.getByTestId(`found-${k}`)).toHaveText('0');
  await expect(page.getByText('No drift: the local copy matches Clerk.')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /^Fixed/ })).toHaveCount(0); // the previous run's fix message went with it
  await screenshot(page, 'drift');

  // the overview charts drift over time; the audit trail shows who fixed what
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: 'Drift found over time' })).toBeVisible();
  await page.getByRole('link', { name: 'Audit' }).click();
  await page.getByLabel('Action').selectOption('reconcile_fix');
  await expect(page.getByRole('row').filter({ hasText: 'Reconcile fix' }).first()).toContainText(E2E.admin.email);
});
