// The Socket.IO contract with real socket.io-clients against the real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from './contract.ts';
import type { CreateOperatorResult, EventSummary } from '../contract.ts';
import { TEST_PROVIDERS } from '../test/db.ts';
import { ADMIN, startTestServer, type TestServer } from '../test/harness.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

function open(url: string, cookie?: string): ClientSocket {
  return connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: cookie ? { cookie } : {},
  });
}

function connected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

/** Collects the svix-ids pushed live until `n` arrived. */
function collectEvents(socket: ClientSocket, n: number): Promise<EventSummary[]> {
  const got: EventSummary[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got.length}/${n} events arrived`)), 10_000);
    socket.on('event:received', (batch) => {
      got.push(...batch);
      if (got.length >= n) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

describe.each(TEST_PROVIDERS)('socket contract on %s', (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(provider);
  });
  afterAll(async () => s?.close());

  it('refuses a connection without a session, and with a forged one', async () => {
    for (const cookie of [undefined, 'csm_session=forged']) {
      const socket = open(s.url, cookie);
      await expect(connected(socket)).rejects.toThrow('unauthorized');
      socket.close();
    }
  });

  it('refuses a session still on its one-time password, and admits it once the password is changed', async () => {
    const admin = await s.signInAs(ADMIN);
    const email = `otp-${Date.now()}@test.local`;
    const created = await admin.api('/api/admin/operators', {
      method: 'POST',
      body: JSON.stringify({ email, role: 'viewer' }),
    });
    expect(created.status).toBe(201);
    const { oneTimePassword } = (await created.json()) as CreateOperatorResult;
    const first = await s.signInAs({ email, password: oneTimePassword! });
    const refused = open(s.url, first.cookie);
    await expect(connected(refused)).rejects.toThrow('password_change_required');
    refused.close();

    const changed = await first.api('/api/auth/password', {
      method: 'POST',
      body: JSON.stringify({ currentPassword: oneTimePassword, newPassword: 'a-password-of-my-own' }),
    });
    expect(changed.status).toBe(204);
    const admitted = open(s.url, first.cookie);
    await connected(admitted);
    admitted.close();
  });

  it('pushes events, deliveries and user changes, batched, to a signed-in dashboard', async () => {
    const socket = open(s.url, await s.cookie());
    await connected(socket);
    const deliveries: number[] = [];
    const users: string[] = [];
    let frames = 0;
    socket.on('delivery:recorded', (batch) => deliveries.push(...batch.map((d) => d.id)));
    socket.on('user:changed', (batch) => users.push(...batch.map((u) => u.id)));
    socket.on('event:received', () => frames++);
    const burst = Array.from({ length: 30 }, () => makeUser());
    const events = collectEvents(socket, burst.length);
    await Promise.all(burst.map((u) => s.deliver(makeEvent('user.created', u, u.updated_at))));
    await s.deliver({ not: 'signed right' }, { secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA' });
    const got = await events;
    expect(new Set(got.map((e) => e.objectId))).toEqual(new Set(burst.map((u) => u.id)));
    expect(got.every((e) => e.outcome === 'applied')).toBe(true);
    expect(frames).toBeGreaterThan(0); // how they were batched is createSocketPublisher's unit test
    await expect.poll(() => deliveries.length, { timeout: 5000 }).toBe(31); // rejected ones too
    await expect.poll(() => new Set(users).size, { timeout: 5000 }).toBe(30);
    socket.close();
  });

  it('sends what was missed while disconnected, then continues live', async () => {
    const cookie = await s.cookie();
    const first = open(s.url, cookie);
    await connected(first);
    const seen = collectEvents(first, 1);
    const before = makeUser();
    await s.deliver(makeEvent('user.created', before, before.updated_at));
    const [lastSeen] = await seen;
    const lastDelivery = (await s.db.prisma.delivery.findFirstOrThrow({ orderBy: { id: 'desc' } })).id;
    first.close();

    // while the dashboard is away
    const missed = Array.from({ length: 5 }, () => makeUser());
    for (const u of missed) await s.deliver(makeEvent('user.created', u, u.updated_at));

    const again = open(s.url, cookie);
    const liveIds: string[] = [];
    again.on('event:received', (batch) => liveIds.push(...batch.map((e) => e.objectId!)));
    await connected(again);
    const caught = await again.emitWithAck('feed:catch-up', {
      lastEventId: lastSeen!.id,
      lastDeliveryId: lastDelivery,
    });
    expect(caught.truncated).toBe(false);
    expect(caught.events.map((e) => e.objectId)).toEqual(missed.map((u) => u.id));
    expect(caught.deliveries).toHaveLength(5);
    expect(caught.events.every((e) => e.id > lastSeen!.id)).toBe(true);

    const after = makeUser();
    await s.deliver(makeEvent('user.created', after, after.updated_at));
    await expect.poll(() => liveIds.includes(after.id), { timeout: 5000 }).toBe(true);
    // Catch-up and live may overlap (a batch in flight while reconnecting): the client dedupes by id.
    // What matters is that the union misses nothing.
    const union = new Set([...caught.events.map((e) => e.objectId), ...liveIds]);
    for (const u of [...missed, after]) expect(union.has(u.id)).toBe(true);
    again.close();
  });

  it('disconnects a dashboard whose operator signed out, at its next connection attempt', async () => {
    const login = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@test.local', password: 'correct horse battery' }),
    });
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    await fetch(`${s.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    const socket = open(s.url, cookie);
    await expect(connected(socket)).rejects.toThrow('unauthorized');
    socket.close();
  });
});
