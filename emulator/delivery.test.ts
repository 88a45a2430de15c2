// Webhook delivery with Svix semantics: signatures, the retry schedule, stable svix-id, abort, timeout, faults.
import { afterEach, describe, expect, it } from 'vitest';
import { Webhook } from 'svix';
import {
  createEmulator,
  generateSecretKey,
  generateSigningSecret,
  type Emulator,
  type EmulatorOptions,
} from './emulator.ts';
import { SVIX_RETRY_SCHEDULE_MS } from './dispatcher.ts';
import { startTestReceiver, type TestReceiver } from './test-receiver.ts';

const FAST = 0.00001; // the whole 27.5 h schedule in ~1 s

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(
  receiverOpts: Parameters<typeof startTestReceiver>[0] = {},
  emulatorOpts: Partial<EmulatorOptions> = {},
): Promise<{ emulator: Emulator; receiver: TestReceiver; secret: string }> {
  const secret = generateSigningSecret();
  const receiver = await startTestReceiver({ secret, ...receiverOpts });
  cleanups.push(() => receiver.close());
  const emulator = createEmulator({
    signingSecret: secret,
    secretKey: generateSecretKey(),
    targets: [receiver.url],
    timeFactor: FAST,
    seed: 42,
    ...emulatorOpts,
  });
  cleanups.push(() => emulator.close());
  return { emulator, receiver, secret };
}

describe('signed delivery', () => {
  it('delivers every change as a Clerk event that verifies with svix', async () => {
    const { emulator, receiver, secret } = await setup();
    const user = emulator.createUser({ first_name: 'Ada' });
    emulator.updateUser(user.id, { last_name: 'Lovelace' });
    const session = emulator.createSession(user.id);
    emulator.revokeSession(session.id);
    emulator.deleteUser(user.id);
    await emulator.settled();

    expect(receiver.requests).toHaveLength(5);
    const wh = new Webhook(secret);
    for (const r of receiver.requests) {
      expect(r.verified).toBe(true);
      // svix 1.x verify returns the parsed payload
      expect(wh.verify(r.body, r.headers as Record<string, string>)).toEqual(JSON.parse(r.body));
      expect(r.svixId).toMatch(/^msg_[0-9A-Za-z]{27}$/);
      expect(Number(r.headers['svix-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
      expect(r.headers['content-type']).toBe('application/json');
    }
    const types = receiver.requests.map((r) => r.json!.type).sort();
    expect(types).toEqual(
      ['session.created', 'session.revoked', 'user.created', 'user.deleted', 'user.updated'].sort(),
    );
    const created = receiver.requests.find((r) => r.json!.type === 'user.created')!.json!;
    expect(created).toMatchObject({
      object: 'event',
      instance_id: expect.stringMatching(/^ins_/),
      data: { id: user.id, object: 'user', first_name: 'Ada' },
    });
    expect(created.timestamp).toBeGreaterThan(1_600_000_000_000); // ms
    const deleted = receiver.requests.find((r) => r.json!.type === 'user.deleted')!.json!;
    expect(deleted.data).toEqual({ object: 'user', id: user.id, deleted: true });
    const updated = receiver.requests.find((r) => r.json!.type === 'user.updated')!.json!;
    expect(updated.data).toMatchObject({ last_name: 'Lovelace' });
    expect((updated.data as { updated_at: number }).updated_at).toBeGreaterThan(user.updated_at);
    expect(deleted.timestamp).toBeGreaterThan((updated.data as { updated_at: number }).updated_at);
    const revoked = receiver.requests.find((r) => r.json!.type === 'session.revoked')!.json!;
    expect(revoked.data).toMatchObject({ id: session.id, object: 'session', user_id: user.id, status: 'revoked' });
  });

  it('fans one message out to every endpoint with the same svix-id', async () => {
    const { emulator, receiver, secret } = await setup();
    const second = await startTestReceiver({ secret });
    cleanups.push(() => second.close());
    emulator.addTarget(second.url);
    emulator.createUser();
    await emulator.settled();
    expect(receiver.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(1);
    expect(second.requests[0]!.svixId).toBe(receiver.requests[0]!.svixId);
    expect(second.requests[0]!.verified).toBe(true);
  });

  it('does not send a webhook when asked not to (drift on purpose)', async () => {
    const { emulator, receiver } = await setup();
    const u = emulator.createUser({}, { sendWebhook: false });
    emulator.updateUser(u.id, { first_name: 'Silent' }, { sendWebhook: false });
    await emulator.settled();
    expect(receiver.requests).toHaveLength(0);
    expect(emulator.store.getUser(u.id)!.first_name).toBe('Silent');
  });
});

describe('retries (Svix schedule)', () => {
  it('retries failures on the scaled schedule with the same svix-id, re-signed each attempt', async () => {
    const failures = 7; // succeed on the 8th and last attempt
    const { emulator, receiver } = await setup({ respond: (_r, i) => ({ status: i < failures ? 500 : 204 }) });
    emulator.createUser();
    await emulator.settled();

    expect(receiver.requests).toHaveLength(8);
    expect(new Set(receiver.requests.map((r) => r.svixId)).size).toBe(1);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    const gaps = receiver.requests.slice(1).map((r, i) => r.at - receiver.requests[i]!.at);
    gaps.forEach((gap, i) => {
      const expected = SVIX_RETRY_SCHEDULE_MS[i + 1]! * FAST;
      expect(gap).toBeGreaterThanOrEqual(expected - 2);
      expect(gap).toBeLessThan(expected + 250); // generous: CI machines are busy
    });
    const attempts = emulator.deliveries();
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(attempts.slice(0, 7).every((a) => a.status === 500 && a.next === 'retry')).toBe(true);
    expect(attempts[7]).toMatchObject({ status: 204, ok: true, next: 'done' });
    expect(emulator.messages()[0]!.state).toBe('delivered');
  });

  it('gives up after 8 attempts', async () => {
    const { emulator, receiver } = await setup({ respond: () => ({ status: 503 }) });
    emulator.createUser();
    await emulator.settled();
    expect(receiver.requests).toHaveLength(8);
    expect(emulator.messages()[0]!.state).toBe('failed');
    expect(emulator.deliveries().at(-1)!.next).toBe('failed');
  });

  it('stops when the receiver answers webhook-delivery: abort-message', async () => {
    const { emulator, receiver } = await setup({
      respond: () => ({ status: 400, headers: { 'webhook-delivery': 'abort-message' } }),
    });
    emulator.createUser();
    await emulator.settled();
    expect(receiver.requests).toHaveLength(1);
    expect(emulator.messages()[0]!.state).toBe('aborted');
  });

  it('treats no answer within the timeout as a failed attempt and retries', async () => {
    const { emulator, receiver } = await setup(
      { respond: (_r, i) => (i === 0 ? { status: 200, hang: true } : { status: 200 }) },
      { deliveryTimeoutMs: 100 },
    );
    emulator.createUser();
    await emulator.settled();
    expect(receiver.requests).toHaveLength(2);
    const [first, second] = emulator.deliveries();
    expect(first).toMatchObject({ status: null, ok: false, next: 'retry' });
    expect(first!.error).toMatch(/timeout/);
    expect(second).toMatchObject({ ok: true });
  });

  it('treats a connection error as a failed attempt', async () => {
    const { emulator, receiver } = await setup();
    const url = receiver.url;
    await receiver.close();
    emulator.removeTarget(url);
    emulator.addTarget(url.replace(/:\d+\//, ':1/')); // nothing listens on port 1
    emulator.createUser();
    await emulator.settled();
    const attempts = emulator.deliveries();
    expect(attempts).toHaveLength(8);
    expect(attempts[0]!.error).toMatch(/ECONNREFUSED|fetch failed/);
  });
});

describe('faults', () => {
  const N = 200;

  it('drop: a share of messages is never delivered', async () => {
    const { emulator, receiver } = await setup({}, { faults: { drop: 0.3 } });
    for (let i = 0; i < N; i++) emulator.createUser({}, {});
    await emulator.settled();
    const dropped = emulator.messages().filter((m) => m.state === 'dropped').length;
    expect(dropped).toBeGreaterThan(N * 0.2);
    expect(dropped).toBeLessThan(N * 0.4);
    expect(receiver.requests).toHaveLength(N - dropped);
  });

  it('duplicate: a share of messages arrives twice with the same svix-id', async () => {
    const { emulator, receiver } = await setup({}, { faults: { duplicate: 0.25 } });
    for (let i = 0; i < N; i++) emulator.createUser();
    await emulator.settled();
    const counts = new Map<string, number>();
    for (const r of receiver.requests) counts.set(r.svixId, (counts.get(r.svixId) ?? 0) + 1);
    const twice = [...counts.values()].filter((c) => c === 2).length;
    expect(counts.size).toBe(N);
    expect(twice).toBeGreaterThan(N * 0.15);
    expect(twice).toBeLessThan(N * 0.35);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
  });

  it('bad signature: a share of attempts fails verification, is answered 4xx and retried correctly signed', async () => {
    const { emulator, receiver } = await setup({}, { faults: { badSignature: 0.3 } });
    for (let i = 0; i < N; i++) emulator.createUser();
    await emulator.settled();
    const bad = receiver.requests.filter((r) => r.verified === false).length;
    expect(bad).toBeGreaterThan(N * 0.15);
    expect(
      emulator
        .deliveries()
        .filter((a) => a.badSignature)
        .every((a) => a.status === 400),
    ).toBe(true);
    // every message still arrives correctly signed in the end
    const good = new Set(receiver.requests.filter((r) => r.verified).map((r) => r.svixId));
    expect(good.size).toBe(N);
    expect(emulator.messages().every((m) => m.state === 'delivered')).toBe(true);
  });

  it('reorder: messages within the window arrive shuffled', async () => {
    const { emulator, receiver } = await setup({}, { faults: { reorderWindowMs: 50 } });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(emulator.createUser().id);
    await emulator.settled();
    const arrived = receiver.requests.map((r) => r.json!.data.id as string);
    expect([...arrived].sort()).toEqual([...ids].sort());
    expect(arrived).not.toEqual(ids);
  });

  it('delay: first attempts wait up to delayMs', async () => {
    const { emulator, receiver } = await setup({}, { faults: { delayMs: 150 } });
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) emulator.createUser();
    await emulator.settled();
    const waits = receiver.requests.map((r) => r.at - t0);
    expect(Math.max(...waits)).toBeGreaterThan(50);
    expect(Math.max(...waits)).toBeLessThan(1_000);
  });

  it('outage: every attempt fails for a while, then the retries catch up', async () => {
    // timeFactor 0.0001: retries after 0, 0.5, 30, 180, 720 ms … so a 100 ms outage is caught up by the 5th attempt
    const { emulator, receiver } = await setup({}, { timeFactor: 0.0001 });
    emulator.outage(100);
    const users = Array.from({ length: 10 }, () => emulator.createUser());
    await new Promise((r) => setTimeout(r, 50));
    expect(receiver.requests).toHaveLength(0);
    await emulator.settled();
    expect(new Set(receiver.requests.map((r) => r.json!.data.id))).toEqual(new Set(users.map((u) => u.id)));
    const failedDuringOutage = emulator.deliveries().filter((a) => a.error?.includes('outage'));
    expect(failedDuringOutage.length).toBeGreaterThanOrEqual(30); // ≥ 3 attempts each
    expect(emulator.messages().every((m) => m.state === 'delivered')).toBe(true);
  });

  it('faults can be changed at run time', async () => {
    const { emulator, receiver } = await setup();
    emulator.setFaults({ drop: 1 });
    emulator.createUser();
    emulator.setFaults({ drop: 0 });
    emulator.createUser();
    await emulator.settled();
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('lifecycle', () => {
  it('close() cancels scheduled retries and resolves settled()', async () => {
    const { emulator } = await setup({ respond: () => ({ status: 500 }) }, { timeFactor: 1 });
    emulator.createUser();
    const settled = emulator.settled();
    await new Promise((r) => setTimeout(r, 50));
    expect(emulator.state().pendingDeliveries).toBe(1);
    await emulator.close();
    await settled;
    expect(emulator.messages()[0]!.state).toBe('cancelled');
  });
});
