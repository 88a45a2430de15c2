// Convergence: the emulator drives the REAL server (real HTTP, real signatures, real database) through a hostile
// delivery — duplicates, reordering, wrongly signed attempts and an endpoint outage — and once Svix's retries
// have settled, the local copy must equal the Clerk truth: every live user identical to the emulator's, every
// deleted user a tombstone, every session of a live user in the same status. (Drops are left out on purpose:
// a dropped message can only be recovered by reconciling against the Backend API, which is another test.)
// Clerk's own habits are on: consecutive versions sometimes share an updated_at (a conflict is settled by the
// Backend API, which the server reaches here), sessions expire with no event, and session events embed the user.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../server/src/test/db.ts';
import { startTestServer, type TestServer } from '../server/src/test/harness.ts';
import { createEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TEST_PROVIDERS)('emulator → server convergence on %s', (provider) => {
  let server: TestServer;
  let emulator: Emulator;

  beforeEach(async () => {
    emulator = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: null,
      ties: 0.25,
      sessionLifetime: { expireMs: 800, abandonMs: 1600 },
      // retries after 0, 0.5, 30, 180, 720 ms, 1.8 s, 3.6 s, 3.6 s: the outage below is caught up by attempt 4
      timeFactor: 0.0001,
      seed: 2026,
      seedUsers: 0,
      faults: { duplicate: 0.3, reorderWindowMs: 25, badSignature: 0.1 },
    });
    const { url } = await emulator.listen(0);
    server = await startTestServer(provider, {
      secrets: [emulator.signingSecret],
      clerkApiUrl: url,
      clerkSecretKey: emulator.secretKey,
      reconcile: { rateLimit: 1_000_000, budgetShare: 1 },
      // Svix's five-day schedule runs here in ten seconds, so per-source budgets (open requests, refused requests)
      // would be out of all proportion; they have tests of their own (faults/slow-clients, faults/webhook-flood)
      env: { WEBHOOK_MAX_OPEN_PER_IP: '0', WEBHOOK_REJECTED_PER_MINUTE: '0' },
    });
    emulator.addTarget(`${server.url}/api/webhooks/clerk`);
  });
  afterEach(async () => {
    await emulator?.close();
    await server?.close();
  });

  it('after duplicates, reordering, bad signatures and an outage, the local copy equals the Clerk truth', async () => {
    for (let i = 0; i < 8; i++) emulator.createUser();
    for (let i = 0; i < 240; i++) {
      if (i === 80) emulator.outage(150);
      emulator.activityTick();
      // A few targeted sequences the ordering rules must get right whatever the arrival order:
      if (i % 60 === 30) {
        // created, updated twice and deleted within one reorder window
        const u = emulator.createUser();
        emulator.updateUser(u.id, { first_name: 'Short' });
        emulator.updateUser(u.id, { last_name: 'Lived' });
        emulator.deleteUser(u.id);
      }
      if (i % 10 === 0) await sleep(4); // let deliveries interleave with changes
    }
    await emulator.settled();
    // conflicting versions are settled by the Backend API; sessions past their deadlines (in the truth, with no
    // event) are written down locally by the expiry sweep once every deadline has passed
    await server.services.conflicts.idle();
    const lastDeadline = Math.max(0, ...emulator.store.sessions().map((s) => Math.min(s.expire_at, s.abandon_at)));
    await sleep(Math.max(0, lastDeadline - Date.now() + 5));
    await server.services.repos.sessions.expireDue();

    // The run really was hostile.
    const attempts = emulator.deliveries();
    const messages = emulator.messages();
    expect(
      messages.every((m) => m.state === 'delivered'),
      JSON.stringify(
        messages
          .filter((m) => m.state !== 'delivered')
          .slice(0, 3)
          .map((m) => ({
            ...m,
            statuses: attempts.filter((a) => a.svixId === m.svixId).map((a) => a.status ?? a.error),
          })),
      ),
    ).toBe(true);
    expect(messages.filter((m) => m.duplicate).length).toBeGreaterThan(20);
    expect(attempts.filter((a) => a.badSignature && a.status === 401).length).toBeGreaterThan(5);
    expect(attempts.filter((a) => a.error?.includes('outage')).length).toBeGreaterThan(0);

    const p = server.db.prisma;
    // Every message was stored once, however often it arrived.
    const svixIds = new Set(messages.map((m) => m.svixId));
    expect(await p.event.count()).toBe(svixIds.size);

    // Live users: identical to the truth.
    const truth = emulator.store.users();
    expect(truth.length).toBeGreaterThan(5);
    const local = await p.user.findMany({ where: { id: { in: truth.map((u) => u.id) } } });
    const localById = new Map(local.map((u) => [u.id, u]));
    for (const u of truth) {
      const row = localById.get(u.id);
      expect(row, `local copy of ${u.id}`).toBeDefined();
      expect(row!.deleted).toBe(false);
      expect(JSON.parse(row!.data!)).toEqual(u);
      expect(row!.clerkUpdatedAt!.getTime()).toBe(u.updated_at);
    }

    // Deleted users: tombstones, including those whose user.created arrived after (or never before) the deletion.
    const deletedIds = emulator.store.deletedUserIds();
    expect(deletedIds.length).toBeGreaterThan(3);
    const tombstones = await p.user.findMany({ where: { id: { in: deletedIds } } });
    expect(tombstones).toHaveLength(deletedIds.length);
    expect(tombstones.every((t) => t.deleted)).toBe(true);

    // No user the truth does not know about.
    expect(await p.user.count()).toBe(truth.length + deletedIds.length);

    // Sessions of live users: same status as the truth.
    const sessions = emulator.store.sessions();
    const localSessions = new Map((await p.session.findMany()).map((s) => [s.id, s]));
    for (const s of sessions) {
      expect(localSessions.get(s.id)?.status, `session ${s.id}`).toBe(s.status);
    }
  }, 60_000);
});
