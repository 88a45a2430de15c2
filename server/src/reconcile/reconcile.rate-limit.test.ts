// Rate limits: with the emulator enforcing Clerk's fixed window (scaled down to 10 requests / 1 s so the test
// is quick) and reconcile allowed the whole of it, a reconcile and a fix never receive a 429: the budget
// spaces requests instead of bursting — also when Clerk answers slower than the spacing and several requests
// are open at once. No timing assertions (the duration ratio is measured by bench/reconcile.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { createEmulator, generateSecretKey, generateSigningSecret, type Emulator } from '../clerk/emulator/emulator.ts';
import { createClerkClient, type ClerkClient } from '../clerk/clerk-client.ts';
import type { ReconcileFixResult } from '../contract.ts';
import { json, reconcile } from './test-support.ts';

describe('reconcile within the rate limit', () => {
  let s: TestServer;
  let clerk: Emulator;
  const statuses: number[] = [];
  beforeAll(async () => {
    clerk = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: { requests: 10, windowMs: 1_000 },
      timeFactor: 0.001,
      seed: 11,
    });
    const { url } = await clerk.listen(0);
    s = await startTestServer('sqlite', {
      secrets: [clerk.signingSecret],
      clerk: createClerkClient({ apiUrl: url, secretKey: clerk.secretKey, onResponse: (status) => statuses.push(status) }),
      reconcile: { rateLimit: 10, windowMs: 1_000, budgetShare: 1, pageSize: 10 },
    });
    clerk.addTarget(`${s.url}/api/webhooks/clerk`);
  });
  afterAll(async () => {
    await clerk?.close();
    await s?.close();
  });

  it('never receives a 429 at a budget of the whole limit', async () => {
    const users = Array.from({ length: 100 }, () => clerk.createUser());
    await clerk.settled();
    for (let i = 0; i < 30; i++) clerk.createUser({}, { sendWebhook: false });
    for (const u of users.slice(0, 10)) clerk.updateUser(u.id, { first_name: 'Quiet' }, { sendWebhook: false });
    for (const u of users.slice(10, 20)) clerk.deleteUser(u.id, { sendWebhook: false });

    const run = await reconcile(s);
    expect(run).toMatchObject({ status: 'completed', checked: 120, found: { missing: 30, stale: 10, deleted: 10 } });
    const fix = await json<ReconcileFixResult>(s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' }));
    expect(fix).toMatchObject({ fixed: 50, unfixed: 0 });
    const again = await reconcile(s);
    expect(again.found).toEqual({ missing: 0, stale: 0, deleted: 0 });

    // ~30 requests over ~3 windows: without spacing they would have been refused from the 11th on
    expect(statuses.length).toBeGreaterThan(25);
    expect(statuses.filter((st) => st === 429)).toEqual([]);
    expect(statuses.every((st) => st === 200)).toBe(true);
  }, 30_000);
});

describe('reconcile with pages requested ahead, within the rate limit', () => {
  let s: TestServer;
  let clerk: Emulator;
  const statuses: number[] = [];
  let open = 0;
  let mostOpen = 0;
  beforeAll(async () => {
    clerk = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: { requests: 10, windowMs: 1_000 },
      timeFactor: 0.001,
      seed: 12,
    });
    const { url } = await clerk.listen(0);
    const inner = createClerkClient({ apiUrl: url, secretKey: clerk.secretKey, onResponse: (status) => statuses.push(status) });
    // Clerk answers slower than the spacing (250 ms against 105): the budget has to keep several requests open
    const slow = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      open++;
      mostOpen = Math.max(mostOpen, open);
      try {
        await new Promise((r) => setTimeout(r, 250));
        return await fn(...a);
      } finally {
        open--;
      }
    };
    const client: ClerkClient = { ...inner, listUsers: slow(inner.listUsers), countUsers: slow(inner.countUsers), getUser: slow(inner.getUser) };
    s = await startTestServer('sqlite', {
      secrets: [clerk.signingSecret],
      clerk: client,
      reconcile: { rateLimit: 10, windowMs: 1_000, budgetShare: 1, pageSize: 20 },
    });
    clerk.addTarget(`${s.url}/api/webhooks/clerk`);
  });
  afterAll(async () => {
    await clerk?.close();
    await s?.close();
  });

  it('keeps several requests open and still never receives a 429', async () => {
    const users = Array.from({ length: 200 }, () => clerk.createUser());
    await clerk.settled();
    for (let i = 0; i < 20; i++) clerk.createUser({}, { sendWebhook: false });
    for (const u of users.slice(0, 10)) clerk.updateUser(u.id, { first_name: 'Quiet' }, { sendWebhook: false });
    for (const u of users.slice(10, 20)) clerk.deleteUser(u.id, { sendWebhook: false });

    const run = await reconcile(s);
    expect(run).toMatchObject({ status: 'completed', checked: 210, found: { missing: 20, stale: 10, deleted: 10 } });
    expect(mostOpen).toBeGreaterThan(1);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((st) => st === 429)).toEqual([]);
  }, 30_000);
});
