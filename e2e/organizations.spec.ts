import { test, expect, signIn, clerk, screenshot, unique } from './support/fixtures.ts';

test('an operator opens an organization, sees a member missing locally, resyncs, and sees it fixed', async ({
  page,
  browser,
}) => {
  const name = unique('Org');
  const admin = await clerk.createUser({ first_name: unique('Admin'), email_address: `${unique('admin')}@org.test` });
  const member = await clerk.createUser({ first_name: unique('Member'), email_address: `${unique('m')}@org.test` });
  const late = await clerk.createUser({ first_name: unique('Late'), email_address: `${unique('late')}@org.test` });
  const org = await clerk.createOrganization({ name });
  await clerk.addMember(org.id, admin.id, 'org:admin');
  await clerk.addMember(org.id, member.id);
  await clerk.invite(org.id, `${unique('invitee')}@org.test`);
  // Clerk adds a member and the webhook never arrives: drift on purpose
  const missing = await clerk.addMember(org.id, late.id, undefined, { webhook: false });
  const lateEmail = late.email_addresses[0]!.email_address;

  await signIn(page);
  await page.getByRole('link', { name: 'Organizations', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Organizations' })).toBeVisible();
  await page.getByLabel('Search').fill(name);
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);

  // the member list held locally has two members; the compare finds the third
  await expect(page.getByRole('heading', { name: 'Members (2)' })).toBeVisible();
  const compare = page.getByRole('region', { name: 'Local copy vs Clerk' });
  await expect(compare.getByText('Drifted').first()).toBeVisible();
  const missingRow = compare.getByRole('row').filter({ hasText: lateEmail });
  await expect(missingRow).toContainText('missing locally');
  await expect(missingRow).toContainText('org:member');
  await screenshot(page, 'organization-drifted');

  // a second dashboard on the organizations list sees the change land
  const other = await browser.newPage();
  await signIn(other);
  await other.goto(`/organizations?q=${encodeURIComponent(name)}`);
  await expect(other.getByRole('row').filter({ hasText: name })).toBeVisible();

  await page.getByRole('button', { name: 'Resync', exact: true }).click();
  await page.getByRole('button', { name: `Resync ${name}` }).click();
  const outcome = page.getByRole('status').filter({ hasText: 'Resync finished' });
  await expect(outcome).toContainText('Members: 1 added');
  await expect(compare.getByText('In sync').first()).toBeVisible();
  await expect(compare.getByText('The member lists agree')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Members (3)' })).toBeVisible();

  // the new membership links both ways
  const row = page
    .getByRole('region', { name: 'Members of this organization' })
    .getByRole('row')
    .filter({ hasText: lateEmail });
  await expect(row).toContainText(missing.id);
  await row.getByRole('link', { name: lateEmail }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(late.first_name!);
  const memberships = page.getByRole('region', { name: 'Organization memberships of this user, live ones first' });
  await expect(memberships.getByRole('row').filter({ hasText: name })).toContainText('Member (org:member)');
  await memberships.getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);

  await expect(other.getByRole('row').filter({ hasText: name })).toContainText('in sync');
  await screenshot(page, 'organization-resynced');
  await other.close();
});
