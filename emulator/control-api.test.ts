// The local control API and the activity generator.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';
import { startTestReceiver, type TestReceiver } from './test-receiver.ts';

let emulator: Emulator & { url: string };
let receiver: TestReceiver;
const secretKey = generateSecretKey();

async function setup(extra: Parameters<typeof startEmulator>[0] extends infer O ? Partial<O> : never = {}) {
  const signingSecret = generateSigningSecret();
  receiver = await startTestReceiver({ secret: signingSecret });
  emulator = await startEmulator({
    signingSecret,
    secretKey,
    targets: [receiver.url],
    timeFactor: 0.00001,
    seed: 3,
    ...extra,
  });
}
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emulator.url}/control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
};

describe('control API', () => {
  it('creates, updates and deletes users with a webhook by default', async () => {
    await setup();
    const created = await call('POST', '/users', { first_name: 'Grace', email_address: 'grace@example.com' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^user_/);
    expect((created.body.email_addresses as { email_address: string }[])[0]!.email_address).toBe('grace@example.com');

    const patched = await call('PATCH', `/users/${id}`, { last_name: 'Hopper', email_address: 'hopper@example.com' });
    expect(patched.body).toMatchObject({
      last_name: 'Hopper',
      primary_email_address_id: created.body.primary_email_address_id,
    });
    expect((patched.body.email_addresses as { email_address: string }[])[0]!.email_address).toBe('hopper@example.com');

    expect((await call('DELETE', `/users/${id}`)).body).toEqual({ object: 'user', id, deleted: true });
    expect((await call('GET', `/users/${id}`)).body.error!.code).toBe('user_deleted');
    await emulator.settled();
    expect(receiver.requests.map((r) => r.json!.type)).toEqual(['user.created', 'user.updated', 'user.deleted']);
    const state = (await call('GET', '/state')).body;
    expect(state).toMatchObject({ users: 0, deletedUsers: 1, messages: { delivered: 3 } });
  });

  it('?webhook=false changes the truth silently (drift on purpose)', async () => {
    await setup();
    const { body } = await call('POST', '/users?webhook=false', { first_name: 'Hidden' });
    await call('PATCH', `/users/${body.id as string}?webhook=false`, { first_name: 'Still hidden' });
    await emulator.settled();
    expect(receiver.requests).toHaveLength(0);
    expect(emulator.store.getUser(body.id as string)!.first_name).toBe('Still hidden');
    const all = (await call('GET', '/users')).body as { users: { id: string }[]; deletedUserIds: string[] };
    expect(all.users.map((u) => u.id)).toEqual([body.id]);
  });

  it('sessions: create, then revoke / end / remove', async () => {
    await setup();
    const user = emulator.createUser({}, { sendWebhook: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await call('POST', '/sessions', { user_id: user.id });
      expect(s.status).toBe(201);
      ids.push(s.body.id as string);
    }
    expect((await call('POST', `/sessions/${ids[0]}/revoke`)).body.status).toBe('revoked');
    expect((await call('POST', `/sessions/${ids[1]}/end`)).body.status).toBe('ended');
    expect((await call('POST', `/sessions/${ids[2]}/remove`)).body.status).toBe('removed');
    expect((await call('POST', `/sessions/${ids[2]}/end`)).status).toBe(409);
    expect((await call('POST', '/sessions', { user_id: 'user_nope' })).status).toBe(404);
    await emulator.settled();
    expect(receiver.requests.map((r) => r.json!.type).sort()).toEqual([
      'session.created',
      'session.created',
      'session.created',
      'session.ended',
      'session.removed',
      'session.revoked',
    ]);
  });

  it('faults, outage, deliveries and settled', async () => {
    await setup();
    const f = await call('PUT', '/faults', { duplicate: 1, badSignature: 0 });
    expect(f.body).toMatchObject({ duplicate: 1, drop: 0 });
    expect((await call('PUT', '/faults', { drop: 2 })).status).toBe(400);
    expect((await call('PUT', '/faults', { bogus: 1 })).status).toBe(400);

    emulator.createUser();
    expect((await call('GET', '/settled?timeoutMs=5000')).body).toMatchObject({ settled: true, pendingDeliveries: 0 });
    const deliveries = (await call('GET', '/deliveries')).body as unknown as {
      svixId: string;
      type: string;
      attempt: number;
      status: number;
      at: string;
    }[];
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]!.svixId).toBe(deliveries[1]!.svixId);
    expect(deliveries[0]).toMatchObject({ type: 'user.created', attempt: 1, status: 200, at: expect.any(String) });

    await call('PUT', '/faults', { duplicate: 0 });
    const o = await call('POST', '/outage', { durationMs: 60_000 });
    expect(o.body.outageUntil).toBeGreaterThan(Date.now());
    emulator.createUser();
    await new Promise((r) => setTimeout(r, 30));
    expect(receiver.requests).toHaveLength(2);
    await call('POST', '/outage', { durationMs: 0 });
    await emulator.settled();
    expect(receiver.requests).toHaveLength(3);
  });

  it('rate limit, activity and targets can be changed at run time', async () => {
    await setup();
    expect((await call('PUT', '/rate-limit', { requests: 1, windowMs: 60_000 })).body).toEqual({
      rateLimit: { requests: 1, windowMs: 60_000 },
    });
    const h = { authorization: `Bearer ${secretKey}` };
    expect((await fetch(`${emulator.url}/v1/users/count`, { headers: h })).status).toBe(200);
    expect((await fetch(`${emulator.url}/v1/users/count`, { headers: h })).status).toBe(429);
    expect((await call('PUT', '/rate-limit', { enabled: false })).body).toEqual({ rateLimit: null });
    expect((await fetch(`${emulator.url}/v1/users/count`, { headers: h })).status).toBe(200);

    const other = await startTestReceiver();
    try {
      expect((await call('POST', '/targets', { url: other.url })).body.targets).toHaveLength(2);
      await call('POST', '/events', { type: 'email.created', data: { object: 'email', id: 'ema_1' } });
      await emulator.settled();
      expect(other.requests[0]!.json!.type).toBe('email.created');
      await call('DELETE', '/targets', { url: other.url });
      expect(emulator.targets()).toEqual([receiver.url]);
    } finally {
      await other.close();
    }

    expect((await call('PUT', '/activity', { perSecond: 200 })).body).toEqual({ activity: { perSecond: 200 } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call('PUT', '/activity', { perSecond: 0 })).body).toEqual({ activity: null });
    await emulator.settled();
    expect(receiver.requests.length).toBeGreaterThan(10);
  });
});

describe('activity generator', () => {
  it('produces realistic, consistent life: every message verifies, the store stays coherent', async () => {
    await setup({ seedUsers: 10 });
    const counts = new Map<string, number>();
    // Drive it deterministically with activityTick() rather than the timer.
    for (let i = 0; i < 400; i++) {
      const name = emulator.activityTick();
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect(counts.get('sign-up')).toBeGreaterThan(20);
    expect(counts.get('profile-update')).toBeGreaterThan(20);
    await emulator.settled();
    for (const kind of [
      'user.created',
      'user.updated',
      'user.deleted',
      'session.created',
      'session.ended',
      'session.revoked',
      'email.created',
    ]) {
      expect(
        receiver.requests.some((r) => r.json!.type === kind),
        kind,
      ).toBe(true);
    }
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    // every active session in the truth belongs to a live user
    const live = new Set(emulator.store.users().map((u) => u.id));
    expect(emulator.store.sessions().every((s) => live.has(s.user_id))).toBe(true);
  });
});
