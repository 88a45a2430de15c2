// Rate limits: with the emulator enforcing Clerk's fixed window (scaled down to 10 requests / 1 s so the test
// is quick) and reconcile allowed the whole of it, a reconcile and a fix never receive a 429: the budget
// spaces requests instead of bursting — also when Clerk answers slower than the spacing and several requests
// are open at once. No timing assertions (the duration ratio is measured by bench/reconcile.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { createEmulator, generateSecretKey, generateSigningSecret, type Emulator } from '../../../emulator/emulator.ts';
import { createClerkClient, type ClerkClient } from '../clerk/clerk-client.ts';
import type { ReconcileFixResult } from '../contract.ts';
import { json, reconcile } from './test-support.ts';

/**
 * The emulator enforcing 10 requests / 1 s, and a server whose reconcile may use all of it. Its deep offsets
 * time out early (past 40 rows), as Clerk's do on a large list: a run must page by cursor to complete at all.
 */
async function limited(
  seed: number,
  pageSize: number,
  wrap: (c: ClerkClient) => ClerkClient = (c) => c,
  pagesPerWindow = 16,
) {
  const clerk = createEmulator({
    signingSecret: generateSigningSecret(),
    secretKey: generateSecretKey(),
    targets: [],
    rateLimit: { requests: 10, windowMs: 1_000 },
    timeFactor: 0.001,
    seed,
    userList: { deepOffset: { slowAfter: 40, msPerRow: 10, timeoutMs: 100 } },
  });
  const { url } = await clerk.listen(0);
  const statuses: number[] = [];
  const s = await startTestServer('sqlite', {
    secrets: [clerk.signingSecret],
    clerk: wrap(
      createClerkClient({ apiUrl: url, secretKey: clerk.secretKey, onResponse: (status) => statuses.push(status) }),
    ),
    reconcile: { rateLimit: 10, windowMs: 1_000, budgetShare: 1, pageSize, pagesPerWindow },
  });
  clerk.addTarget(`${s.url}/api/webhooks/clerk`);
  return { clerk, s, statuses };
}

describe('reconcile within the rate limit', () => {
  let s: TestServer;
  let clerk: Emulator;
  let statuses: number[];
  beforeAll(async () => {
    ({ clerk, s, statuses } = await limited(11, 10));
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
    const fix = await json<ReconcileFixResult>(
      s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' }),
    );
    expect(fix).toMatchObject({ fixed: 50, unfixed: 0 });
    const again = await reconcile(s);
    expect(again.found).toEqual({ missing: 0, stale: 0, deleted: 0 });

    // ~30 requests over ~3 windows: without spacing they would have been refused from the 11th on
    expect(statuses.length).toBeGreaterThan(25);
    expect(statuses.filter((st) => st === 429)).toEqual([]);
    expect(statuses.every((st) => st === 200)).toBe(true);
  }, 30_000);
});

describe('reconcile with several windows walked at once, within the rate limit', () => {
  let s: TestServer;
  let clerk: Emulator;
  let statuses: number[];
  let open = 0;
  let mostOpen = 0;
  beforeAll(async () => {
    // Clerk answers slower than the spacing (250 ms against 105): the budget has to keep several requests open,
    // one per window walked
    const slow =
      <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        open++;
        mostOpen = Math.max(mostOpen, open);
        try {
          await new Promise((r) => setTimeout(r, 250));
          return await fn(...a);
        } finally {
          open--;
        }
      };
    ({ clerk, s, statuses } = await limited(
      12,
      20,
      (inner) => ({
        ...inner,
        listUsers: slow(inner.listUsers),
        countUsers: slow(inner.countUsers),
        getUser: slow(inner.getUser),
      }),
      2,
    ));
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
