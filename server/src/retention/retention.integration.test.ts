// Retention and privacy purges against a real database: old delivery rows and payloads go in bounded
// batches while webhooks keep arriving; deleted users' payloads are erased (when configured) or on an
// admin's request; every purge is counted on the overview and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import { ADMIN, startTestServer, type TestServer } from '../test/harness.ts';
import { makeDeletedUser, makeEvent, makeSession, makeUser } from '../../../emulator/factories.ts';
import type { EventDetail, OverviewStats, PurgeUserResult } from '../contract.ts';

const DAY = 86_400_000;
const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

describe.each(TEST_PROVIDERS)('retention on %s', (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    // no background timer in the way: the test calls runOnce()
    s = await startTestServer(provider, { retention: { days: 30, batchSize: 500, pauseMs: 5, intervalMs: 3_600_000 } });
  });
  afterAll(async () => s?.close());

  it('purges old deliveries and payloads in batches while webhooks keep being acknowledged', async () => {
    const p = s.db.prisma;
    const old = new Date(Date.now() - 40 * DAY);
    // an old, applied event: its delivery row goes, its payload is erased, the row stays for dedupe
    const user = makeUser();
    const body = JSON.stringify(makeEvent('user.created', user, user.updated_at));
    expect((await s.deliver(body, { svixId: 'msg_old_1' })).status).toBe(200);
    await p.event.updateMany({ where: { svixId: 'msg_old_1' }, data: { receivedAt: old } });
    await p.delivery.updateMany({ where: { svixId: 'msg_old_1' }, data: { receivedAt: old } });
    const OLD_ROWS = 3000;
    await p.delivery.createMany({
      data: Array.from({ length: OLD_ROWS }, (_, i) => ({
        receivedAt: new Date(old.getTime() + i),
        svixId: `msg_bulk_${i}`,
        outcome: 'rejected',
        failed: true,
        httpStatus: 401,
        durationMs: 1,
        headers: '{}',
        body: '{"old":true}',
        bodyBytes: 12,
      })),
    });
    const before = await p.delivery.count();

    // webhooks during the purge: every one acknowledged, none slowed beyond a batch
    const latencies: number[] = [];
    let sending = true;
    const sender = (async () => {
      let i = 0;
      while (sending) {
        const u = makeUser();
        const t0 = performance.now();
        const res = await s.deliver(makeEvent('user.created', u, u.updated_at), { svixId: `msg_live_${i++}` });
        latencies.push(performance.now() - t0);
        expect(res.status).toBe(200);
      }
    })();
    const t0 = performance.now();
    const result = await s.services.retention.runOnce();
    const purgeMs = performance.now() - t0;
    sending = false;
    await sender;

    expect(result.deliveries).toBe(OLD_ROWS + 1);
    expect(result.payloads).toBe(1);
    expect(await p.delivery.count()).toBe(before - OLD_ROWS - 1 + latencies.length);
    const event = await p.event.findUniqueOrThrow({ where: { svixId: 'msg_old_1' } });
    expect(event.payload).toBe('');
    const detail = await json<EventDetail>(s.api('/api/events/msg_old_1'));
    expect(detail).toMatchObject({ payload: null, payloadPurged: true, outcome: 'applied' });
    // Svix retrying that old svix-id is still recognised
    expect(await json<{ outcome: string }>(s.deliver(body, { svixId: 'msg_old_1' }))).toMatchObject({
      outcome: 'duplicate',
    });

    const overview = await json<OverviewStats>(s.api('/api/overview'));
    expect(overview.retention).toMatchObject({ days: 30, purgedDeliveries: OLD_ROWS + 1, purgedPayloads: 1 });
    expect(overview.retention.lastPurgeAt).not.toBeNull();
    latencies.sort((a, b) => a - b);
    console.log(
      `retention (${provider}): purged ${result.deliveries} delivery rows + ${result.payloads} payloads in ${Math.round(purgeMs)} ms ` +
        `(batches of 500); ${latencies.length} webhooks meanwhile, all 2xx, p50 ${latencies[Math.floor(latencies.length / 2)]?.toFixed(1)} ms, ` +
        `max ${latencies.at(-1)?.toFixed(1)} ms`,
    );
  });

  it('lets an admin purge one user on demand (audited), and nobody else', async () => {
    const user = makeUser();
    await s.deliver(makeEvent('user.created', user, user.updated_at), { svixId: 'msg_purge_1' });
    await s.deliver(makeEvent('session.created', makeSession(user), Date.now()), { svixId: 'msg_purge_2' });
    const viewerPw = 'viewer-password';
    await s.api('/api/admin/operators', {
      method: 'POST',
      body: JSON.stringify({ email: 'op-purge@test.local', role: 'operator', password: viewerPw }),
    });
    const op = await s.signInAs({ email: 'op-purge@test.local', password: viewerPw });
    expect((await op.api(`/api/admin/users/${user.id}/purge`, { method: 'POST' })).status).toBe(403);

    const result = await json<PurgeUserResult>(s.api(`/api/admin/users/${user.id}/purge`, { method: 'POST' }));
    // (accepted deliveries may keep no body of their own: the event holds it)
    expect(result).toMatchObject({ userId: user.id, eventPayloads: 2, sessions: 1, tombstoneCleared: false });
    const p = s.db.prisma;
    expect(await p.event.count({ where: { userId: user.id, payload: { not: '' } } })).toBe(0);
    expect(
      await p.delivery.count({ where: { svixId: { in: ['msg_purge_1', 'msg_purge_2'] }, body: { not: '' } } }),
    ).toBe(0);
    const audit = await p.auditEntry.findFirstOrThrow({ where: { action: 'user_purge', target: user.id } });
    expect(audit.actor).toBe(ADMIN.email);
    // a purged delivery cannot be replayed
    const delivery = await p.delivery.findFirstOrThrow({ where: { svixId: 'msg_purge_1' } });
    expect((await s.api(`/api/deliveries/${delivery.id}/replay`, { method: 'POST' })).status).toBe(409);
    expect((await s.api('/api/admin/users/user_nobody/purge', { method: 'POST' })).status).toBe(404);
  });
});

describe.each(TEST_PROVIDERS)('PURGE_DELETED_USER_PAYLOADS on %s', (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(provider, { retention: { days: 30, purgeDeletedUsers: true, intervalMs: 3_600_000 } });
  });
  afterAll(async () => s?.close());

  it("erases a deleted user's payloads and personal fields; only the tombstone stays", async () => {
    const user = makeUser({ first_name: 'Grace', last_name: 'Hopper' });
    await s.deliver(makeEvent('user.created', user, user.updated_at), { svixId: 'msg_del_1' });
    await s.deliver(makeEvent('session.created', makeSession(user), Date.now()), { svixId: 'msg_del_2' });
    const other = makeUser();
    await s.deliver(makeEvent('user.created', other, other.updated_at), { svixId: 'msg_keep' });
    expect(
      (await s.deliver(makeEvent('user.deleted', makeDeletedUser(user.id), Date.now()), { svixId: 'msg_del_3' }))
        .status,
    ).toBe(200);
    await s.services.retention.idle();

    const p = s.db.prisma;
    const tomb = await p.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(tomb).toMatchObject({
      deleted: true,
      data: null,
      primaryEmail: null,
      firstName: null,
      lastName: null,
      emails: '',
    });
    expect(tomb.deletedAt).not.toBeNull();
    expect(await p.event.count({ where: { userId: user.id, payload: { not: '' } } })).toBe(0);
    expect(await p.event.count({ where: { userId: user.id } })).toBe(3);
    const bodies = await p.delivery.findMany({
      where: { svixId: { in: ['msg_del_1', 'msg_del_2', 'msg_del_3'] } },
      select: { body: true },
    });
    expect(bodies.every((b) => b.body === '')).toBe(true);
    expect((await p.event.findUniqueOrThrow({ where: { svixId: 'msg_keep' } })).payload).not.toBe('');
    expect(await p.auditEntry.count({ where: { action: 'user_purge', target: user.id, actor: 'system' } })).toBe(1);
    // a late update still cannot resurrect it, and the sweep finds nothing left to do
    const late = { ...user, updated_at: user.updated_at + 1 };
    expect(
      (
        await json<{ outcome: string }>(
          s.deliver(makeEvent('user.updated', late, late.updated_at), { svixId: 'msg_del_late' }),
        )
      ).outcome,
    ).toBe('stale');
    await s.services.retention.runOnce();
    expect((await p.user.findUniqueOrThrow({ where: { id: user.id } })).deleted).toBe(true);
  });
});
