// The webhook pipeline through real HTTP, real Svix signatures and a real database, on both providers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, TEST_PROVIDERS } from '../test/db.ts';
import { newSecret, signHeaders, startTestServer, type TestServer } from '../test/harness.ts';
import { clerkId, makeDeletedUser, makeEvent, makeSession, makeUser } from '../../../emulator/factories.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import type { DeliveryDetail, DeliverySummary, EventDetail, OverviewStats, Page, UserDetail } from '../contract.ts';

const userEvent = (type: 'user.created' | 'user.updated', user: ClerkUserJson) =>
  makeEvent(type, user, user.updated_at);
const at = (user: ClerkUserJson, updatedAt: number, changes: Partial<ClerkUserJson> = {}): ClerkUserJson => ({
  ...user,
  ...changes,
  updated_at: updatedAt,
});

interface Answer {
  outcome?: string;
  error?: { code: string; message: string };
}
const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;
const answer = (r: Response | Promise<Response>) => json<Answer>(r);

async function counts(s: TestServer) {
  const p = s.db.prisma;
  return {
    events: await p.event.count(),
    users: await p.user.count(),
    sessions: await p.session.count(),
    deliveries: await p.delivery.count(),
  };
}

async function lastDelivery(s: TestServer) {
  return s.db.prisma.delivery.findFirstOrThrow({ orderBy: { id: 'desc' } });
}

describe.each(TEST_PROVIDERS)('webhook pipeline on %s', (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(provider);
  });
  afterAll(async () => s?.close());

  it('verifies, stores, applies and records a user.created', async () => {
    const user = makeUser();
    const res = await s.deliver(userEvent('user.created', user), { svixId: 'msg_created_1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, svixId: 'msg_created_1', outcome: 'applied' });

    const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(JSON.parse(row.data!)).toEqual(user);
    expect(row.clerkUpdatedAt!.getTime()).toBe(user.updated_at);
    expect(row.deleted).toBe(false);
    const event = await s.db.prisma.event.findUniqueOrThrow({ where: { svixId: 'msg_created_1' } });
    expect(event).toMatchObject({ type: 'user.created', outcome: 'applied', userId: user.id, objectId: user.id });
    const delivery = await lastDelivery(s);
    expect(delivery).toMatchObject({
      svixId: 'msg_created_1',
      outcome: 'applied',
      httpStatus: 200,
      verified: true,
      eventId: event.id,
      failed: false,
    });
    expect(JSON.parse(delivery.headers)['svix-signature']).toBe('v1,[redacted]');
    expect(s.published.events.at(-1)).toMatchObject({ svixId: 'msg_created_1', outcome: 'applied' });
    expect(s.published.users.at(-1)).toMatchObject({ id: user.id });
  });

  describe('bad input: a clear error, a delivery-log row, nothing else changed', () => {
    const body = () => JSON.stringify(userEvent('user.created', makeUser()));
    const cases: { name: string; send: (s: TestServer) => Promise<Response>; status: number; code: string }[] = [
      {
        name: 'missing svix headers',
        send: (s) => s.deliver(body(), { omit: ['svix-id', 'svix-signature'] }),
        status: 400,
        code: 'missing_headers',
      },
      {
        name: 'a missing timestamp',
        send: (s) => s.deliver(body(), { omit: ['svix-timestamp'] }),
        status: 400,
        code: 'missing_headers',
      },
      {
        name: 'a non-numeric timestamp',
        send: (s) => s.deliver(body(), { headers: { 'svix-timestamp': 'yesterday' } }),
        status: 400,
        code: 'invalid_headers',
      },
      {
        name: 'a signature from another secret',
        send: (s) => s.deliver(body(), { secret: newSecret() }),
        status: 401,
        code: 'invalid_signature',
      },
      {
        name: 'a garbage signature',
        send: (s) => s.deliver(body(), { headers: { 'svix-signature': 'v1,AAAA' } }),
        status: 401,
        code: 'invalid_signature',
      },
      {
        name: 'a body changed after signing (re-serialised JSON)',
        send: async (s) => {
          const text = body();
          const headers = signHeaders(s.secret, text);
          const reserialised = JSON.stringify(JSON.parse(text), null, 2);
          return fetch(`${s.url}/api/webhooks/clerk`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: reserialised,
          });
        },
        status: 401,
        code: 'invalid_signature',
      },
      {
        name: 'a timestamp 6 minutes old',
        send: (s) => s.deliver(body(), { date: new Date(Date.now() - 6 * 60_000) }),
        status: 401,
        code: 'timestamp_out_of_tolerance',
      },
      {
        name: 'a timestamp 6 minutes ahead',
        send: (s) => s.deliver(body(), { date: new Date(Date.now() + 6 * 60_000) }),
        status: 401,
        code: 'timestamp_out_of_tolerance',
      },
      {
        name: 'a signed body that is not JSON',
        send: (s) => s.deliver('this is not json'),
        status: 400,
        code: 'invalid_json',
      },
      {
        name: 'signed JSON that is not an event',
        send: (s) => s.deliver({ hello: 'world' }),
        status: 400,
        code: 'invalid_event',
      },
      { name: 'a signed JSON array', send: (s) => s.deliver([1, 2, 3]), status: 400, code: 'invalid_event' },
      {
        name: 'a user.updated without updated_at',
        send: (s) =>
          s.deliver({ object: 'event', type: 'user.updated', data: { id: 'user_x' }, timestamp: Date.now() }),
        status: 400,
        code: 'invalid_event',
      },
      {
        name: 'a body over 1 MB',
        send: (s) =>
          s.deliver({ object: 'event', type: 'user.created', data: { id: 'user_big', pad: 'x'.repeat(1024 * 1024) } }),
        status: 413,
        code: 'payload_too_large',
      },
    ];
    it.each(cases)('$name → $status $code', async ({ send, status, code }) => {
      const before = await counts(s);
      const res = await send(s);
      expect(res.status).toBe(status);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe(code);
      expect(json.error.message.length).toBeGreaterThan(5);
      const after = await counts(s);
      expect(after).toEqual({ ...before, deliveries: before.deliveries + 1 });
      const d = await lastDelivery(s);
      expect(d).toMatchObject({
        outcome: 'rejected',
        httpStatus: status,
        errorCode: code,
        failed: true,
        eventId: null,
      });
      expect(d.error).toBe(json.error.message);
    });
  });

  it('applies a duplicate svix-id once and logs every delivery', async () => {
    const user = makeUser();
    const body = JSON.stringify(userEvent('user.created', user));
    const svixId = clerkId('msg');
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await s.deliver(body, { svixId });
      expect(res.status).toBe(200);
      outcomes.push(((await res.json()) as { outcome: string }).outcome);
    }
    expect(outcomes).toEqual(['applied', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await s.db.prisma.event.count({ where: { svixId } })).toBe(1);
    expect(await s.db.prisma.delivery.count({ where: { svixId } })).toBe(5);
  });

  it('applies the same svix-id sent concurrently exactly once', async () => {
    const user = makeUser();
    const body = JSON.stringify(userEvent('user.created', user));
    const svixId = clerkId('msg');
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        s.deliver(body, { svixId }).then((r) => r.json() as Promise<{ outcome: string }>),
      ),
    );
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(7);
    expect(await s.db.prisma.event.count({ where: { svixId } })).toBe(1);
  });

  it('never lets a late user.updated resurrect a deleted user', async () => {
    const user = makeUser();
    const t0 = user.updated_at;
    expect((await answer(s.deliver(userEvent('user.created', user)))).outcome).toBe('applied');
    expect((await answer(s.deliver(makeEvent('user.deleted', makeDeletedUser(user.id), t0 + 2000)))).outcome).toBe(
      'applied',
    );
    const late = await s.deliver(userEvent('user.updated', at(user, t0 + 1000, { first_name: 'Zombie' })));
    expect((await answer(late)).outcome).toBe('stale');
    const newer = await s.deliver(userEvent('user.updated', at(user, t0 + 999_999, { first_name: 'Zombie' })));
    expect((await answer(newer)).outcome).toBe('stale');
    const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row).toMatchObject({ deleted: true, syncStatus: 'deleted' });
    expect(row.firstName).not.toBe('Zombie');
    expect(row.deletedAt!.getTime()).toBe(t0 + 2000);
  });

  it('keeps a tombstone for a deletion that arrives before the creation', async () => {
    const user = makeUser();
    await s.deliver(makeEvent('user.deleted', makeDeletedUser(user.id), user.updated_at + 5));
    expect((await answer(s.deliver(userEvent('user.created', user)))).outcome).toBe('stale');
    expect(await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      deleted: true,
      data: null,
    });
  });

  it('marks an older version stale and the same version duplicate', async () => {
    const user = makeUser();
    await s.deliver(userEvent('user.updated', at(user, user.updated_at + 10, { last_name: 'Newest' })));
    expect((await answer(s.deliver(userEvent('user.created', user)))).outcome).toBe('stale');
    expect(
      (await answer(s.deliver(userEvent('user.updated', at(user, user.updated_at + 10, { last_name: 'Newest' })))))
        .outcome,
    ).toBe('duplicate');
    expect((await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lastName).toBe('Newest');
  });

  it('orders sessions by updated_at and keeps their status', async () => {
    const user = makeUser();
    const session = makeSession(user, { status: 'active' });
    const ended = { ...session, status: 'ended' as const, updated_at: session.updated_at + 1000 };
    expect((await answer(s.deliver(makeEvent('session.ended', ended, ended.updated_at)))).outcome).toBe('applied');
    expect((await answer(s.deliver(makeEvent('session.created', session, session.updated_at)))).outcome).toBe('stale');
    const revoked = { ...session, status: 'revoked' as const, updated_at: session.updated_at + 2000 };
    expect((await answer(s.deliver(makeEvent('session.revoked', revoked, revoked.updated_at)))).outcome).toBe(
      'applied',
    );
    expect(await s.db.prisma.session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({
      status: 'revoked',
      userId: user.id,
    });
  });

  it('stores and acknowledges event types it does not project', async () => {
    for (const type of ['organizationDomain.created', 'email.created', 'some.future.type']) {
      const svixId = clerkId('msg');
      const res = await s.deliver(
        { object: 'event', type, data: { id: clerkId('org'), user_id: 'user_abc' }, timestamp: Date.now() },
        { svixId },
      );
      expect(res.status).toBe(200);
      expect((await answer(res)).outcome).toBe('not_projected');
      expect(await s.db.prisma.event.findUniqueOrThrow({ where: { svixId } })).toMatchObject({
        type,
        outcome: 'not_projected',
        userId: 'user_abc',
      });
    }
  });

  it('accepts the unbranded webhook-* header names', async () => {
    const body = JSON.stringify(userEvent('user.created', makeUser()));
    const h = signHeaders(s.secret, body);
    const res = await fetch(`${s.url}/api/webhooks/clerk`, {
      method: 'POST',
      headers: {
        'webhook-id': h['svix-id'],
        'webhook-timestamp': h['svix-timestamp'],
        'webhook-signature': h['svix-signature'],
      },
      body,
    });
    expect(res.status).toBe(200);
  });

  it('converges to the same state from a shuffled, duplicated stream as from the ordered one', async () => {
    // Each user: created, 3 updates, and every third one deleted; every message has its own svix-id.
    const stream: { svixId: string; body: string }[] = [];
    const users: string[] = [];
    for (let u = 0; u < 15; u++) {
      let user = makeUser();
      users.push(user.id);
      const push = (e: object) => stream.push({ svixId: clerkId('msg'), body: JSON.stringify(e) });
      push(userEvent('user.created', user));
      for (let k = 1; k <= 3; k++) {
        user = at(user, user.updated_at + k * 1000, { first_name: `v${k}`, public_metadata: { k } });
        push(userEvent('user.updated', user));
      }
      if (u % 3 === 0) push(makeEvent('user.deleted', makeDeletedUser(user.id), user.updated_at + 10));
    }
    const ordered = await startTestServer(provider);
    const shuffledServer = await startTestServer(provider);
    try {
      for (const m of stream) {
        const res = await fetch(`${ordered.url}/api/webhooks/clerk`, {
          method: 'POST',
          headers: signHeaders(ordered.secret, m.body, { svixId: m.svixId }),
          body: m.body,
        });
        expect(res.status).toBe(200);
      }
      // shuffled (seeded Fisher-Yates), with a third of the messages delivered twice
      const shuffled = [...stream, ...stream.filter((_, i) => i % 3 === 0)];
      let seed = 42;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      await Promise.all(
        [0, 1, 2].map(async (lane) => {
          for (const m of shuffled.filter((_, i) => i % 3 === lane)) {
            const res = await fetch(`${shuffledServer.url}/api/webhooks/clerk`, {
              method: 'POST',
              headers: signHeaders(shuffledServer.secret, m.body, { svixId: m.svixId }),
              body: m.body,
            });
            expect(res.status).toBe(200);
          }
        }),
      );
      const snapshot = (srv: TestServer) =>
        srv.db.prisma.user.findMany({
          where: { id: { in: users } },
          orderBy: { id: 'asc' },
          select: { id: true, deleted: true, data: true, clerkUpdatedAt: true, firstName: true },
        });
      const a = await snapshot(ordered);
      const b = await snapshot(shuffledServer);
      expect(a).toHaveLength(15);
      // the data a tombstone keeps depends on what arrived before the delete; compare what matters
      const norm = (rows: typeof a) => rows.map((r) => (r.deleted ? { id: r.id, deleted: true } : r));
      expect(norm(b)).toEqual(norm(a));
      expect(a.filter((r) => r.deleted)).toHaveLength(5);
      expect(a.filter((r) => !r.deleted).every((r) => r.firstName === 'v3')).toBe(true);
      expect(await shuffledServer.db.prisma.event.count()).toBe(stream.length);
    } finally {
      await ordered.close();
      await shuffledServer.close();
    }
  });
});

describe.each(TEST_PROVIDERS)('secret rotation on %s', (provider) => {
  it('accepts the old and the new secret, and a header signed with both', async () => {
    const oldSecret = newSecret();
    const nextSecret = newSecret();
    const s = await startTestServer(provider, { secrets: [oldSecret, nextSecret] });
    try {
      expect((await s.deliver(userEvent('user.created', makeUser()), { secret: oldSecret })).status).toBe(200);
      expect((await s.deliver(userEvent('user.created', makeUser()), { secret: nextSecret })).status).toBe(200);
      const body = JSON.stringify(userEvent('user.created', makeUser()));
      const a = signHeaders(oldSecret, body, { svixId: 'msg_rot' });
      const b = signHeaders(nextSecret, body, { svixId: 'msg_rot' });
      const both = { ...a, 'svix-signature': `${b['svix-signature']} ${a['svix-signature']}` };
      expect((await fetch(`${s.url}/api/webhooks/clerk`, { method: 'POST', headers: both, body })).status).toBe(200);
      expect((await s.deliver(userEvent('user.created', makeUser()), { secret: newSecret() })).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});

/** Throws after the event was applied, inside the transaction (to prove what a failure rolls back). */
function failingAfterApply(error: () => Error): { onApplied: () => void; fail: { on: boolean } } {
  const fail = { on: true };
  return {
    fail,
    onApplied: () => {
      if (fail.on) throw error();
    },
  };
}

describe.each(TEST_PROVIDERS)('2xx only after commit on %s', (provider) => {
  it('answers 503 and writes nothing when storage fails mid-transaction, then applies the retry', async () => {
    const storageDown = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { onApplied, fail } = failingAfterApply(storageDown);
    const s = await startTestServer(provider, { onApplied });
    try {
      const user = makeUser();
      const body = JSON.stringify(userEvent('user.created', user));
      const res = await s.deliver(body, { svixId: 'msg_503' });
      expect(res.status).toBe(503);
      expect((await answer(res)).error?.code).toBe('storage_unavailable');
      expect(await s.db.prisma.user.count({ where: { id: user.id } })).toBe(0);
      expect(await s.db.prisma.event.count({ where: { svixId: 'msg_503' } })).toBe(0);
      expect(await lastDelivery(s)).toMatchObject({
        svixId: 'msg_503',
        outcome: 'unavailable',
        httpStatus: 503,
        verified: true,
      });

      fail.on = false; // storage is back: Svix's retry carries the same svix-id
      const retry = await s.deliver(body, { svixId: 'msg_503' });
      expect(retry.status).toBe(200);
      expect((await answer(retry)).outcome).toBe('applied');
      expect(await s.db.prisma.user.count({ where: { id: user.id } })).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('keeps the event of a failed apply (500, replayable) and re-applies on retry', async () => {
    const { onApplied, fail } = failingAfterApply(() => new Error('projection bug'));
    const s = await startTestServer(provider, { onApplied });
    try {
      const user = makeUser();
      const body = JSON.stringify(userEvent('user.created', user));
      const res = await s.deliver(body, { svixId: 'msg_bug' });
      expect(res.status).toBe(500);
      expect((await answer(res)).error).toMatchObject({ code: 'apply_failed' });
      expect(await s.db.prisma.event.findUniqueOrThrow({ where: { svixId: 'msg_bug' } })).toMatchObject({
        outcome: 'failed',
        error: 'projection bug',
      });
      expect(await s.db.prisma.user.count({ where: { id: user.id } })).toBe(0); // rolled back
      const failedDelivery = await lastDelivery(s);
      expect(failedDelivery).toMatchObject({ outcome: 'failed', httpStatus: 500, failed: true });

      fail.on = false;
      // an operator replays it
      const replay = await s.api(`/api/deliveries/${failedDelivery.id}/replay`, { method: 'POST' });
      expect(replay.status).toBe(200);
      expect(await replay.json()).toMatchObject({ svixId: 'msg_bug', outcome: 'applied', error: null });
      expect(await s.db.prisma.event.findUniqueOrThrow({ where: { svixId: 'msg_bug' } })).toMatchObject({
        outcome: 'applied',
        error: null,
      });
      expect(await s.db.prisma.user.count({ where: { id: user.id } })).toBe(1);
      // and Svix's own retry is now a duplicate
      expect((await answer(s.deliver(body, { svixId: 'msg_bug' }))).outcome).toBe('duplicate');
    } finally {
      await s.close();
    }
  });
});

describe('2xx only after commit on a locked SQLite file', () => {
  it('answers 503 while another process holds the write lock, and recovers by itself', async () => {
    const db = await createTestDb('sqlite', { busyTimeoutMs: 200 });
    const s = await startTestServer('sqlite', { db });
    const { default: Database } = await import('better-sqlite3');
    const file = s.db.url.replace(/^file:/, '');
    const locker = new Database(file);
    try {
      locker.exec('BEGIN EXCLUSIVE');
      const body = JSON.stringify(userEvent('user.created', makeUser()));
      const res = await s.deliver(body, { svixId: 'msg_locked' });
      expect(res.status).toBe(503);
      locker.exec('ROLLBACK');
      expect(await s.db.prisma.event.count({ where: { svixId: 'msg_locked' } })).toBe(0);
      const retry = await s.deliver(body, { svixId: 'msg_locked' });
      expect(retry.status).toBe(200);
      // the delivery-log row of the refused attempt was kept and written once the lock was gone
      await s.services.deliveryLog.flush();
      expect(await s.db.prisma.delivery.count({ where: { svixId: 'msg_locked' } })).toBe(2);
    } finally {
      locker.close();
      await s.close();
      await db.close();
    }
  });
});

describe.each(TEST_PROVIDERS)('operator API on %s', (provider) => {
  let s: TestServer;
  const user = makeUser({ first_name: 'Ada', last_name: 'Lovelace' });
  beforeAll(async () => {
    s = await startTestServer(provider);
    await s.deliver(userEvent('user.created', user), { svixId: 'msg_op_1' });
    await s.deliver(userEvent('user.updated', at(user, user.updated_at + 1, { last_name: 'King' })), {
      svixId: 'msg_op_2',
    });
    await s.deliver(userEvent('user.created', user), { svixId: 'msg_op_1' }); // duplicate
    await s.deliver(makeEvent('session.created', makeSession(user), Date.now()), { svixId: 'msg_op_3' });
    await s.deliver({ nope: true }, { secret: newSecret() }); // rejected
  });
  afterAll(async () => s?.close());

  const operatorRoutes: [string, string][] = [
    ['GET', '/api/meta'],
    ['GET', '/api/overview'],
    ['GET', '/api/events'],
    ['GET', '/api/events/msg_op_1'],
    ['GET', '/api/deliveries'],
    ['GET', '/api/deliveries/1'],
    ['POST', '/api/deliveries/1/replay'],
    ['POST', '/api/deliveries/replay'],
    ['GET', '/api/users'],
    ['GET', `/api/users/${user.id}`],
    ['GET', '/api/nope'],
  ];
  it.each(operatorRoutes)('%s %s answers 401 JSON without a session, and with a forged one', async (method, path) => {
    for (const cookie of [undefined, 'csm_session=forged-token']) {
      const res = await fetch(`${s.url}${path}`, { method, headers: cookie ? { cookie } : {} });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in first' } });
    }
  });

  it('signs in, tells who is signed in, signs out', async () => {
    const bad = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@test.local', password: 'wrong' }),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const invalid = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":1}',
    });
    expect(invalid.status).toBe(400);
    const ok = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ADMIN@test.local', password: 'correct horse battery' }),
    });
    expect(ok.status).toBe(200);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/csm_session=.+; .*HttpOnly/i);
    const cookie = setCookie.split(';')[0]!;
    expect(await answer(fetch(`${s.url}/api/auth/me`, { headers: { cookie } }))).toMatchObject({
      email: 'admin@test.local',
      role: 'admin',
    });
    expect((await fetch(`${s.url}/api/auth/logout`, { method: 'POST', headers: { cookie } })).status).toBe(204);
    expect((await fetch(`${s.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
    expect((await fetch(`${s.url}/api/events`, { headers: { cookie } })).status).toBe(401);
  });

  it('lists events newest first with filters and cursor pagination', async () => {
    const all = await json<Page<{ svixId: string }>>(s.api('/api/events?limit=2'));
    expect(all.items.map((e) => e.svixId)).toEqual(['msg_op_3', 'msg_op_2']);
    expect(all.nextCursor).toBeTruthy();
    const next = await json<Page<{ svixId: string }>>(s.api(`/api/events?limit=2&cursor=${all.nextCursor}`));
    expect(next.items.map((e) => e.svixId)).toEqual(['msg_op_1']);
    expect(next.nextCursor).toBeNull();
    const byType = await json<Page<{ svixId: string }>>(s.api('/api/events?type=user.updated'));
    expect(byType.items.map((e) => e.svixId)).toEqual(['msg_op_2']);
    const byUser = await json<Page<{ svixId: string }>>(s.api(`/api/events?userId=${user.id}&outcome=applied`));
    expect(byUser.items.map((e) => e.svixId)).toEqual(['msg_op_3', 'msg_op_2', 'msg_op_1']);
    const future = await json<Page<unknown>>(s.api(`/api/events?from=${new Date(Date.now() + 60_000).toISOString()}`));
    expect(future.items).toEqual([]);
    // text: ids anywhere, payload text in the newest events
    const byText = await json<Page<{ svixId: string }>>(
      s.api(`/api/events?q=${encodeURIComponent('"last_name":"King"')}`),
    );
    expect(byText.items.map((e) => e.svixId)).toEqual(['msg_op_2']);
    const bySvixId = await json<Page<{ svixId: string }>>(s.api('/api/events?q=msg_op_1'));
    expect(bySvixId.items.map((e) => e.svixId)).toEqual(['msg_op_1']);
    const byUserId = await json<Page<{ svixId: string }>>(s.api(`/api/events?q=${user.id}&limit=2`));
    expect(byUserId.items.map((e) => e.svixId)).toEqual(['msg_op_3', 'msg_op_2']);
    expect(byUserId.nextCursor).toBeTruthy();
    expect((await s.api('/api/events?outcome=bogus')).status).toBe(400);
    expect((await s.api('/api/events?cursor=garbage')).status).toBe(400);
  });

  it('shows an event with its payload, deliveries and the previous user version', async () => {
    const detail = await json<EventDetail>(s.api('/api/events/msg_op_2'));
    expect(detail.payload).toMatchObject({ type: 'user.updated', data: { id: user.id, last_name: 'King' } });
    expect(detail.previousUser).toMatchObject({ id: user.id, last_name: 'Lovelace' });
    const first = await json<EventDetail>(s.api('/api/events/msg_op_1'));
    expect(first.deliveries.map((d) => d.outcome)).toEqual(['applied', 'duplicate']);
    expect((await s.api('/api/events/msg_missing')).status).toBe(404);
  });

  it('lists deliveries with "failed only", shows one with redacted headers, refuses to replay a forged one', async () => {
    const failed = await json<Page<DeliverySummary>>(s.api('/api/deliveries?failed=true'));
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({ outcome: 'rejected', httpStatus: 401, verified: false });
    const by401 = await json<Page<DeliverySummary>>(s.api('/api/deliveries?status=401'));
    expect(by401.items.map((d) => d.id)).toEqual(failed.items.map((d) => d.id));
    const dupes = await json<Page<DeliverySummary>>(s.api('/api/deliveries?outcome=duplicate'));
    expect(dupes.items).toHaveLength(1);
    const detail = await json<DeliveryDetail>(s.api(`/api/deliveries/${failed.items[0]!.id}`));
    expect(detail.headers['svix-signature']).toBe('v1,[redacted]');
    expect(detail.body).toBe('{"nope":true}');
    expect(detail.replayBlockedReason).toMatch(/signature did not verify/);
    const replay = await s.api(`/api/deliveries/${failed.items[0]!.id}/replay`, { method: 'POST' });
    expect(replay.status).toBe(409);
    expect((await answer(replay)).error?.code).toBe('not_replayable');
    expect((await s.api('/api/deliveries/abc')).status).toBe(400);
    expect((await s.api('/api/deliveries/999999')).status).toBe(404);
  });

  it('shows the exact body of an accepted delivery (kept once, with its event)', async () => {
    const first = await json<EventDetail>(s.api('/api/events/msg_op_1'));
    const applied = first.deliveries.find((d) => d.outcome === 'applied')!;
    const detail = await json<DeliveryDetail>(s.api(`/api/deliveries/${applied.id}`));
    expect(JSON.parse(detail.body)).toEqual(first.payload);
    expect(detail.bodyBytes).toBe(Buffer.byteLength(detail.body));
    expect(detail.bodyTruncated).toBe(false);
    expect(detail.replayBlockedReason).toBeNull();
  });

  it('searches users by id, email and name, and shows one with its sessions', async () => {
    const email = user.email_addresses[0]!.email_address;
    for (const q of [user.id, email.toUpperCase(), 'lovelace', 'Ada King'.toLowerCase().split(' ')[0]!]) {
      const page = await json<Page<{ id: string }>>(s.api(`/api/users?q=${encodeURIComponent(q)}`));
      expect(page.items.map((u) => u.id)).toContain(user.id);
    }
    const none = await json<Page<unknown>>(s.api('/api/users?q=nobody-has-this-name'));
    expect(none.items).toEqual([]);
    const detail = await json<UserDetail>(s.api(`/api/users/${user.id}`));
    expect(detail).toMatchObject({ id: user.id, deleted: false, lastName: 'King', syncStatus: 'never_compared' });
    expect(detail.sessions).toHaveLength(1);
    expect(detail.lastEvent?.svixId).toBe('msg_op_2');
    expect((await s.api('/api/users/user_nope')).status).toBe(404);
  });

  it('summarises the sync on the overview', async () => {
    const o = await json<OverviewStats>(s.api('/api/overview'));
    expect(o.deliveries).toMatchObject({ total: 5, failed: 1, lastHourTotal: 5, lastHourFailed: 1 });
    expect(o.eventsPerMinute).toHaveLength(60);
    expect(o.eventsPerMinute.reduce((n, m) => n + m.count, 0)).toBe(5);
    expect(o.users.total).toBe(1);
    expect(o.failingNow).toBe(false);
  });
});
