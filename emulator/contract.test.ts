// The emulator against Clerk's spec: every route it serves answers what the spec's schemas describe (User, Session,
// list answers, the error body), it enforces what Clerk enforces (limit 1..500, cursor rules, created_at windows,
// deep offsets, the rate limits with Retry-After), and every event type it sends validates against the webhook
// spec's schema for that type, with the behaviours a kinder emulator hid: session events embedding the user,
// sessions expiring with no event, users created in one millisecond, tied updated_at, and webhook JSON that is
// not byte-identical to the API's.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  ClerkEmailEventDataSchema,
  ClerkErrorsSchema,
  ClerkSessionEventSchema,
  ClerkSessionListSchema,
  ClerkSessionSchema,
  ClerkTotalCountSchema,
  ClerkUserEventSchema,
  ClerkUserListSchema,
  ClerkUserSchema,
  clerkEventSchema,
  clerkPaginatedListSchema,
} from '../server/src/clerk/clerk-json.ts';
import { startEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';
import { startTestReceiver, type TestReceiver } from './test-receiver.ts';
import { PRODUCTION_INSTANCE_RATE_LIMIT } from './rate-limit.ts';

const HOUR = 3_600_000;
// the real clock, moved forward by `skew` where a test needs time to pass (session deadlines)
let skew = 0;
const now = () => Date.now() + skew;
const secretKey = generateSecretKey();
let clerk: Emulator & { url: string };
let receiver: TestReceiver;

beforeAll(async () => {
  const signingSecret = generateSigningSecret();
  receiver = await startTestReceiver({ secret: signingSecret });
  clerk = await startEmulator({
    signingSecret,
    secretKey,
    targets: [receiver.url],
    seed: 12,
    rateLimit: null,
    timeFactor: 0.001,
    now,
    userList: { deepOffset: { slowAfter: 20, msPerRow: 1, timeoutMs: 19 } }, // 504 from offset 40
    sessionLifetime: { expireMs: HOUR, abandonMs: 2 * HOUR },
  });
});
afterAll(async () => {
  await clerk?.close();
  await receiver?.close();
});
afterEach(() => clerk.setRateLimit(null));

const get = (path: string) => fetch(`${clerk.url}${path}`, { headers: { authorization: `Bearer ${secretKey}` } });
async function valid(path: string, schema: z.ZodType, status = 200) {
  const res = await get(path);
  const body: unknown = await res.json();
  expect(res.status, path).toBe(status);
  const r = schema.safeParse(body);
  expect(r.error?.issues, path).toBeUndefined();
  return body;
}
const errorOf = async (path: string, status: number) =>
  (await valid(path, ClerkErrorsSchema, status)) as z.infer<typeof ClerkErrorsSchema>;

describe('every Backend API route answers what the spec describes', () => {
  it('users: list, count, one, and the error bodies', async () => {
    const users = clerk.importUsers(30, { sendWebhook: false });
    const u = users[0]!;
    clerk.createSession(u.id, {}, { sendWebhook: false });
    await valid('/v1/users?limit=500', ClerkUserListSchema);
    await valid('/v1/users/count', ClerkTotalCountSchema);
    await valid(`/v1/users/${u.id}`, ClerkUserSchema);
    await valid(`/v1/sessions?user_id=${u.id}`, ClerkSessionListSchema);
    await valid(`/v1/sessions?user_id=${u.id}&paginated=true`, clerkPaginatedListSchema(ClerkSessionSchema));
    await valid(`/v1/sessions/${clerk.store.sessions({ userId: u.id })[0]!.id}`, ClerkSessionSchema);
    expect((await errorOf('/v1/users/user_nobody', 404)).errors[0]!.code).toBe('resource_not_found');
    expect((await errorOf('/v1/sessions/sess_nobody', 404)).errors[0]!.code).toBe('resource_not_found');
    expect((await errorOf('/v1/nothing-here', 404)).errors[0]!.code).toBe('resource_not_found');
    const unauth = await fetch(`${clerk.url}/v1/users`, { headers: { authorization: 'Bearer sk_test_wrong' } });
    expect(unauth.status).toBe(401);
    expect(ClerkErrorsSchema.safeParse(await unauth.json()).success).toBe(true);
  });

  it('limit must be 1..500; a cursor needs the created_at order and no offset (422)', async () => {
    for (const limit of [0, 501])
      expect((await errorOf(`/v1/users?limit=${limit}`, 422)).errors[0]!.meta).toEqual({ param_name: 'limit' });
    await valid('/v1/users?limit=1', ClerkUserListSchema);
    await valid('/v1/users?limit=500', ClerkUserListSchema);
    const first = ((await valid('/v1/users?limit=1', ClerkUserListSchema)) as { id: string }[])[0]!.id;
    expect((await errorOf(`/v1/users?starting_after=${first}&offset=10`, 422)).errors[0]!.long_message).toContain(
      'offset',
    );
    expect(
      (await errorOf(`/v1/users?starting_after=${first}&order_by=-updated_at`, 422)).errors[0]!.long_message,
    ).toContain('created_at');
    await valid(`/v1/users?starting_after=${first}&offset=0&order_by=%2Bcreated_at`, ClerkUserListSchema);
  });

  it('created_at_after / created_at_before narrow the list (ms), also with a cursor; users of one millisecond all show', async () => {
    const t = now() + 1000;
    const batch = clerk.importUsers(7, { sendWebhook: false, createdAt: t + 1 }); // created in the same millisecond
    expect(new Set(batch.map((u) => u.created_at))).toEqual(new Set([t + 1]));
    const ids = batch.map((u) => u.id).sort();
    const inWindow = (await valid(
      `/v1/users?limit=500&created_at_after=${t}&created_at_before=${t + 2}`,
      ClerkUserListSchema,
    )) as { id: string }[];
    expect(inWindow.map((u) => u.id).sort()).toEqual(ids);
    // exclusive bounds
    expect(
      await valid(`/v1/users?limit=500&created_at_after=${t + 1}&created_at_before=${t + 2}`, ClerkUserListSchema),
    ).toEqual([]);
    // walked by cursor inside the window, 3 at a time, nothing dropped or repeated
    const walked: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await valid(
        `/v1/users?limit=3&created_at_after=${t}&created_at_before=${t + 2}${after ? `&starting_after=${after}` : ''}`,
        ClerkUserListSchema,
      )) as { id: string }[];
      walked.push(...page.map((u) => u.id));
      if (page.length < 3) break;
      after = page.at(-1)!.id;
    }
    expect(walked.sort()).toEqual(ids);
    expect((await errorOf('/v1/users?created_at_after=yesterday', 422)).errors[0]!.meta).toEqual({
      param_name: 'created_at_after',
    });
  });

  it('deep offsets slow down, then time out with 504', async () => {
    await valid('/v1/users?limit=10&offset=25', ClerkUserListSchema); // slow but answered
    expect((await errorOf('/v1/users?limit=10&offset=40', 504)).errors[0]!.code).toBe('request_timeout');
    await valid('/v1/users?limit=10&offset=0', ClerkUserListSchema);
  });

  it('the 100 and 1,000 requests / 10 s limits answer 429 with Retry-After', async () => {
    for (const limit of [{ requests: 100, windowMs: 10_000 }, PRODUCTION_INSTANCE_RATE_LIMIT]) {
      clerk.setRateLimit(limit);
      const answers = await Promise.all(Array.from({ length: limit.requests + 1 }, () => get('/v1/users/count')));
      expect(answers.filter((r) => r.status === 200)).toHaveLength(limit.requests);
      const limited = answers.find((r) => r.status === 429)!;
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(ClerkErrorsSchema.parse(await limited.json()).errors[0]!.code).toBe('too_many_requests');
      await Promise.all(answers.filter((r) => r !== limited).map((r) => r.body?.cancel()));
    }
  });
});

describe('webhooks as the spec describes them', () => {
  it('every event type it sends validates against its schema; session events embed the user', async () => {
    const u = clerk.createUser();
    clerk.updateUser(u.id, { first_name: 'Changed' });
    const s1 = clerk.createSession(u.id);
    clerk.endSession(s1.id);
    clerk.revokeSession(clerk.createSession(u.id).id);
    clerk.removeSession(clerk.createSession(u.id).id);
    for (let i = 0; i < 60; i++) clerk.activityTick();
    clerk.deleteUser(u.id);
    await clerk.settled();
    const schemas: Record<string, z.ZodType> = {
      user: ClerkUserEventSchema,
      session: ClerkSessionEventSchema,
      email: clerkEventSchema(ClerkEmailEventDataSchema),
    };
    const seen = new Set<string>();
    for (const m of receiver.requests) {
      const event = JSON.parse(m.body) as { type: string; data: Record<string, unknown> };
      const schema = schemas[event.type.split('.')[0]!];
      expect(schema, `a schema for ${event.type}`).toBeDefined();
      const r = schema!.safeParse(event);
      expect(r.error?.issues, event.type).toBeUndefined();
      seen.add(event.type);
      if (event.type.startsWith('session.')) expect((event.data.user as { id: string }).id).toBe(event.data.user_id);
    }
    expect([...seen].sort()).toEqual([
      'email.created',
      'session.created',
      'session.ended',
      'session.removed',
      'session.revoked',
      'user.created',
      'user.deleted',
      'user.updated',
    ]);
  });

  it("a user's webhook JSON has the API's content but not its bytes", async () => {
    const u = clerk.createUser();
    await clerk.settled();
    const sent = receiver.requests.map((m) => m.body).find((b) => b.includes(u.id) && b.includes('"user.created"'))!;
    const data = (JSON.parse(sent) as { data: unknown }).data;
    const api = await (await get(`/v1/users/${u.id}`)).text();
    expect(data).toEqual(JSON.parse(api));
    expect(JSON.stringify(data)).not.toBe(api);
  });

  it('sessions expire, then are abandoned, with no event', async () => {
    const u = clerk.createUser();
    const a = clerk.createSession(u.id);
    await clerk.settled();
    const before = clerk.messages().length;
    skew += HOUR;
    try {
      expect(clerk.store.getSession(a.id)).toMatchObject({ status: 'expired', updated_at: a.expire_at });
      const listed = (await valid(`/v1/sessions?user_id=${u.id}`, ClerkSessionListSchema)) as {
        id: string;
        status: string;
      }[];
      expect(listed.find((x) => x.id === a.id)?.status).toBe('expired');
      const b = clerk.createSession(
        u.id,
        { expire_at: now() + 3 * HOUR, abandon_at: now() + HOUR },
        { sendWebhook: false },
      );
      skew += HOUR;
      expect(clerk.store.getSession(b.id)?.status).toBe('abandoned');
      expect(clerk.messages().length).toBe(before); // no event for either
    } finally {
      skew = 0;
    }
  });

  it('with ties on, consecutive events of a user share an updated_at sometimes', async () => {
    clerk.setTies(0.5);
    try {
      const u = clerk.createUser({}, { sendWebhook: false });
      const times = Array.from(
        { length: 40 },
        (_, i) => clerk.updateUser(u.id, { first_name: `N${i}` }, { sendWebhook: false }).updated_at,
      );
      const ties = times.filter((t, i) => i > 0 && t === times[i - 1]).length;
      expect(ties).toBeGreaterThan(5);
      expect(ties).toBeLessThan(39);
    } finally {
      clerk.setTies(0);
    }
  });
});
