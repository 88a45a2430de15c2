// Compare and resync of an organization through the operator API, with the built-in emulator as Clerk (real HTTP
// both ways, both providers): drift planted in Clerk without events (members missing, extra, with another role;
// the organization's fields; pending invitations), fixed by a resync that is audited, published and rate-budgeted;
// Clerk's 404; a webhook that lands while Clerk is being asked; conflicting versions settled from Clerk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import type { TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import type { Emulator } from '../../../emulator/emulator.ts';
import { makeEvent } from '../../../emulator/factories.ts';
import { createClerkClient } from '../clerk/clerk-client.ts';
import type {
  ApiError,
  AuditEntryDto,
  OrganizationComparison,
  OrganizationDetail,
  OrganizationResyncResult,
  OrganizationSummary,
  OverviewStats,
  Page,
  UserDetail,
} from '../contract.ts';

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

/** Clerk's limit in most of these tests: a production instance's (1,000 requests / 10 s), half of it the budget. */
const RATE = { rateLimit: 1000 };

/** The Backend API client, every request's start recorded (as the budget lets it through). */
function recordingClient(url: string, secretKey: string, starts: number[]) {
  const api = createClerkClient({ apiUrl: url, secretKey });
  const seen =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    (...a: A) => {
      starts.push(performance.now());
      return f(...a);
    };
  return {
    ...api,
    getOrganization: seen(api.getOrganization),
    organizationInvitationsPage: seen(api.organizationInvitationsPage),
    organizationMembershipsPage: seen(api.organizationMembershipsPage),
  };
}

describe.each(TEST_PROVIDERS)('organization compare and resync on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  /** runs after Clerk answered a page of memberships and before the resync writes (a webhook racing it) */
  let afterMembersPage: (() => Promise<void>) | null = null;
  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, {
      server: (emulator, url) => {
        const api = createClerkClient({ apiUrl: url, secretKey: emulator.secretKey });
        return {
          reconcile: RATE,
          clerk: {
            ...api,
            organizationMembershipsPage: async (id: string, offset: number) => {
              const page = await api.organizationMembershipsPage(id, offset);
              const hook = afterMembersPage;
              afterMembersPage = null;
              await hook?.();
              return page;
            },
          },
        };
      },
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  const compare = (id: string) => json<OrganizationComparison>(s.api(`/api/organizations/${id}/compare`));
  const resync = (id: string) =>
    json<OrganizationResyncResult>(s.api(`/api/organizations/${id}/resync`, { method: 'POST' }));
  const detail = (id: string) => json<OrganizationDetail>(s.api(`/api/organizations/${id}`));

  /** An organization with an admin, two members and one pending invitation, all delivered by webhooks. */
  async function organization(name: string) {
    const [ada, bo, cy, dee] = ['Ada', 'Bo', 'Cy', 'Dee'].map((first_name) => clerk.createUser({ first_name }));
    const org = clerk.createOrganization({ name, created_by: ada!.id });
    clerk.createMembership(org.id, bo!.id);
    clerk.createMembership(org.id, cy!.id);
    const invitation = clerk.createInvitation(org.id, { email_address: `${name.toLowerCase()}@invitee.test` });
    await clerk.settled();
    const membershipOf = (userId: string) => clerk.store.getMembership(org.id, userId)!;
    return { org, ada: ada!, bo: bo!, cy: cy!, dee: dee!, invitation, membershipOf };
  }

  it('finds an organization in sync after its webhooks, and a compare writes nothing', async () => {
    const { org } = await organization('Quiet');
    const cmp = await compare(org.id);
    expect(cmp).toMatchObject({
      organizationId: org.id,
      status: 'in_sync',
      diff: [],
      localDeleted: false,
      members: { local: 3, clerk: 3, differences: [] },
      pendingInvitations: { local: 1, clerk: 1, differences: [] },
    });
    expect(cmp.clerk).toMatchObject({ id: org.id, name: 'Quiet', members_count: 3 });
    expect((await detail(org.id)).syncStatus).toBe('never_compared');
  });

  it('shows members missing, extra and with another role, field and invitation drift; a resync fixes all of it', async () => {
    const { org, ada, bo, cy, dee, invitation, membershipOf } = await organization('Drifty');
    const boBefore = membershipOf(bo.id);
    // Clerk changes, none of them sent
    const silent = { sendWebhook: false };
    const added = clerk.createMembership(org.id, dee.id, { role: 'org:billing' }, silent);
    clerk.updateMembership(org.id, cy.id, { role: 'org:admin' }, silent);
    clerk.deleteMembership(org.id, bo.id, silent);
    clerk.updateOrganization(
      org.id,
      { name: 'Drifty Renamed', public_metadata: { ...org.public_metadata, tier: 'gold' } },
      silent,
    );
    clerk.revokeInvitation(invitation.id, silent);
    const newInvitation = clerk.createInvitation(org.id, { email_address: 'late@invitee.test' }, silent);

    const cmp = await compare(org.id);
    expect(cmp.status).toBe('drifted');
    expect(cmp.diff).toEqual(
      expect.arrayContaining([
        { path: 'name', kind: 'changed', local: 'Drifty', clerk: 'Drifty Renamed' },
        { path: 'public_metadata.tier', kind: 'added', local: undefined, clerk: 'gold' },
      ]),
    );
    expect(cmp.members).toMatchObject({ local: 3, clerk: 3 });
    const byKind = Object.fromEntries(cmp.members.differences.map((d) => [d.kind, d]));
    expect(cmp.members.differences.map((d) => d.kind)).toEqual(['missing', 'extra', 'changed']);
    expect(byKind.missing).toMatchObject({
      membershipId: added.id,
      userId: dee.id,
      userHeld: true,
      userLabel: dee.email_addresses[0]!.email_address,
      localRole: null,
      clerkRole: 'org:billing',
      endedLocally: false,
    });
    expect(byKind.extra).toMatchObject({
      membershipId: boBefore.id,
      userId: bo.id,
      localRole: 'org:member',
      clerkRole: null,
    });
    expect(byKind.changed).toMatchObject({ userId: cy.id, localRole: 'org:member', clerkRole: 'org:admin' });
    expect(byKind.changed!.diff.map((d) => d.path)).toEqual(
      expect.arrayContaining(['role', 'role_name', 'updated_at']),
    );
    expect(byKind.changed!.diff.some((d) => d.path.startsWith('permissions'))).toBe(true);
    expect(cmp.pendingInvitations.differences.map((d) => [d.kind, d.invitationId, d.clerkStatus])).toEqual([
      ['missing', newInvitation.id, 'pending'],
      ['extra', invitation.id, null],
    ]);
    // the compare stored nothing
    expect((await detail(org.id)).syncStatus).toBe('never_compared');

    const res = await resync(org.id);
    expect(res).toMatchObject({
      organizationId: org.id,
      result: 'updated',
      members: { created: 1, updated: 1, ended: 1, unchanged: 1, kept: 0 },
      pendingInvitations: { created: 1, updated: 1, ended: 0, unchanged: 0, kept: 0 },
      // the organization, one page of members, one of pending invitations, and the whole list for the revoked one
      clerkRequests: 4,
    });
    expect(res.changedFields).toEqual(expect.arrayContaining(['name', 'public_metadata.tier']));
    expect(res.organization).toMatchObject({ name: 'Drifty Renamed', syncStatus: 'in_sync', source: 'resync' });
    // (members who joined in the same millisecond are listed in id order: compared as a set)
    const byUser = (a: (string | null)[], b: (string | null)[]) => String(a[0]).localeCompare(String(b[0]));
    expect(res.organization.members.map((m) => [m.userId, m.role]).sort(byUser)).toEqual(
      [
        [ada.id, 'org:admin'],
        [cy.id, 'org:admin'],
        [dee.id, 'org:billing'],
      ].sort(byUser),
    );
    expect(res.organization.formerMembers.map((m) => [m.id, m.endedBy])).toEqual([[boBefore.id, 'membership_deleted']]);
    expect(res.organization.pendingInvitations.map((i) => i.id)).toEqual([newInvitation.id]);
    const revoked = await s.db.prisma.organizationInvitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(revoked).toMatchObject({ status: 'revoked', endedBy: null });

    // in sync now, and the new membership links both ways
    const again = await compare(org.id);
    expect(again).toMatchObject({ status: 'in_sync', diff: [], members: { differences: [] } });
    expect(again.pendingInvitations.differences).toEqual([]);
    const user = await json<UserDetail>(s.api(`/api/users/${dee.id}`));
    expect(user.memberships.map((m) => [m.id, m.organizationId, m.organizationName, m.role])).toEqual([
      [added.id, org.id, 'Drifty Renamed', 'org:billing'],
    ]);
    // a second resync changes nothing
    expect(await resync(org.id)).toMatchObject({
      result: 'unchanged',
      changedFields: [],
      members: { created: 0, updated: 0, ended: 0, unchanged: 3 },
      pendingInvitations: { created: 0, updated: 0, ended: 0, unchanged: 1 },
      clerkRequests: 3,
    });

    // told to every dashboard, audited, counted on the overview
    expect(s.published.organizations.filter((o) => o.id === org.id).at(-1)).toMatchObject({
      name: 'Drifty Renamed',
      syncStatus: 'in_sync',
    });
    const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=organization_resync'));
    expect(audit.items.find((a) => a.target === org.id)).toMatchObject({
      actor: 'admin@test.local',
      action: 'organization_resync',
      summary: { result: 'unchanged', members: { created: 0, updated: 0, ended: 0, unchanged: 3, kept: 0 } },
    });
    expect(audit.items.filter((a) => a.target === org.id).map((a) => a.summary.result)).toEqual([
      'unchanged',
      'updated',
    ]);
  });

  it('the overview counts organizations, deleted and drifted ones; the list filters by status', async () => {
    const { org } = await organization('Counted');
    const before = (await json<OverviewStats>(s.api('/api/overview'))).organizations;
    // drift as a reconcile marks it
    await s.db.prisma.organization.update({ where: { id: org.id }, data: { syncStatus: 'drifted' } });
    const gone = await organization('Counted Gone');
    clerk.deleteOrganization(gone.org.id);
    await clerk.settled();
    const after = (await json<OverviewStats>(s.api('/api/overview'))).organizations;
    expect(after).toEqual({
      total: before.total + 1,
      deleted: before.deleted + 1,
      drifted: before.drifted + 1,
      // the deleted organization's members were ended with it
      memberships: before.memberships,
    });
    const drifted = await json<Page<OrganizationSummary>>(s.api('/api/organizations?status=drifted&limit=500'));
    expect(drifted.items.map((o) => o.id)).toContain(org.id);
    expect(drifted.items.every((o) => o.syncStatus === 'drifted')).toBe(true);
    expect((await s.api('/api/organizations?status=stale')).status).toBe(400);
    // a resync clears it
    await resync(org.id);
    expect((await json<OverviewStats>(s.api('/api/overview'))).organizations.drifted).toBe(before.drifted);
  });

  it('a member missing locally because the local copy holds it as ended comes back live', async () => {
    const { org, bo, membershipOf } = await organization('Ended');
    const m = membershipOf(bo.id);
    await s.db.prisma.organizationMembership.update({
      where: { id: m.id },
      data: { deleted: true, deletedAt: new Date(), endedBy: 'organization_deleted' },
    });
    const cmp = await compare(org.id);
    expect(cmp.members.differences).toMatchObject([{ kind: 'missing', membershipId: m.id, endedLocally: true }]);
    expect((await resync(org.id)).members).toMatchObject({ updated: 1, created: 0, ended: 0 });
    expect(await s.db.prisma.organizationMembership.findUniqueOrThrow({ where: { id: m.id } })).toMatchObject({
      deleted: false,
      endedBy: null,
      source: 'resync',
    });
  });

  it('tombstones an organization Clerk deleted without telling us (404), ending its members and invitations', async () => {
    const { org, invitation } = await organization('Gone');
    clerk.deleteOrganization(org.id, { sendWebhook: false });
    const cmp = await compare(org.id);
    expect(cmp).toMatchObject({ status: 'drifted', clerk: null, members: { local: 3, clerk: 0 } });
    expect(cmp.members.differences.map((d) => d.kind)).toEqual(['extra', 'extra', 'extra']);
    expect(cmp.pendingInvitations.differences).toMatchObject([{ kind: 'extra', invitationId: invitation.id }]);

    const res = await resync(org.id);
    expect(res).toMatchObject({
      result: 'tombstoned',
      changedFields: ['deleted'],
      members: { ended: 3 },
      pendingInvitations: { ended: 1 },
      clerkRequests: 1,
      organization: { deleted: true, syncStatus: 'deleted', members: [] },
    });
    expect(res.organization.formerMembers.map((m) => m.endedBy)).toEqual([
      'organization_deleted',
      'organization_deleted',
      'organization_deleted',
    ]);
    expect(await s.db.prisma.organizationInvitation.findUniqueOrThrow({ where: { id: invitation.id } })).toMatchObject({
      status: 'revoked',
      endedBy: 'organization_deleted',
    });
    expect(await compare(org.id)).toMatchObject({ status: 'deleted', diff: [], members: { differences: [] } });
    expect((await resync(org.id)).result).toBe('unchanged');
  });

  it('backfills an organization and its members the webhooks never delivered', async () => {
    const user = clerk.createUser({ first_name: 'Solo' });
    await clerk.settled();
    const org = clerk.createOrganization({ name: 'Unseen', created_by: user.id }, { sendWebhook: false });
    expect((await s.api(`/api/organizations/${org.id}`)).status).toBe(404);
    const cmp = await compare(org.id);
    expect(cmp).toMatchObject({ local: null, status: 'drifted', members: { local: 0, clerk: 1 } });
    const res = await resync(org.id);
    expect(res).toMatchObject({ result: 'created', members: { created: 1 }, organization: { name: 'Unseen' } });
    expect(res.organization.members.map((m) => [m.userId, m.role])).toEqual([[user.id, 'org:admin']]);
  });

  it('answers 404 for an organization nobody knows, and changes nothing', async () => {
    for (const [path, method] of [
      ['/api/organizations/org_nobody/compare', 'GET'],
      ['/api/organizations/org_nobody/resync', 'POST'],
    ] as const) {
      const res = await s.api(path, { method });
      expect(res.status, path).toBe(404);
      expect((await json<ApiError>(res)).error).toEqual({
        code: 'not_found',
        message: 'Organization org_nobody (neither Clerk nor the local copy knows it) not found',
      });
    }
    expect(await s.db.prisma.organization.findUnique({ where: { id: 'org_nobody' } })).toBeNull();
  });

  it('keeps a membership a webhook delivered while Clerk was being asked', async () => {
    const { org, dee } = await organization('Racing');
    let lateId = '';
    afterMembersPage = async () => {
      // added in Clerk after its member list was read: the webhook is newer than the answer
      lateId = clerk.createMembership(org.id, dee.id).id;
      await clerk.settled();
    };
    const res = await resync(org.id);
    expect(res.members).toMatchObject({ kept: 1, ended: 0 });
    expect(res.organization.members.map((m) => m.id)).toContain(lateId);
    expect((await compare(org.id)).status).toBe('in_sync');
  });

  it('overwrites a local version dated in the future, and says so', async () => {
    const { org } = await organization('Future');
    await s.db.prisma.organization.update({
      where: { id: org.id },
      data: { clerkUpdatedAt: new Date(Date.now() + 86_400_000), updatedAt: new Date(Date.now() - 60_000) },
    });
    const res = await resync(org.id);
    expect(res.result).toBe('unchanged');
    expect(res.note).toMatch(/^overwrote a local version dated in the future \(held /);
    expect(res.organization.clerkUpdatedAt).toBe(new Date(org.updated_at).toISOString());
  });

  it('settles a conflicting organization version from Clerk, within the budget', async () => {
    const { org } = await organization('Tied');
    const truth = clerk.store.getOrganization(org.id)!;
    const res = await s.deliver(makeEvent('organization.updated', { ...truth, name: 'Tied Other' }));
    expect(((await res.json()) as { outcome: string }).outcome).toBe('conflict');
    await s.services.organizationConflicts.idle();
    const row = await s.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } });
    expect(row).toMatchObject({ name: 'Tied', source: 'resync', syncStatus: 'in_sync' });
    expect(s.published.organizations.filter((o) => o.id === org.id).at(-1)).toMatchObject({ syncStatus: 'in_sync' });
  });
});

describe.each(TEST_PROVIDERS)('organization resync within the rate budget on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  const starts: number[] = [];
  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, {
      server: (emulator, url) => ({
        // 4 requests a second, half of it the budget: one request start every 525 ms
        reconcile: { rateLimit: 4, windowMs: 1000 },
        clerk: recordingClient(url, emulator.secretKey, starts),
      }),
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  it('spaces its requests by the budget', async () => {
    const user = clerk.createUser();
    const org = clerk.createOrganization({ name: 'Budget', created_by: user.id });
    await clerk.settled();
    const res = await json<OrganizationResyncResult>(s.api(`/api/organizations/${org.id}/resync`, { method: 'POST' }));
    expect(res.clerkRequests).toBe(3);
    expect(starts).toHaveLength(3);
    // a start delayed by a busy event loop can bring the next one a little closer than the spacing
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(400);
  });
});
