// Fault suite: Clerk's Backend API misbehaving during a reconcile. A scripted proxy sits between the
// monitor and the emulator: transient 500s are retried away; a Clerk that keeps failing (500s, no answer,
// malformed JSON) ends the run as failed with a clear error and leaves the local copy untouched; once Clerk
// is healthy again the next run finds and fixes the drift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import { createEmulator, generateSecretKey, generateSigningSecret, type Emulator } from '../../../emulator/emulator.ts';
import { createClerkClient } from '../clerk/clerk-client.ts';
import { reconcile, allFindings, json } from '../reconcile/test-support.ts';
import type { ReconcileFixResult } from '../contract.ts';

type Mode = 'pass' | 'error500' | 'hang' | 'garbage';

/** Forwards to the emulator, or fails the way `mode` says; `failNext` fails only that many requests, `only` only those it matches. */
async function faultyProxy(target: string) {
  const state = { mode: 'pass' as Mode, failNext: Infinity, seen: 0, failed: 0, only: null as RegExp | null };
  const server: Server = createServer(async (req, res) => {
    state.seen++;
    if (state.mode !== 'pass' && state.failNext > 0 && (!state.only || state.only.test(req.url ?? ''))) {
      state.failNext--;
      state.failed++;
      if (state.mode === 'hang') return; // never answers
      if (state.mode === 'garbage')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"users": [trunc');
      return void res.writeHead(500, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          errors: [{ code: 'internal_clerk_error', message: 'Oops' }],
          clerk_trace_id: 'trace_fault',
        }),
      );
    }
    const upstream = await fetch(`${target}${req.url}`, {
      headers: { authorization: req.headers.authorization ?? '' },
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, state, server };
}

describe('fault suite: Clerk API faults during reconcile', () => {
  let clerk: Emulator;
  let proxy: Awaited<ReturnType<typeof faultyProxy>>;
  let s: TestServer;
  const drift = { missing: '', stale: '', deleted: '' };

  beforeAll(async () => {
    clerk = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      rateLimit: null,
      timeFactor: 0.001,
    });
    const { url } = await clerk.listen(0);
    proxy = await faultyProxy(url);
    s = await startTestServer('sqlite', {
      secrets: [clerk.signingSecret],
      // short timeouts and backoff: the faults play out in well under a second each
      clerk: createClerkClient({
        apiUrl: proxy.url,
        secretKey: clerk.secretKey,
        timeoutMs: 300,
        retries: 2,
        minBackoffMs: 5,
      }),
      reconcile: { rateLimit: 1000, budgetShare: 1, pageSize: 5 },
    });
    clerk.addTarget(`${s.url}/api/webhooks/clerk`);
    for (let i = 0; i < 12; i++) clerk.createUser();
    const stale = clerk.createUser();
    const deleted = clerk.createUser();
    await clerk.settled();
    drift.missing = clerk.createUser({}, { sendWebhook: false }).id;
    drift.stale = clerk.updateUser(stale.id, { first_name: 'Drifted' }, { sendWebhook: false }).id;
    drift.deleted = clerk.deleteUser(deleted.id, { sendWebhook: false }).id;
  });
  afterAll(async () => {
    await s?.close();
    await clerk?.close();
    proxy?.server.closeAllConnections();
    proxy?.server.close();
  });

  const localSnapshot = () =>
    s.db.prisma.user.findMany({
      orderBy: { id: 'asc' },
      select: { id: true, deleted: true, data: true, clerkUpdatedAt: true },
    });

  it('retries transient 500s and completes with the right findings', async () => {
    Object.assign(proxy.state, { mode: 'error500', failNext: 2, failed: 0 });
    const run = await reconcile(s);
    expect(proxy.state.failed).toBe(2);
    expect(run.status).toBe('completed');
    expect(run.found).toEqual({ missing: 1, stale: 1, deleted: 1 });
  });

  it.each([
    { mode: 'error500' as const, message: /Clerk answered 500 internal_clerk_error: Oops/ },
    { mode: 'hang' as const, message: /did not answer within 300 ms/ },
    { mode: 'garbage' as const, message: /not JSON/ },
  ])(
    'a Clerk that keeps failing ($mode) ends the run as failed with a clear error, local copy unchanged',
    async ({ mode, message }) => {
      const before = await localSnapshot();
      Object.assign(proxy.state, { mode, failNext: Infinity, failed: 0 });
      const run = await reconcile(s);
      Object.assign(proxy.state, { mode: 'pass' });
      console.log(
        `reconcile with Clerk ${mode}: run ${run.status} after ${proxy.state.failed} failed requests — "${run.error}"`,
      );
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(message);
      expect(proxy.state.failed).toBe(3); // the first request, then 2 retries with backoff
      expect(await localSnapshot()).toEqual(before);
    },
  );

  it('a page that keeps timing out in the middle of the walk ends the run as failed with the reason', async () => {
    const before = await localSnapshot();
    // the count and every window's first page answer; pages after a cursor never do
    Object.assign(proxy.state, { mode: 'hang', failNext: Infinity, failed: 0, only: /starting_after=/ });
    const run = await reconcile(s);
    Object.assign(proxy.state, { mode: 'pass', only: null });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/did not answer within 300 ms \(\/users\?.*starting_after=/);
    expect(await localSnapshot()).toEqual(before);
  });

  it('once Clerk is healthy, the next run finds the drift and a fix clears it', async () => {
    Object.assign(proxy.state, { mode: 'pass' });
    const run = await reconcile(s);
    expect(run.status).toBe('completed');
    const findings = await allFindings(s, run.id);
    expect(Object.fromEntries(findings.map((f) => [f.class, f.userId]))).toEqual(drift);
    const fixed = await json<ReconcileFixResult>(
      s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: '{}' }),
    );
    expect(fixed).toMatchObject({ fixed: 3 });
    expect((await reconcile(s)).found).toEqual({ missing: 0, stale: 0, deleted: 0 });
  });
});

describe('fault suite: deep offsets that time out', () => {
  let clerk: Emulator;
  let s: TestServer;
  beforeAll(async () => {
    // offsets past 20 rows slow down 5 ms per row and time out (504) past 50 ms: from offset 31 on
    ({ clerk, s } = await startClerkAndServer('sqlite', {
      emulator: { timeFactor: 1, userList: { deepOffset: { slowAfter: 20, msPerRow: 5, timeoutMs: 50 } } },
      server: (emulator, url) => ({
        clerk: createClerkClient({ apiUrl: url, secretKey: emulator.secretKey, retries: 2, minBackoffMs: 5 }),
        reconcile: { rateLimit: 1000, budgetShare: 1, pageSize: 25 },
      }),
      deliver: false,
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  it('do not fail the run: it walks by cursor, and finds every user', async () => {
    const ids = Array.from({ length: 150 }, () => clerk.createUser({}, { sendWebhook: false }).id);
    const deep = await fetch(`${clerk.url}/v1/users?limit=25&offset=50`, {
      headers: { authorization: `Bearer ${clerk.secretKey}` },
    });
    expect(deep.status).toBe(504);
    const run = await reconcile(s);
    expect(run).toMatchObject({
      status: 'completed',
      error: null,
      checked: 150,
      found: { missing: 150, stale: 0, deleted: 0 },
    });
    expect((await allFindings(s, run.id)).map((f) => f.userId).sort()).toEqual([...ids].sort());
  });
});
