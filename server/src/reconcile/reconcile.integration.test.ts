// Reconcile through the operator API against the emulator (real HTTP both ways, real database): drift of every
// class made on purpose, classified exactly, fixed to zero; resumability across a restart; one run at a time
// across two instances on one database.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS, createTestDb } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import { createEmulator, generateSecretKey, generateSigningSecret, type Emulator } from '../../../emulator/emulator.ts';
import { createClerkClient, type ClerkClient, type ListUsersParams } from '../clerk/clerk-client.ts';
import type {
  AuditEntryDto,
  DriftClass,
  Page,
  ReconcileFindingDto,
  ReconcileFixResult,
  ReconcileRunDto,
} from '../contract.ts';
import { allFindings, json, reconcile, sleep, waitForRun } from './test-support.ts';
import type { Db } from '../lib/db/client.ts';
import type { WindowState } from './windows.ts';

const idsOf = (findings: ReconcileFindingDto[], k: DriftClass) =>
  findings
    .filter((f) => f.class === k)
    .map((f) => f.userId)
    .sort();

/** The run's created_at windows, as stored with it. */
const windowsOf = async (db: Db, runId: number) =>
  JSON.parse((await db.prisma.reconcileRun.findUniqueOrThrow({ where: { id: runId } })).windows) as WindowState[];

/** Pages a run over Clerk's current users takes: each window's users, `pageSize` per page. */
async function expectedPages(db: Db, runId: number, clerk: Emulator, pageSize: number) {
  const windows = await windowsOf(db, runId);
  const users = clerk.store.users();
  return windows
    .map(
      (w) =>
        users.filter((u) => (w.from === null || u.created_at >= w.from) && (w.to === null || u.created_at < w.to))
          .length,
    )
    .reduce((sum, n) => sum + Math.ceil(n / pageSize), 0);
}

/** A client that waits before each list call (to stop a run mid-way) and records what it asked. */
function slowClient(inner: ClerkClient, delayMs: number, calls: ListUsersParams[] = []): ClerkClient {
  return {
    ...inner,
    async listUsers(p) {
      calls.push(p ?? {});
      await sleep(delayMs);
      return inner.listUsers(p);
    },
  };
}

describe.each(TEST_PROVIDERS)('reconcile on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, {
      emulator: { seed: 5 },
      // small pages: the run crosses many page boundaries (and created_at ties between them); small windows too:
      // several windows, walked at once
      server: { reconcile: { pageSize: 3, pagesPerWindow: 2, rateLimit: 1_000_000, budgetShare: 1 } },
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  it('classifies drift of every class exactly, and a fix brings it to zero', async () => {
    const expected: Record<DriftClass, string[]> = { missing: [], stale: [], deleted: [] };
    // in sync: delivered normally, including one deleted with its webhook (a tombstone here, gone in Clerk)
    const synced = Array.from({ length: 8 }, () => clerk.createUser());
    const gone = clerk.createUser();
    await clerk.settled();
    clerk.deleteUser(gone.id);
    await clerk.settled();

    // 1. drift through the control API: changes Clerk never announced
    expected.missing.push(
      ...Array.from({ length: 3 }, (_, i) => clerk.createUser({ first_name: `Silent${i}` }, { sendWebhook: false }).id),
    );
    clerk.updateUser(synced[0]!.id, { first_name: 'Renamed' }, { sendWebhook: false });
    clerk.updateUser(synced[1]!.id, { public_metadata: { plan: 'pro' } }, { sendWebhook: false });
    expected.stale.push(synced[0]!.id, synced[1]!.id);
    clerk.deleteUser(synced[2]!.id, { sendWebhook: false });
    expected.deleted.push(synced[2]!.id);

    // 2. dropped deliveries
    clerk.setFaults({ drop: 1 });
    expected.missing.push(clerk.createUser().id, clerk.createUser().id);
    clerk.updateUser(synced[3]!.id, { last_name: 'Dropped' });
    expected.stale.push(synced[3]!.id);
    clerk.deleteUser(synced[4]!.id);
    expected.deleted.push(synced[4]!.id);
    await clerk.settled();
    clerk.setFaults({ drop: 0 });

    // 3. an outage longer than Svix's retries (the schedule scaled to ~1 s)
    clerk.setTimeFactor(0.00001);
    clerk.outage(5_000);
    expected.missing.push(clerk.createUser().id);
    clerk.updateUser(synced[5]!.id, { username: 'outage_victim' });
    expected.stale.push(synced[5]!.id);
    clerk.deleteUser(synced[6]!.id);
    expected.deleted.push(synced[6]!.id);
    await clerk.settled();
    expect(clerk.messages().filter((m) => m.state === 'failed')).toHaveLength(3);
    clerk.outage(0);
    clerk.setTimeFactor(0.001);

    const run = await reconcile(s);
    expect(run).toMatchObject({
      status: 'completed',
      startedBy: 'admin@test.local',
      error: null,
      progress: 1,
      etaSeconds: null,
    });
    const alive = clerk.store.users().length;
    expect(run.checked).toBe(alive);
    expect(run.totalEstimate).toBe(alive);
    expect(run.found).toEqual({
      missing: expected.missing.length,
      stale: expected.stale.length,
      deleted: expected.deleted.length,
    });
    expect(run.inSync).toBe(alive - expected.missing.length - expected.stale.length);
    // one page per 3 users of each window (the windows cut Clerk's list; no page holds two windows' users)
    expect(run.pages).toBe(await expectedPages(s.db, run.id, clerk, 3));

    const findings = await allFindings(s, run.id);
    expect(idsOf(findings, 'missing')).toEqual([...expected.missing].sort());
    expect(idsOf(findings, 'stale')).toEqual([...expected.stale].sort());
    expect(idsOf(findings, 'deleted')).toEqual([...expected.deleted].sort());
    expect(findings.find((f) => f.userId === synced[0]!.id)?.diff).toEqual(
      expect.arrayContaining([{ path: 'first_name', kind: 'changed', local: synced[0]!.first_name, clerk: 'Renamed' }]),
    );
    const byClass = await json<Page<ReconcileFindingDto>>(
      s.api(`/api/reconcile/runs/${run.id}/findings?class=deleted`),
    );
    expect(byClass.items.map((f) => f.userId).sort()).toEqual([...expected.deleted].sort());
    // the users list shows what the run found
    expect((await s.db.prisma.user.findUniqueOrThrow({ where: { id: synced[1]!.id } })).syncStatus).toBe('drifted');

    // fix one selected, then all the rest
    const one = await json<ReconcileFixResult>(
      s.api(`/api/reconcile/runs/${run.id}/fix`, {
        method: 'POST',
        body: JSON.stringify({ userIds: [expected.missing[0]] }),
      }),
    );
    expect(one).toMatchObject({ fixed: 1, results: { created: 1 }, unfixed: findings.length - 1 });
    const all = await json<ReconcileFixResult>(
      s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' }),
    );
    expect(all).toMatchObject({
      fixed: findings.length - 1,
      unfixed: 0,
      results: {
        created: expected.missing.length - 1,
        updated: expected.stale.length,
        tombstoned: expected.deleted.length,
        unchanged: 0,
      },
    });
    expect((await allFindings(s, run.id)).every((f) => f.fixedAt && f.fixResult)).toBe(true);

    // zero drift, and every local user equals Clerk's
    const again = await reconcile(s);
    expect(again).toMatchObject({
      status: 'completed',
      found: { missing: 0, stale: 0, deleted: 0 },
      inSync: alive,
      unfixed: 0,
    });
    for (const u of clerk.store.users()) {
      const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: u.id } });
      expect(row.deleted).toBe(false);
      expect(JSON.parse(row.data!)).toEqual(u);
    }
    for (const id of clerk.store.deletedUserIds()) {
      expect((await s.db.prisma.user.findUniqueOrThrow({ where: { id } })).deleted).toBe(true);
    }

    // history, drift over time, audit trail
    const runs = await json<Page<ReconcileRunDto>>(s.api('/api/reconcile/runs'));
    expect(runs.items.slice(0, 2).map((r) => r.id)).toEqual([again.id, run.id]);
    const history = await json<{ runId: number; missing: number }[]>(s.api('/api/reconcile/drift-history'));
    expect(history.slice(-2)).toEqual([
      expect.objectContaining({
        runId: run.id,
        missing: expected.missing.length,
        stale: expected.stale.length,
        deleted: expected.deleted.length,
      }),
      expect.objectContaining({ runId: again.id, missing: 0, stale: 0, deleted: 0 }),
    ]);
    const fixes = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=reconcile_fix'));
    expect(fixes.items).toHaveLength(2);
    expect(fixes.items[0]).toMatchObject({
      actor: 'admin@test.local',
      target: String(run.id),
      summary: { fixed: findings.length - 1, requested: 'all' },
    });
    const starts = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=reconcile_start&actor=admin@test.local'));
    expect(starts.items.map((e) => e.target)).toEqual([String(again.id), String(run.id)]);
    // progress went out live, and the end
    expect(s.published.reconcile.some((r) => r.id === run.id && r.status === 'running')).toBe(true);
    expect(s.published.reconcile.some((r) => r.id === run.id && r.status === 'completed')).toBe(true);
  });

  it('audits resyncs and replays', async () => {
    const u = clerk.createUser();
    await clerk.settled();
    await json(s.api(`/api/users/${u.id}/resync`, { method: 'POST' }));
    const entries = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=resync'));
    expect(entries.items[0]).toMatchObject({
      actor: 'admin@test.local',
      action: 'resync',
      target: u.id,
      summary: { result: 'unchanged' },
    });
    const delivery = await s.db.prisma.delivery.findFirstOrThrow({
      where: { verified: true },
      orderBy: { id: 'desc' },
    });
    await json(s.api(`/api/deliveries/${delivery.id}/replay`, { method: 'POST' }));
    await json(
      s.api('/api/deliveries/replay', { method: 'POST', body: JSON.stringify({ filter: { outcome: 'failed' } }) }),
    );
    // a bulk replay is a job: audited when it starts and when it ends
    await s.services.replayJobs.idle();
    const replays = await json<Page<AuditEntryDto>>(s.api('/api/audit?limit=3'));
    expect(replays.items.map((e) => e.action)).toEqual(['replay_bulk', 'replay_bulk_start', 'replay']);
    expect(replays.items[2]).toMatchObject({ target: String(delivery.id), summary: { outcome: 'duplicate' } });
    expect((await s.api('/api/audit?action=nope')).status).toBe(400);
  });

  it('answers 404 and 409 where it should', async () => {
    expect((await s.api('/api/reconcile/runs/999999')).status).toBe(404);
    expect((await s.api('/api/reconcile/runs/abc')).status).toBe(400);
    const last = (await json<Page<ReconcileRunDto>>(s.api('/api/reconcile/runs?limit=1'))).items[0]!;
    expect((await s.api(`/api/reconcile/runs/${last.id}/cancel`, { method: 'POST' })).status).toBe(409);
    expect(
      (await s.api(`/api/reconcile/runs/${last.id}/fix`, { method: 'POST', body: JSON.stringify({ userIds: [] }) }))
        .status,
    ).toBe(400);
  });
});

describe.each(TEST_PROVIDERS)('reconcile across restarts and instances on %s', (provider) => {
  let clerk: Emulator;
  let db: Db;
  const servers: TestServer[] = [];
  const start = async (client: ClerkClient, opts: { pageSize?: number; lockTtlMs?: number } = {}) => {
    const s = await startTestServer(provider, {
      db,
      secrets: [clerk.signingSecret],
      clerk: client,
      reconcile: {
        pageSize: opts.pageSize ?? 4,
        pagesPerWindow: 2,
        rateLimit: 1_000_000,
        budgetShare: 1,
        heartbeatMs: 50,
        lockTtlMs: opts.lockTtlMs ?? 2_000,
        watchMs: 50,
      },
    });
    servers.push(s);
    return s;
  };
  const client = () => createClerkClient({ apiUrl: clerk.url!, secretKey: clerk.secretKey });

  beforeAll(async () => {
    clerk = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: null,
      timeFactor: 0.001,
      seed: 7,
    });
    await clerk.listen(0);
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    await db?.close();
  });
  afterAll(async () => {
    await clerk?.close();
  });

  it('a restart resumes from the cursor, and the totals are right', async () => {
    db = await createTestDb(provider);
    const a = await start(slowClient(client(), 100), { pageSize: 2 });
    clerk.addTarget(`${a.url}/api/webhooks/clerk`);
    const users = Array.from({ length: 30 }, () => clerk.createUser());
    await clerk.settled();
    clerk.removeTarget(`${a.url}/api/webhooks/clerk`);
    for (let i = 0; i < 6; i++) clerk.createUser({}, { sendWebhook: false });
    for (const u of users.slice(0, 5)) clerk.updateUser(u.id, { first_name: 'Later' }, { sendWebhook: false });
    for (const u of users.slice(5, 9)) clerk.deleteUser(u.id, { sendWebhook: false });
    const alive = clerk.store.users().length; // 32

    const started = await json<ReconcileRunDto>(a.api('/api/reconcile', { method: 'POST' }));
    // one at a time: a second start is refused while this one runs
    expect((await a.api('/api/reconcile', { method: 'POST' })).status).toBe(409);
    for (;;) {
      const run = await json<ReconcileRunDto>(a.api(`/api/reconcile/runs/${started.id}`));
      if (run.pages >= 3) break;
      await sleep(10);
    }
    servers.splice(servers.indexOf(a), 1);
    await a.close(); // pauses at a page boundary: still `running`, lock released
    const paused = await db.prisma.reconcileRun.findUniqueOrThrow({ where: { id: started.id } });
    expect(paused.status).toBe('running');
    const stored = JSON.parse(paused.windows) as WindowState[];
    expect(stored.length).toBeGreaterThan(1);
    expect(stored.some((w) => w.cursor !== null)).toBe(true);
    expect(paused.pages).toBeGreaterThanOrEqual(3);
    expect(paused.pages).toBeLessThan(Math.ceil(alive / 2));

    const calls: ListUsersParams[] = [];
    const b = await start(slowClient(client(), 0, calls), { pageSize: 2 });
    const done = await waitForRun(b, started.id);
    // B continued each window after A's cursor for it, never from a window's start again, and walked no
    // window A had finished
    const pageCalls = calls.filter((c) => !c.userIds);
    const windowOf = (c: ListUsersParams) =>
      stored.findIndex(
        (w) =>
          (w.to === null ? c.createdAtBefore === undefined : c.createdAtBefore === w.to) &&
          (w.from === null ? c.createdAtAfter === undefined : c.createdAtAfter === w.from - 1),
      );
    expect(pageCalls.every((c) => windowOf(c) !== -1)).toBe(true);
    for (const [i, w] of stored.entries()) {
      const mine = pageCalls.filter((c) => windowOf(c) === i);
      if (w.done) expect(mine).toEqual([]);
      else if (w.cursor !== null) expect(mine[0]?.startingAfter).toBe(w.cursor);
      expect(mine.slice(1).every((c) => c.startingAfter)).toBe(true);
    }
    expect(done).toMatchObject({
      status: 'completed',
      checked: alive,
      found: { missing: 6, stale: 5, deleted: 4 },
      inSync: alive - 11,
    });
    expect(done.pages).toBe(await expectedPages(db, started.id, clerk, 2));
    expect(await db.prisma.reconcileFinding.count({ where: { runId: started.id } })).toBe(15);
    expect(await db.prisma.reconcileRun.count()).toBe(1);
  });

  it.each(['empty', 'not_found', 'unprocessable'] as const)(
    'carries on when Clerk deletes the cursor user between two pages (Clerk answers the cursor with: %s)',
    async (deletedCursor) => {
      db = await createTestDb(provider);
      clerk.setUserList({ deletedCursor });
      const before = clerk.store.users().length;
      for (let i = 0; i < 7; i++) clerk.createUser({}, { sendWebhook: false });
      const total = before + 7;
      const inner = client();
      let first = true;
      const calls: ListUsersParams[] = [];
      const deleting: ClerkClient = {
        ...inner,
        async listUsers(p) {
          calls.push(p ?? {});
          const page = await inner.listUsers(p);
          // the first full page of a window (not the run's one-user look at Clerk's oldest and newest)
          if (first && p?.limit === 3 && !p.userIds && !p.startingAfter && page.length === 3) {
            first = false;
            clerk.deleteUser(page.at(-1)!.id, { sendWebhook: false }); // starting_after now points at nobody
          }
          return page;
        },
      };
      try {
        const s = await start(deleting, { pageSize: 3 });
        const run = await reconcile(s);
        // every user listed exactly once: the deleted cursor user was checked (alive then), the rest after it too
        expect(run).toMatchObject({
          status: 'completed',
          checked: total,
          found: { missing: total, stale: 0, deleted: 0 },
        });
        expect(await db.prisma.reconcileFinding.count({ where: { runId: run.id } })).toBe(total);
        // that window was walked again from the deleted user's millisecond, without a cursor
        const restarted = calls.filter((c) => c.limit === 3 && !c.userIds && !c.startingAfter);
        expect(restarted.length).toBe((await windowsOf(db, run.id)).length + 1);
      } finally {
        clerk.setUserList({ deletedCursor: 'empty' });
      }
    },
  );

  it('RECONCILE_INTERVAL starts runs on its own, audited as the schedule', async () => {
    db = await createTestDb(provider);
    const s = await startTestServer(provider, {
      db,
      secrets: [clerk.signingSecret],
      clerk: client(),
      reconcile: { rateLimit: 1_000_000, budgetShare: 1, watchMs: 50, intervalMs: 60_000 },
    });
    servers.push(s);
    await expect
      .poll(async () => (await db.prisma.reconcileRun.findFirst({ where: { status: 'completed' } }))?.startedBy, {
        timeout: 10_000,
      })
      .toBe('schedule');
    await sleep(200); // several watch ticks: the interval has not passed, no second run
    expect(await db.prisma.reconcileRun.count()).toBe(1);
    const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?actor=schedule'));
    expect(audit.items).toEqual([expect.objectContaining({ action: 'reconcile_start', actor: 'schedule' })]);
  });

  it('two instances on one database run one reconcile at a time', async () => {
    db = await createTestDb(provider);
    for (let i = 0; i < 12; i++) clerk.createUser({}, { sendWebhook: false });
    const a = await start(slowClient(client(), 30));
    const b = await start(slowClient(client(), 30));
    const [ra, rb] = await Promise.all([
      a.api('/api/reconcile', { method: 'POST' }),
      b.api('/api/reconcile', { method: 'POST' }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([202, 409]);
    const winner = ra.status === 202 ? a : b;
    const loser = ra.status === 202 ? b : a;
    const refused = (await (ra.status === 202 ? rb : ra).json()) as { error: { code: string } };
    expect(refused.error.code).toBe('reconcile_running');
    const run = (await (ra.status === 202 ? ra : rb).json()) as ReconcileRunDto;
    // the other instance sees it running, and can cancel it through the database
    expect((await json<ReconcileRunDto>(loser.api(`/api/reconcile/runs/${run.id}`))).status).toBe('running');
    expect((await loser.api('/api/reconcile', { method: 'POST' })).status).toBe(409);
    const cancelled = await json<ReconcileRunDto>(
      loser.api(`/api/reconcile/runs/${run.id}/cancel`, { method: 'POST' }),
    );
    expect(cancelled.status).toBe('cancelled');
    await winner.services.reconcile.idle(); // the holder noticed at its next heartbeat and let go
    expect((await db.prisma.reconcileLock.findFirst())?.holder ?? null).toBeNull();
    // now either may start the next one
    const next = await json<ReconcileRunDto>(loser.api('/api/reconcile', { method: 'POST' }));
    expect((await waitForRun(loser, next.id)).status).toBe('completed');
    expect(await db.prisma.reconcileRun.count()).toBe(2);
  });
});

describe.each(TEST_PROVIDERS)('reconcile against a Clerk that changes under the walk on %s', (provider) => {
  let clerk: Emulator;
  let s: TestServer;
  const calls: ListUsersParams[] = [];
  /** users Clerk deletes (silently) while the run walks: either in sync (listed before) or deleted is right */
  const changed = new Set<string>();
  /** users Clerk gets (silently) while the run walks, some in the middle of the list: missing, or not seen yet */
  const imported = new Set<string>();
  let pool: string[] = [];
  beforeAll(async () => {
    clerk = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: null,
      timeFactor: 0.001,
      seed: 17,
    });
    await clerk.listen(0);
    const inner = createClerkClient({ apiUrl: clerk.url!, secretKey: clerk.secretKey });
    // Clerk changes while the windows are walked: on every other page request a user is deleted — the very
    // user the request's cursor names, when it may be — and a user is imported with the created_at of
    // someone already there (a tie, anywhere in the list) or signs up
    const changing: ClerkClient = {
      ...inner,
      async listUsers(p) {
        calls.push(p ?? {});
        if (!p?.userIds && pool.length > 0 && calls.length % 2 === 0) {
          const cursor = p?.startingAfter;
          const id = cursor !== undefined && pool.includes(cursor) ? cursor : pool[calls.length % pool.length]!;
          pool = pool.filter((x) => x !== id);
          changed.add(id);
          clerk.deleteUser(id, { sendWebhook: false });
          const users = clerk.store.users();
          const twin = users[calls.length % users.length]!;
          imported.add(
            clerk.createUser(calls.length % 3 === 0 ? {} : { created_at: twin.created_at }, { sendWebhook: false }).id,
          );
        }
        return inner.listUsers(p);
      },
    };
    s = await startTestServer(provider, {
      secrets: [clerk.signingSecret],
      clerk: changing,
      reconcile: { pageSize: 25, pagesPerWindow: 4, rateLimit: 1_000_000, budgetShare: 1 },
    });
    clerk.addTarget(`${s.url}/api/webhooks/clerk`);
  });
  afterAll(async () => {
    await clerk?.close();
    await s?.close();
  });

  it('classifies exactly while Clerk changes under the cursors, and converges after a fix', async () => {
    const synced = Array.from({ length: 400 }, () => clerk.createUser());
    await clerk.settled();
    clerk.removeTarget(`${s.url}/api/webhooks/clerk`);
    const expected: Record<DriftClass, string[]> = { missing: [], stale: [], deleted: [] };
    expected.missing.push(...Array.from({ length: 12 }, () => clerk.createUser({}, { sendWebhook: false }).id));
    for (const u of synced.slice(0, 12)) clerk.updateUser(u.id, { first_name: 'Quiet' }, { sendWebhook: false });
    expected.stale.push(...synced.slice(0, 12).map((u) => u.id));
    for (const u of synced.slice(12, 24)) clerk.deleteUser(u.id, { sendWebhook: false });
    expected.deleted.push(...synced.slice(12, 24).map((u) => u.id));
    // deleted during the run: users spread over the list, cursor users among them
    pool = synced.slice(24).map((u) => u.id);

    const run = await reconcile(s);
    pool = [];
    expect(run.status).toBe('completed');
    // by cursor only, several windows, and windows walked again after their cursor user went
    expect(calls.every((c) => c.offset === undefined)).toBe(true);
    expect(calls.filter((c) => c.startingAfter).length).toBeGreaterThan(10);
    const windows = (await s.db.prisma.reconcileRun.findUniqueOrThrow({ where: { id: run.id } })).windows;
    const walks = calls.filter((c) => !c.userIds && !c.startingAfter && c.limit === 25).length;
    expect(walks).toBeGreaterThan((JSON.parse(windows) as WindowState[]).length);
    expect(changed.size).toBeGreaterThan(5);
    const findings = await allFindings(s, run.id);
    for (const k of ['missing', 'stale', 'deleted'] as const) {
      const found = idsOf(findings, k);
      expect(found.filter((id) => !changed.has(id) && !imported.has(id))).toEqual([...expected[k]].sort());
    }
    expect(findings.filter((f) => changed.has(f.userId)).every((f) => f.class === 'deleted')).toBe(true);
    expect(findings.filter((f) => imported.has(f.userId)).every((f) => f.class === 'missing')).toBe(true);
    // every user Clerk held throughout was classified: found drifted, or marked in sync
    const drift = new Set(findings.map((f) => f.userId));
    for (const u of clerk.store.users()) {
      if (drift.has(u.id) || imported.has(u.id)) continue;
      expect((await s.db.prisma.user.findUniqueOrThrow({ where: { id: u.id } })).syncStatus, u.id).toBe('in_sync');
    }

    await json(s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' }));
    const again = await reconcile(s);
    expect(again.found.stale).toBe(0);
    // what the second run finds is only what changed behind the first run's cursors
    const second = await allFindings(s, again.id);
    expect(idsOf(second, 'deleted').every((id) => changed.has(id))).toBe(true);
    expect(idsOf(second, 'missing').every((id) => imported.has(id))).toBe(true);
    await json(s.api(`/api/reconcile/runs/${again.id}/fix`, { method: 'POST', body: '{}' }));
    const last = await reconcile(s);
    expect(last).toMatchObject({
      status: 'completed',
      found: { missing: 0, stale: 0, deleted: 0 },
      inSync: clerk.store.users().length,
    });
    for (const u of clerk.store.users())
      expect(JSON.parse((await s.db.prisma.user.findUniqueOrThrow({ where: { id: u.id } })).data!)).toEqual(u);
  });
});

describe.each(TEST_PROVIDERS)('reconcile with many users in one millisecond on %s', (provider) => {
  let clerk: Emulator;
  let s: TestServer;
  beforeAll(async () => {
    clerk = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: null,
      timeFactor: 0.001,
      seed: 29,
    });
    await clerk.listen(0);
    s = await startTestServer(provider, {
      secrets: [clerk.signingSecret],
      clerkApiUrl: clerk.url!,
      clerkSecretKey: clerk.secretKey,
      reconcile: { pageSize: 7, pagesPerWindow: 4, rateLimit: 1_000_000, budgetShare: 1 },
    });
    clerk.addTarget(`${s.url}/api/webhooks/clerk`);
  });
  afterAll(async () => {
    await clerk?.close();
    await s?.close();
  });

  it.each(['exclusive', 'inclusive'] as const)(
    'neither drops nor repeats tied users at window bounds (Clerk bounds %s)',
    async (bounds) => {
      clerk.setUserList({ createdAtBounds: bounds });
      // bulk imports: 20 users in each of 5 milliseconds, so the windows are cut at milliseconds many share
      const T = 1_700_000_000_000 + (bounds === 'inclusive' ? 100 : 0);
      const synced = Array.from({ length: 100 }, (_, i) => clerk.createUser({ created_at: T + (i % 5) }));
      await clerk.settled();
      const expected: Record<DriftClass, string[]> = { missing: [], stale: [], deleted: [] };
      expected.missing.push(
        ...Array.from(
          { length: 10 },
          (_, i) => clerk.createUser({ created_at: T + (i % 5) }, { sendWebhook: false }).id,
        ),
      );
      for (const u of synced.filter((_, i) => i % 9 === 0)) {
        clerk.updateUser(u.id, { last_name: 'Tied' }, { sendWebhook: false });
        expected.stale.push(u.id);
      }
      for (const u of synced.filter((_, i) => i % 11 === 5 && i % 9 !== 0)) {
        clerk.deleteUser(u.id, { sendWebhook: false });
        expected.deleted.push(u.id);
      }
      try {
        const run = await reconcile(s);
        const alive = clerk.store.users().length;
        expect(run).toMatchObject({
          status: 'completed',
          checked: alive,
          inSync: alive - expected.missing.length - expected.stale.length,
        });
        const windows = (
          JSON.parse(
            (await s.db.prisma.reconcileRun.findUniqueOrThrow({ where: { id: run.id } })).windows,
          ) as WindowState[]
        ).map((w) => w.from);
        expect(windows.filter((from) => from !== null && from > T && from < T + 5).length).toBeGreaterThan(0);
        const findings = await allFindings(s, run.id);
        for (const k of ['missing', 'stale', 'deleted'] as const)
          expect(idsOf(findings, k)).toEqual([...expected[k]].sort());
        await json(s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' }));
        expect((await reconcile(s)).found).toEqual({ missing: 0, stale: 0, deleted: 0 });
      } finally {
        clerk.setUserList({ createdAtBounds: 'exclusive' });
      }
    },
  );
});
