// The Backend API client against a scripted Clerk over real HTTP: retries, Retry-After, timeouts,
// Clerk's error body and trace id.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClerkClient, ClerkApiError } from './clerk-client.ts';
import { AppError } from '../lib/errors.ts';

type Step = { status: number; body?: unknown; raw?: string; headers?: Record<string, string>; hang?: boolean };

let server: Server | null = null;
afterEach(async () => {
  const s = server;
  server = null;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
});

/** A fake Clerk answering the scripted steps in order (the last one repeats). */
async function fakeClerk(steps: Step[]) {
  const seen: { auth?: string; url?: string; at: number }[] = [];
  server = createServer((req, res) => {
    seen.push({ auth: req.headers.authorization, url: req.url, at: Date.now() });
    const step = steps[Math.min(seen.length - 1, steps.length - 1)]!;
    if (step.hang) return; // never answers
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
    res.end(step.raw ?? JSON.stringify(step.body ?? {}));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const clerkError = (code: string, message: string) => ({
  errors: [{ code, message, long_message: `${message} (long)` }],
  clerk_trace_id: 'trace_123',
});
const user = { id: 'user_1', object: 'user', updated_at: 1 };

describe('Clerk Backend API client', () => {
  it('reports each retry of a 429 or 5xx with its wait (the live status shows "retrying in 4 s")', async () => {
    const fake = await fakeClerk([
      { status: 429, body: clerkError('too_many_requests', 'slow down'), headers: { 'retry-after': '4' } },
      { status: 503, body: {} },
      { status: 200, body: user },
    ]);
    const retries: { status: number; retryInMs: number }[] = [];
    const slept: number[] = [];
    const c = createClerkClient({
      apiUrl: fake.url,
      secretKey: 'sk_test_x',
      minBackoffMs: 1,
      sleep: async (ms) => void slept.push(ms),
      onRetry: (info) => retries.push(info),
    });
    expect(await c.getUser('user_1')).toEqual(user);
    expect(retries[0]).toEqual({ status: 429, retryInMs: 4000 });
    expect(retries[1]?.status).toBe(503);
    expect(retries).toHaveLength(2);
    expect(slept).toEqual([4000]);
  });

  it('sends the secret key and returns the user; null on 404', async () => {
    const fake = await fakeClerk([
      { status: 200, body: user },
      { status: 404, body: clerkError('resource_not_found', 'not found') },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk_test_x' });
    expect(await c.getUser('user_1')).toEqual(user);
    expect(await c.getUser('user_gone')).toBeNull();
    expect(fake.seen.map((s) => [s.auth, s.url])).toEqual([
      ['Bearer sk_test_x', '/v1/users/user_1'],
      ['Bearer sk_test_x', '/v1/users/user_gone'],
    ]);
  });

  it('waits out a 429 for as long as Retry-After says, then succeeds', async () => {
    const fake = await fakeClerk([
      { status: 429, body: clerkError('too_many_requests', 'slow down'), headers: { 'retry-after': '1' } },
      { status: 200, body: user },
    ]);
    const waits: number[] = [];
    const c = createClerkClient({
      apiUrl: fake.url,
      secretKey: 'sk',
      minBackoffMs: 1,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(await c.getUser('user_1')).toEqual(user);
    expect(waits).toEqual([1000]);
    expect(fake.seen).toHaveLength(2);
  });

  it('gives up on a Retry-After longer than it may wait, naming the limit and the trace id', async () => {
    const fake = await fakeClerk([
      { status: 429, body: clerkError('too_many_requests', 'slow down'), headers: { 'retry-after': '600' } },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk', maxRetryAfterMs: 5000 });
    const err = await c.getUser('user_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClerkApiError);
    expect(err).toMatchObject({ code: 'clerk_rate_limited', status: 502, extra: { clerkTraceId: 'trace_123' } });
    expect(fake.seen).toHaveLength(1);
  });

  it('retries 5xx with backoff, then reports Clerk’s error body', async () => {
    const fake = await fakeClerk([{ status: 503, body: clerkError('unavailable', 'try later') }]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk', retries: 2, minBackoffMs: 5 });
    const err = (await c.getUser('user_1').catch((e: unknown) => e)) as ClerkApiError;
    expect(err.message).toBe('Clerk answered 503 unavailable: try later (long)');
    expect(err.extra.clerkTraceId).toBe('trace_123');
    expect(fake.seen).toHaveLength(3);
  });

  it('recovers when a 500 is followed by a success', async () => {
    const fake = await fakeClerk([{ status: 500 }, { status: 502 }, { status: 200, body: user }]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk', minBackoffMs: 1 });
    expect(await c.getUser('user_1')).toEqual(user);
    expect(fake.seen).toHaveLength(3);
  });

  it('does not retry a 401 (a wrong secret key will not get better)', async () => {
    const fake = await fakeClerk([{ status: 401, body: clerkError('authentication_invalid', 'bad key') }]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk_wrong', minBackoffMs: 1 });
    await expect(c.getUser('user_1')).rejects.toMatchObject({ httpStatus: 401, clerkCode: 'authentication_invalid' });
    expect(fake.seen).toHaveLength(1);
  });

  it('times out a Clerk that does not answer, and retries before giving up', async () => {
    const fake = await fakeClerk([{ status: 200, hang: true }]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk', timeoutMs: 100, retries: 1, minBackoffMs: 1 });
    const err = await c.getUser('user_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'clerk_timeout', status: 504 });
    expect(fake.seen).toHaveLength(2);
  });

  it('retries a body that is not JSON, then reports it', async () => {
    const fake = await fakeClerk([{ status: 200, raw: '<html>gateway</html>' }]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk', retries: 2, minBackoffMs: 1 });
    await expect(c.getUser('user_1')).rejects.toMatchObject({ code: 'clerk_bad_response', status: 502 });
    expect(fake.seen).toHaveLength(3);
  });

  it('recovers when a garbled body is followed by a good one', async () => {
    const fake = await fakeClerk([
      { status: 200, raw: '{"id": "user_1", "trunc' },
      { status: 200, body: user },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk', minBackoffMs: 1 });
    expect(await c.getUser('user_1')).toEqual(user);
  });

  it('reports an unreachable Clerk', async () => {
    const c = createClerkClient({ apiUrl: 'http://127.0.0.1:9', secretKey: 'sk', retries: 1, minBackoffMs: 1 });
    await expect(c.getUser('user_1')).rejects.toMatchObject({ code: 'clerk_unreachable', status: 502 });
  });

  it('lists users with Clerk’s paging and filter parameters', async () => {
    const fake = await fakeClerk([{ status: 200, body: [user] }]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    expect(
      await c.listUsers({ limit: 500, orderBy: '-created_at', startingAfter: 'user_0', userIds: ['a', 'b'] }),
    ).toEqual([user]);
    expect(fake.seen[0]!.url).toBe(
      '/v1/users?limit=500&order_by=-created_at&starting_after=user_0&user_id=a&user_id=b',
    );
  });

  it('lists a created_at window, and reports a 404 to the list as an error (a cursor user Clerk no longer has)', async () => {
    const fake = await fakeClerk([
      { status: 200, body: [user] },
      { status: 404, body: clerkError('resource_not_found', 'not found') },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    expect(
      await c.listUsers({
        limit: 10,
        orderBy: '+created_at',
        createdAtAfter: 1_700_000_000_000,
        createdAtBefore: 1_700_000_000_500,
      }),
    ).toEqual([user]);
    expect(fake.seen[0]!.url).toBe(
      '/v1/users?limit=10&order_by=%2Bcreated_at&created_at_after=1700000000000&created_at_before=1700000000500',
    );
    await expect(c.listUsers({ limit: 10, orderBy: '+created_at', startingAfter: 'user_gone' })).rejects.toMatchObject({
      httpStatus: 404,
      clerkCode: 'resource_not_found',
    });
    expect(fake.seen).toHaveLength(2);
  });
});
