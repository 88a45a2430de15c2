// Convergence under chaos: webhooks alone lose what the emulator drops (5 %) — and duplicates (10 %),
// reordering (a reorder window over ~20 % of the traffic) and wrongly signed attempts (1 %) try to confuse
// the rest — over ≥ 2,000 users with activity, organizations among it (created, renamed, members added, promoted
// and removed, invitations, organizations deleted; a user's deletion takes their memberships with no event of
// their own). After one reconcile + fix, every local user, organization and membership equals Clerk's.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import type { TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import type { Emulator } from '../../../emulator/emulator.ts';
import type { ReconcileFixResult, ReconcileRunDto } from '../contract.ts';
import { expectOrganizationsConverged, reconcile } from './test-support.ts';

const USERS = Number(process.env.CHAOS_USERS ?? 2_400);
const ACTIVITY = Number(process.env.CHAOS_ACTIVITY ?? 600);
const ORGANIZATIONS = Number(process.env.CHAOS_ORGANIZATIONS ?? 40);

describe.each(TEST_PROVIDERS)('reconcile convergence under chaos on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  beforeEach(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, {
      emulator: {
        timeFactor: 0.0001,
        seed: 2026,
        faults: { drop: 0.05, duplicate: 0.1, badSignature: 0.01 },
        // Clerk's own habits: tied updated_at, sessions expiring with no event (session events embed the user)
        ties: 0.2,
        sessionLifetime: { expireMs: 1000, abandonMs: 2000 },
      },
      server: { reconcile: { rateLimit: 1_000_000, budgetShare: 1 } },
    }));
  });
  afterEach(() => closeClerkAndServer({ clerk, s }));

  it(`after one reconcile + fix, all ${USERS} users and every organization and membership equal Clerk's`, async () => {
    const t0 = Date.now();
    // sign-ups in batches, each followed by activity (profile edits, sessions, deletions, other events);
    // the activity runs early while the population is small (the emulator's tick scans every user)
    let tActivity = 0;
    for (let batch = 0; batch < USERS / 400; batch++) {
      // one batch in five goes through a reorder window: ~20 % of deliveries reordered
      clerk.setFaults({ reorderWindowMs: batch % 5 === 0 ? 20 : 0 });
      for (let i = 0; i < 400; i++) clerk.createUser();
      // organizations with members from the start (their events as faulty as the rest), for the activity to change
      if (batch === 0) clerk.seedOrganizations(ORGANIZATIONS, { membersPerOrganization: 4 });
      const ta = Date.now();
      for (let i = 0; i < ACTIVITY / (USERS / 400); i++) {
        clerk.setFaults({ reorderWindowMs: i % 5 === 0 ? 20 : 0 });
        clerk.activityTick();
      }
      await clerk.settled();
      tActivity += Date.now() - ta;
    }
    const tChaos = Date.now();
    const messages = clerk.messages();
    console.log(
      `[chaos ${provider}] webhooks ${tChaos - t0} ms (activity ${tActivity} ms), ${messages.length} messages`,
    );
    const dropped = messages.filter((m) => m.state === 'dropped').length;
    expect(dropped).toBeGreaterThan(messages.length * 0.03);
    expect(messages.filter((m) => m.duplicate).length).toBeGreaterThan(messages.length * 0.05);
    expect(clerk.deliveries().filter((a) => a.badSignature).length).toBeGreaterThan(0);

    await s.services.conflicts.idle();
    const organizationEvents = messages.filter((m) => m.type.startsWith('organization')).length;
    expect(organizationEvents).toBeGreaterThan(messages.length * 0.05);
    const run = await reconcile(s);
    expect(run.status).toBe('completed');
    const sum = (found: Record<string, number>) => Object.values(found).reduce((a, b) => a + b, 0);
    const drift = sum(run.found) + sum(run.organizations.found) + sum(run.memberships.found);
    expect(sum(run.found)).toBeGreaterThan(0);
    expect(sum(run.organizations.found) + sum(run.memberships.found)).toBeGreaterThan(0);
    expect(run.organizations.checked).toBe(clerk.store.organizations().length);
    expect(run.memberships.checked).toBe(clerk.store.memberships().length);
    const fix = (await (
      await s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' })
    ).json()) as ReconcileFixResult;
    expect(fix).toMatchObject({ fixed: drift, unfixed: 0 });
    const tFixed = Date.now();

    const truth = clerk.store.users();
    expect(truth.length).toBeGreaterThanOrEqual(2_000);
    const local = new Map((await s.db.prisma.user.findMany()).map((u) => [u.id, u]));
    for (const u of truth) {
      const row = local.get(u.id);
      expect(row, `local copy of ${u.id}`).toBeDefined();
      expect(row!.deleted).toBe(false);
      expect(JSON.parse(row!.data!)).toEqual(u);
    }
    const deleted = new Set(clerk.store.deletedUserIds());
    for (const row of local.values())
      if (!row.deleted) expect(deleted.has(row.id), `${row.id} alive here only`).toBe(false);
    for (const id of deleted) if (local.has(id)) expect(local.get(id)!.deleted).toBe(true);
    await expectOrganizationsConverged(s, clerk);

    const check = (await (await s.api(`/api/reconcile/runs/${(await reconcile(s)).id}`)).json()) as ReconcileRunDto;
    expect(check.found).toEqual({ missing: 0, stale: 0, deleted: 0 });
    expect(check.organizations.found).toEqual({ missing: 0, stale: 0, deleted: 0 });
    expect(check.memberships.found).toEqual({ missing: 0, extra: 0, role: 0, stale: 0 });
    console.log(
      `[chaos ${provider}] ${messages.length} messages (${dropped} dropped), ${truth.length} users; ` +
        `${run.organizations.checked} organizations, ${run.memberships.checked} memberships; ` +
        `chaos ${tChaos - t0} ms, reconcile ${run.checked} users / ${run.pages} pages found ${JSON.stringify(run.found)}, ` +
        `organizations ${JSON.stringify(run.organizations.found)}, memberships ${JSON.stringify(run.memberships.found)}, ` +
        `reconcile + fix ${tFixed - tChaos} ms`,
    );
  }, 300_000); // a safety net, not a target: a loaded 2-core CI machine has taken two minutes
});
