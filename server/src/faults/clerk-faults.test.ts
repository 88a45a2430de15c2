// Fault suite — Clerk's Backend API misbehaves while an operator resyncs: 429 with Retry-After, 500s,
// no answer, malformed JSON, the wrong shape. Through the operator API against a scripted Clerk: the
// operator gets a clear error (with Clerk's trace id when Clerk sent one), the client backs off as told,
// and the local copy is left exactly as it was. (The client's retry logic itself: clerk-client.test.ts.)
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { createClerkClient } from '../clerk/clerk-client.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import type { ApiError, ResyncResult } from '../contract.ts';

interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** never answer (the client's timeout must fire) */
  hang?: boolean;
}

/** A Clerk that answers GET /v1/users/:id from a script, one entry per request (a resync's sessions: none). */
function scriptedClerk() {
  const script: Scripted[] = [];
  const seen: number[] = [];
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/sessions')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('[]');
    }
    seen.push(Date.now());
    const next = script.shift() ?? { status: 500, body: '{}' };
    if (next.hang) return; // closed when the test server closes
    res.writeHead(next.status ?? 200, { 'content-type': 'application/json', ...next.headers });
    res.end(next.body ?? '');
  });
  return { server, script, seen };
}

const clerkError = (code: string, traceId: string) =>
  JSON.stringify({ errors: [{ code, message: code, long_message: `Clerk says: ${code}` }], clerk_trace_id: traceId });

describe('fault suite: Clerk API faults during resync', () => {
  let s: TestServer;
  const clerk = scriptedClerk();
  const user: ClerkUserJson = makeUser({ first_name: 'Local' });
  const figures: string[] = [];

  beforeAll(async () => {
    await new Promise<void>((r) => clerk.server.listen(0, '127.0.0.1', r));
    const apiUrl = `http://127.0.0.1:${(clerk.server.address() as { port: number }).port}`;
    s = await startTestServer('sqlite', {
      clerk: createClerkClient({ apiUrl, secretKey: 'sk_test_faults', timeoutMs: 300, retries: 2, minBackoffMs: 20 }),
    });
    expect((await s.deliver(makeEvent('user.created', user, user.updated_at))).status).toBe(200);
  });
  afterAll(async () => {
    console.log(`clerk faults: ${figures.join('; ')}`);
    clerk.server.closeAllConnections();
    clerk.server.close();
    await s?.close();
  });

  const localRow = () => s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id }, omit: { lastComparedAt: true } });
  async function resync() {
    clerk.seen.length = 0;
    const t0 = Date.now();
    const res = await s.api(`/api/users/${user.id}/resync`, { method: 'POST' });
    return { res, ms: Date.now() - t0, attempts: clerk.seen.length };
  }

  const failures: { name: string; script: Scripted[]; status: number; code: string; traceId?: string }[] = [
    {
      name: '500 on every attempt',
      script: Array.from({ length: 3 }, () => ({ status: 500, body: clerkError('internal_error', 'trace_500') })),
      status: 502,
      code: 'clerk_api_error',
      traceId: 'trace_500',
    },
    {
      name: 'no answer (timeout)',
      script: Array.from({ length: 3 }, () => ({ hang: true })),
      status: 504,
      code: 'clerk_timeout',
    },
    {
      name: 'malformed JSON on every attempt',
      script: Array.from({ length: 3 }, () => ({ status: 200, body: '{"id": "user_' })),
      status: 502,
      code: 'clerk_bad_response',
    },
    {
      name: '429 longer than the client waits',
      script: Array.from({ length: 3 }, () => ({
        status: 429,
        headers: { 'retry-after': '3600' },
        body: clerkError('too_many_requests', 'trace_429'),
      })),
      status: 502,
      code: 'clerk_rate_limited',
      traceId: 'trace_429',
    },
    {
      name: '401 (revoked key), not retried',
      script: [{ status: 401, body: clerkError('authentication_invalid', 'trace_401') }],
      status: 502,
      code: 'clerk_api_error',
      traceId: 'trace_401',
    },
  ];

  it.each(failures)(
    '$name → a clear operator error, local copy unchanged',
    async ({ name, script, status, code, traceId }) => {
      const before = await localRow();
      clerk.script.push(...script);
      const { res, ms, attempts } = await resync();
      const body = (await res.json()) as ApiError;
      expect(res.status).toBe(status);
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(10);
      if (traceId) expect(body.error.clerkTraceId).toBe(traceId);
      expect(await localRow()).toEqual(before);
      figures.push(`${name} → ${res.status} ${code} after ${attempts} attempt(s), ${ms} ms`);
      clerk.script.length = 0;
    },
  );

  it('a 200 whose body is not the user asked for is refused, local copy unchanged', async () => {
    const before = await localRow();
    clerk.script.push({
      status: 200,
      body: JSON.stringify({ object: 'user', id: 'user_someone_else', updated_at: Date.now() }),
    });
    const { res } = await resync();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(600);
    expect(await localRow()).toEqual(before);
    figures.push(`wrong user in a 200 → ${res.status}`);
  });

  it('waits as long as a 429 Retry-After says, then succeeds', async () => {
    const fresh = { ...user, first_name: 'FromClerk', updated_at: user.updated_at + 1000 };
    clerk.script.push(
      { status: 429, headers: { 'retry-after': '1' }, body: clerkError('too_many_requests', 'trace_wait') },
      { status: 200, body: JSON.stringify(fresh) },
    );
    const { res, ms, attempts } = await resync();
    expect(res.status).toBe(200);
    expect(((await res.json()) as ResyncResult).result).toBe('updated');
    expect(attempts).toBe(2);
    expect(clerk.seen.length).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(1000);
    expect((await localRow()).firstName).toBe('FromClerk');
    figures.push(`429 Retry-After: 1 then 200 → 200 after ${attempts} attempts, ${ms} ms`);
  });
});
