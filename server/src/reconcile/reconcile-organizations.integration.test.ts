// Reconcile of organizations and memberships through the operator API against the emulator (real HTTP both ways,
// real database), on both databases: drift of every class planted through the emulator (changes Clerk never
// announced, a dropped delivery, an organization.deleted for an organization Clerk still has), classified exactly,
// fixed to zero, with the emulator enforcing a rate limit the reconcile may use all of — and never a 429. Then what
// offset paging cannot see: an organization deleted under the walk hides the next one from its page, and the next
// run finds what this one could not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS, createTestDb } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import type { Db } from '../lib/db/client.ts';
import { createEmulator, generateSecretKey, generateSigningSecret } from '../../../emulator/emulator.ts';
import { parseOrgWalk } from './organizations-walk.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import type { Emulator } from '../../../emulator/emulator.ts';
import { createClerkClient, type ClerkClient } from '../clerk/clerk-client.ts';
import type {
  AuditEntryDto,
  OrganizationFindingClass,
  Page,
  ReconcileFixResult,
  ReconcileOrganizationFindingDto,
  ReconcileRunDto,
} from '../contract.ts';
import {
  allFindings,
  allOrganizationFindings,
  expectOrganizationsConverged,
  json,
  reconcile,
  sleep,
  waitForRun,
} from './test-support.ts';

const quiet = { sendWebhook: false };
/** the emulator's limit, and the reconcile's budget: all of it */
const LIMIT = { requests: 20, windowMs: 1_000 };

const idsOf = (
  findings: ReconcileOrganizationFindingDto[],
  subject: ReconcileOrganizationFindingDto['subject'],
  k: OrganizationFindingClass,
) =>
  findings
    .filter((f) => f.subject === subject && f.class === k)
    .map((f) => f.objectId)
    .sort();

describe.each(TEST_PROVIDERS)('reconcile of organizations and memberships on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  const statuses: number[] = [];
  /** pages of each list the walks asked for (not the counts at the start, nor questions by id) */
  const walked = { organizations: 0, memberships: 0 };
  const counting = (inner: ClerkClient): ClerkClient => ({
    ...inner,
    organizationsPage(offset, p) {
      if (!p?.organizationIds && p?.limit !== 1) walked.organizations++;
      return inner.organizationsPage(offset, p);
    },
    allOrganizationMembershipsPage(offset, limit) {
      if (limit !== 1) walked.memberships++;
      return inner.allOrganizationMembershipsPage(offset, limit);
    },
  });
  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, {
      emulator: { seed: 21 },
      // small pages: the walks cross page boundaries (and created_at ties between them)
      server: (emulator, url) => ({
        clerk: counting(
          createClerkClient({
            apiUrl: url,
            secretKey: emulator.secretKey,
            onResponse: (status) => statuses.push(status),
          }),
        ),
        reconcile: {
          pageSize: 3,
          pagesPerWindow: 2,
          rateLimit: LIMIT.requests,
          windowMs: LIMIT.windowMs,
          budgetShare: 1,
        },
      }),
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  it('classifies every organization and membership drift class exactly, a fix brings it to zero, never a 429', async () => {
    // in sync: delivered normally
    const people = Array.from({ length: 9 }, () => clerk.createUser());
    const [a, b, c, d, e, gone] = ['Acme', 'Beta', 'Cobalt', 'Delta', 'Echo', 'Gone'].map((name, i) =>
      clerk.createOrganization({ name, created_by: people[i]!.id }),
    );
    for (const org of [a, b, c, d, e]) for (const p of people.slice(6, 9)) clerk.createMembership(org!.id, p.id);
    clerk.deleteOrganization(gone!.id); // a tombstone here, gone in Clerk: in sync
    await clerk.settled();

    const expected = {
      organization: { missing: [] as string[], stale: [] as string[], deleted: [] as string[] },
      membership: { missing: [] as string[], extra: [] as string[], role: [] as string[], stale: [] as string[] },
    };
    const membershipOf = (orgId: string, userId: string) => clerk.store.getMembership(orgId, userId)!.id;

    // 1. changes Clerk never announced
    const silent = clerk.createOrganization({ name: 'Silent', created_by: people[5]!.id }, quiet);
    expected.organization.missing.push(silent.id);
    expected.membership.missing.push(membershipOf(silent.id, people[5]!.id)); // its first admin
    clerk.updateOrganization(a!.id, { name: 'Acme Renamed' }, quiet);
    expected.organization.stale.push(a!.id);
    // deleted with its memberships: the organization is the finding, its fix ends them
    clerk.deleteOrganization(b!.id, quiet);
    expected.organization.deleted.push(b!.id);
    clerk.createMembership(c!.id, people[3]!.id, {}, quiet);
    expected.membership.missing.push(membershipOf(c!.id, people[3]!.id));
    expected.membership.extra.push(membershipOf(c!.id, people[6]!.id));
    clerk.deleteMembership(c!.id, people[6]!.id, quiet); // removed in the Clerk Dashboard, never delivered
    clerk.updateMembership(d!.id, people[7]!.id, { role: 'org:admin' }, quiet);
    expected.membership.role.push(membershipOf(d!.id, people[7]!.id));
    clerk.updateMembership(d!.id, people[8]!.id, { public_metadata: { seat: 'A1' } }, quiet);
    expected.membership.stale.push(membershipOf(d!.id, people[8]!.id));

    // 2. a dropped delivery
    clerk.setFaults({ drop: 1 });
    clerk.updateOrganization(c!.id, { public_metadata: { plan: 'pro' } });
    expected.organization.stale.push(c!.id);
    await clerk.settled();
    clerk.setFaults({ drop: 0 });

    // 3. an organization.deleted for an organization Clerk still has (a tombstone here is wrong: missing), which
    //    also ended its memberships here (missing too)
    clerk.sendEvent('organization.deleted', clerk.factories.makeDeletedOrganization(e!));
    await clerk.settled();
    expected.organization.missing.push(e!.id);
    expected.membership.missing.push(...clerk.store.memberships({ organizationId: e!.id }).map((m) => m.id));
    expect((await s.db.prisma.organization.findUniqueOrThrow({ where: { id: e!.id } })).deleted).toBe(true);

    clerk.setRateLimit(LIMIT);
    statuses.length = 0;
    walked.organizations = walked.memberships = 0;
    const run = await reconcile(s);
    // a page per 3, none asked past Clerk's total
    expect(walked).toEqual({
      organizations: Math.ceil(clerk.store.organizations().length / 3),
      memberships: Math.ceil(clerk.store.memberships().length / 3),
    });
    expect(run).toMatchObject({ status: 'completed', phase: 'done', error: null, progress: 1 });
    expect(run.found).toEqual({ missing: 0, stale: 0, deleted: 0 });
    expect(run.organizations).toEqual({
      checked: clerk.store.organizations().length,
      total: clerk.store.organizations().length,
      inSync: clerk.store.organizations().length - 4,
      found: { missing: 2, stale: 2, deleted: 1 },
    });
    const members = clerk.store.memberships().length;
    expect(run.memberships).toEqual({
      checked: members,
      total: members,
      inSync: members - expected.membership.missing.length - 2,
      found: {
        missing: expected.membership.missing.length,
        extra: 1,
        role: 1,
        stale: 1,
      },
    });
    const findings = await allOrganizationFindings(s, run.id);
    for (const subject of ['organization', 'membership'] as const)
      for (const [k, ids] of Object.entries(expected[subject]))
        expect(idsOf(findings, subject, k as OrganizationFindingClass), `${subject} ${k}`).toEqual([...ids].sort());
    expect(findings.find((f) => f.objectId === a!.id)?.diff).toEqual(
      expect.arrayContaining([{ path: 'name', kind: 'changed', local: 'Acme', clerk: 'Acme Renamed' }]),
    );
    expect(findings.find((f) => f.class === 'role')).toMatchObject({
      organizationId: d!.id,
      userId: people[7]!.id,
      diff: expect.arrayContaining([{ path: 'role', kind: 'changed', local: 'org:member', clerk: 'org:admin' }]),
    });
    expect(findings.find((f) => f.class === 'extra')).toMatchObject({ organizationId: c!.id, userId: people[6]!.id });
    expect(await allFindings(s, run.id)).toEqual([]);
    // filtered by subject and class
    const roles = await json<Page<ReconcileOrganizationFindingDto>>(
      s.api(`/api/reconcile/runs/${run.id}/organization-findings?subject=membership&class=role`),
    );
    expect(roles.items.map((f) => f.objectId)).toEqual(expected.membership.role);
    // the organizations list shows what was found
    expect((await s.db.prisma.organization.findUniqueOrThrow({ where: { id: a!.id } })).syncStatus).toBe('drifted');
    expect((await s.db.prisma.organization.findUniqueOrThrow({ where: { id: d!.id } })).syncStatus).toBe('in_sync');

    // one membership first, by id; then the rest
    const one = await json<ReconcileFixResult>(
      s.api(`/api/reconcile/runs/${run.id}/fix`, {
        method: 'POST',
        body: JSON.stringify({ membershipIds: expected.membership.role }),
      }),
    );
    const drift = findings.length;
    expect(one).toMatchObject({ fixed: 1, results: { updated: 1 }, bySubject: { membership: 1 }, unfixed: drift - 1 });
    const fix = await json<ReconcileFixResult>(
      s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' }),
    );
    expect(fix).toMatchObject({
      fixed: drift - 1,
      bySubject: { user: 0, organization: 5, membership: drift - 6 },
      unfixed: 0,
    });
    // created: the silent organization and the memberships never seen; tombstoned: the deleted organization, the
    // removed membership
    expect(fix.results.tombstoned).toBe(2);
    const fixedRows = await allOrganizationFindings(s, run.id);
    expect(fixedRows.find((f) => f.objectId === b!.id)?.fixResult).toBe('tombstoned');
    expect(fixedRows.find((f) => f.objectId === silent.id)?.fixResult).toBe('created');
    expect(fixedRows.find((f) => f.objectId === e!.id)?.fixResult).toBe('updated');
    await expectOrganizationsConverged(s, clerk);
    // the deleted organization's memberships ended with it
    const endedWithB = await s.db.prisma.organizationMembership.findMany({ where: { organizationId: b!.id } });
    expect(endedWithB.map((m) => [m.deleted, m.endedBy])).toEqual(endedWithB.map(() => [true, 'organization_deleted']));
    expect(
      (await s.db.prisma.organizationMembership.findUniqueOrThrow({ where: { id: expected.membership.extra[0]! } }))
        .endedBy,
    ).toBe('membership_deleted');

    const again = await reconcile(s);
    expect(again.organizations.found).toEqual({ missing: 0, stale: 0, deleted: 0 });
    expect(again.memberships.found).toEqual({ missing: 0, extra: 0, role: 0, stale: 0 });
    expect(again.unfixed).toBe(0);

    const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=reconcile_fix'));
    expect(audit.items[0]!.summary).toMatchObject({ fixed: drift - 1, bySubject: { organization: 5 } });
    // the reconcile and its fixes spent all of the budget, and Clerk never refused one
    expect(statuses.length).toBeGreaterThan(LIMIT.requests);
    expect(statuses.filter((st) => st === 429)).toEqual([]);
    clerk.setRateLimit(null);
  }, 120_000);

  it('refuses a fix of ids that are not lists, and unknown keys', async () => {
    const run = await reconcile(s);
    for (const body of [{ organizationIds: [] }, { membershipIds: 'orgmem_1' }, { organisations: ['org_1'] }]) {
      const res = await s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const bad = await s.api(`/api/reconcile/runs/${run.id}/organization-findings?subject=user`);
    expect(bad.status).toBe(400);
  });
});

describe('offset paging under deletions', () => {
  const PAGE = 3;
  let s: TestServer;
  let clerk: Emulator;
  /** while set: each page of the organization walk waits for the one before, and this change is made before it */
  let before: Map<number, () => void> | null = null;
  /** what the walk's pages listed */
  const listed: string[] = [];
  const answered = new Map<number, { done: Promise<void>; resolve: () => void }>();
  const gate = (offset: number) => {
    let g = answered.get(offset);
    if (!g) {
      let resolve = () => {};
      const done = new Promise<void>((r) => (resolve = r));
      answered.set(offset, (g = { done, resolve }));
    }
    return g;
  };
  beforeAll(async () => {
    const wrap = (inner: ClerkClient): ClerkClient => ({
      ...inner,
      async organizationsPage(offset, p) {
        // the run's count (limit 1) and its questions by id pass; the walk's pages take turns
        if (!before || p?.organizationIds || p?.limit === 1) return inner.organizationsPage(offset, p);
        if (offset > 0) await gate(offset - PAGE).done;
        before.get(offset)?.();
        const answer = await inner.organizationsPage(offset, p);
        listed.push(...answer.data.map((o) => o.id));
        gate(offset).resolve();
        return answer;
      },
    });
    ({ clerk, s } = await startClerkAndServer('sqlite', {
      emulator: { seed: 22 },
      server: (emulator, url) => ({
        clerk: wrap(createClerkClient({ apiUrl: url, secretKey: emulator.secretKey })),
        reconcile: { pageSize: PAGE, rateLimit: 1_000_000, budgetShare: 1 },
      }),
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  it('a held organization a shift hides is still compared; a missing one is left to the next run', async () => {
    const owner = clerk.createUser();
    const orgs: { id: string }[] = [];
    for (let i = 0; i < 10; i++) {
      // a millisecond apart: the page bounds fall between organizations, not inside a tie
      orgs.push(clerk.createOrganization({ name: `Shift ${i}`, created_by: owner.id }, i === 3 ? quiet : {}));
      await sleep(2);
    }
    await clerk.settled();
    clerk.updateOrganization(orgs[7]!.id, { name: 'Shift 7 renamed' }, quiet);
    // page 1 lists 0, 1, 2; 0 goes, so page 2 (offset 3) lists 4, 5, 6; 1 goes, so page 3 (offset 6) lists 8, 9.
    // Neither 3 (never delivered) nor 7 (held here, renamed in Clerk) is on any page.
    before = new Map([
      [PAGE, () => clerk.deleteOrganization(orgs[0]!.id, quiet)],
      [2 * PAGE, () => clerk.deleteOrganization(orgs[1]!.id, quiet)],
    ]);
    const run = await reconcile(s);
    before = null;
    expect(listed).toEqual([0, 1, 2, 4, 5, 6, 8, 9].map((i) => orgs[i]!.id));
    // 7 is in the last page's stretch of created_at and held here: asked about by id, found renamed. 0 and 1,
    // listed before they went, are found deleted all the same: their memberships are no longer listed, and their
    // organization's list answers 404.
    expect(run.organizations.found).toEqual({ missing: 0, stale: 1, deleted: 2 });
    const findings = await allOrganizationFindings(s, run.id);
    expect(idsOf(findings, 'organization', 'stale')).toEqual([orgs[7]!.id]);
    expect(idsOf(findings, 'organization', 'deleted')).toEqual([orgs[0]!.id, orgs[1]!.id].sort());
    // 3 is held nowhere, so nothing here knows to ask about it; its membership is in the other list
    expect(idsOf(findings, 'organization', 'missing')).toEqual([]);
    expect(findings.filter((f) => f.subject === 'membership').map((f) => [f.class, f.organizationId])).toEqual([
      ['missing', orgs[3]!.id],
    ]);

    const next = await reconcile(s);
    expect(next.organizations.found).toEqual({ missing: 1, stale: 1, deleted: 2 });
    expect(idsOf(await allOrganizationFindings(s, next.id), 'organization', 'missing')).toEqual([orgs[3]!.id]);
  });
});

describe.each(TEST_PROVIDERS)('a restart during the membership walk on %s', (provider) => {
  let clerk: Emulator;
  let db: Db;
  const servers: TestServer[] = [];
  /** the server's client, each membership page slowed by `delayMs` and recorded */
  const client = (delayMs: number, offsets: number[] = []): ClerkClient => {
    const inner = createClerkClient({ apiUrl: clerk.url!, secretKey: clerk.secretKey });
    return {
      ...inner,
      async allOrganizationMembershipsPage(offset, limit) {
        if (limit !== 1) offsets.push(offset);
        await sleep(delayMs);
        return inner.allOrganizationMembershipsPage(offset, limit);
      },
    };
  };
  const start = async (c: ClerkClient) => {
    const s = await startTestServer(provider, {
      db,
      secrets: [clerk.signingSecret],
      clerk: c,
      reconcile: {
        pageSize: 2,
        rateLimit: 1_000_000,
        budgetShare: 1,
        heartbeatMs: 50,
        watchMs: 50,
        parallelWindows: 1,
      },
    });
    servers.push(s);
    return s;
  };
  beforeAll(async () => {
    clerk = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: null,
      timeFactor: 0.001,
      seed: 23,
    });
    await clerk.listen(0);
    db = await createTestDb(provider);
  });
  afterAll(async () => {
    for (const s of servers.splice(0)) await s.close();
    await clerk?.close();
    await db?.close();
  });

  it('resumes at the stored offset and stretch, and the totals are right', async () => {
    const a = await start(client(100));
    clerk.addTarget(`${a.url}/api/webhooks/clerk`);
    const people = Array.from({ length: 4 }, () => clerk.createUser());
    const orgs = [];
    for (let i = 0; i < 5; i++) {
      const org = clerk.createOrganization({ name: `Resume ${i}`, created_by: people[0]!.id });
      clerk.createMembership(org.id, people[1]!.id);
      clerk.createMembership(org.id, people[2]!.id);
      orgs.push(org);
      await sleep(2);
    }
    await clerk.settled();
    clerk.removeTarget(`${a.url}/api/webhooks/clerk`);
    // drift early and late in the list: found before the pause and after the resume
    clerk.updateMembership(orgs[0]!.id, people[1]!.id, { role: 'org:admin' }, quiet);
    clerk.updateMembership(orgs[4]!.id, people[2]!.id, { role: 'org:admin' }, quiet);
    clerk.deleteMembership(orgs[4]!.id, people[1]!.id, quiet);
    clerk.createMembership(orgs[4]!.id, people[3]!.id, {}, quiet);
    const members = clerk.store.memberships().length;

    const started = await json<ReconcileRunDto>(a.api('/api/reconcile', { method: 'POST' }));
    for (;;) {
      const run = await json<ReconcileRunDto>(a.api(`/api/reconcile/runs/${started.id}`));
      if (run.memberships.checked >= 4) break;
      expect(run.status).toBe('running');
      await sleep(10);
    }
    servers.splice(servers.indexOf(a), 1);
    await a.close(); // pauses at a page boundary: still running
    const paused = await db.prisma.reconcileRun.findUniqueOrThrow({ where: { id: started.id } });
    expect(paused.status).toBe('running');
    const walk = parseOrgWalk(paused.orgWalk)!;
    expect(walk.phase).toBe('memberships');
    expect(walk.offset).toBeGreaterThanOrEqual(4);
    expect(walk.offset).toBeLessThan(members);
    expect(paused.organizationsChecked).toBe(5);

    const offsets: number[] = [];
    const b = await start(client(0, offsets));
    const done = await waitForRun(b, started.id);
    // B went on from A's offset, never from the start of the list
    expect(offsets[0]).toBe(walk.offset);
    expect(Math.min(...offsets)).toBe(walk.offset);
    expect(done).toMatchObject({
      status: 'completed',
      organizations: { checked: 5, found: { missing: 0, stale: 0, deleted: 0 } },
      memberships: { checked: members, inSync: members - 3, found: { missing: 1, extra: 1, role: 2, stale: 0 } },
    });
    expect(await db.prisma.reconcileOrganizationFinding.count({ where: { runId: started.id } })).toBe(4);
  });
});
