// The Backend API client against a scripted Clerk over real HTTP: retries, Retry-After, timeouts,
// Clerk's error body and trace id.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClerkClient, ClerkApiError } from './clerk-client.ts';
import { AppError } from '../lib/errors.ts';
import { startEmulator, generateSecretKey, generateSigningSecret } from '../../../emulator/emulator.ts';

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

describe('Clerk Backend API client: organizations', () => {
  const org = (i: number) => ({ object: 'organization', id: `org_${i}`, slug: `org-${i}`, updated_at: i });
  const membership = (i: number, orgId = 'org_1', userId = `user_${i}`) => ({
    object: 'organization_membership',
    id: `orgmem_${i}`,
    updated_at: i,
    organization: { id: orgId },
    public_user_data: { user_id: userId },
  });
  const page = <T>(items: T[], total: number) => ({ data: items, total_count: total });
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

  it('gets an organization by id or slug with its counts; null on 404; refuses an answer that is another one', async () => {
    const fake = await fakeClerk([
      { status: 200, body: org(1) },
      { status: 200, body: org(1) },
      { status: 404, body: clerkError('resource_not_found', 'not found') },
      { status: 200, body: org(2) },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    expect(await c.getOrganization('org_1')).toEqual(org(1));
    expect(await c.getOrganization('org-1')).toEqual(org(1)); // by slug
    expect(await c.getOrganization('org_gone')).toBeNull();
    await expect(c.getOrganization('org_1')).rejects.toMatchObject({ code: 'clerk_bad_response', status: 502 });
    expect(fake.seen.map((s) => s.url)).toEqual([
      '/v1/organizations/org_1?include_members_count=true',
      '/v1/organizations/org-1?include_members_count=true',
      '/v1/organizations/org_gone?include_members_count=true',
      '/v1/organizations/org_1?include_members_count=true',
    ]);
  });

  it('lists every organization: pages of 500 by offset, oldest first, until a short page', async () => {
    const fake = await fakeClerk([
      { status: 200, body: page(range(0, 500).map(org), 503) },
      { status: 200, body: page(range(500, 3).map(org), 503) },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    const all = await c.listOrganizations({ query: 'acme' });
    expect(all.map((o) => o.id)).toEqual(range(0, 503).map((i) => `org_${i}`));
    expect(fake.seen.map((s) => s.url)).toEqual([
      '/v1/organizations?order_by=%2Bcreated_at&include_members_count=true&query=acme&limit=500&offset=0',
      '/v1/organizations?order_by=%2Bcreated_at&include_members_count=true&query=acme&limit=500&offset=500',
    ]);
  });

  it('stops at the total without asking for an empty page; an item shifted onto the next page shows once', async () => {
    const fake = await fakeClerk([
      { status: 200, body: page(range(0, 500).map(org), 1000) },
      // an organization created before the walk's position pushed org_499 onto the second page
      { status: 200, body: page(range(499, 500).map(org), 1000) },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    const all = await c.listOrganizations();
    expect(all).toHaveLength(999);
    expect(new Set(all.map((o) => o.id)).size).toBe(999);
    expect(fake.seen).toHaveLength(2);
  });

  it('gives up on a list whose pages do not move with the offset', async () => {
    const fake = await fakeClerk([{ status: 200, body: page(range(0, 500).map(org), 5000) }]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    await expect(c.listOrganizations()).rejects.toMatchObject({ code: 'clerk_bad_response', status: 502 });
    expect(fake.seen).toHaveLength(2);
  });

  it('a 429 in the middle of a walk waits Retry-After and goes on; a 404 list is null', async () => {
    const fake = await fakeClerk([
      {
        status: 200,
        body: page(
          range(0, 500).map((i) => membership(i)),
          700,
        ),
      },
      { status: 429, body: clerkError('too_many_requests', 'slow down'), headers: { 'retry-after': '2' } },
      {
        status: 200,
        body: page(
          range(500, 200).map((i) => membership(i)),
          700,
        ),
      },
      { status: 404, body: clerkError('resource_not_found', 'not found') },
    ]);
    const waits: number[] = [];
    const c = createClerkClient({
      apiUrl: fake.url,
      secretKey: 'sk',
      minBackoffMs: 1,
      sleep: async (ms) => void waits.push(ms),
    });
    expect((await c.listOrganizationMemberships('org_1'))?.length).toBe(700);
    expect(waits).toEqual([2000]);
    expect(fake.seen.map((s) => s.url)).toEqual([
      '/v1/organizations/org_1/memberships?order_by=%2Bcreated_at&limit=500&offset=0',
      '/v1/organizations/org_1/memberships?order_by=%2Bcreated_at&limit=500&offset=500',
      '/v1/organizations/org_1/memberships?order_by=%2Bcreated_at&limit=500&offset=500',
    ]);
    expect(await c.listOrganizationMemberships('org_gone')).toBeNull();
  });

  it('refuses a list that is not the one asked for (another organization’s, another user’s, another status)', async () => {
    const fake = await fakeClerk([
      { status: 200, body: page([membership(1, 'org_other')], 1) },
      { status: 200, body: page([membership(1, 'org_1', 'user_other')], 1) },
      {
        status: 200,
        body: page([{ object: 'organization_invitation', id: 'orginv_1', updated_at: 1, status: 'revoked' }], 1),
      },
      { status: 200, body: { data: 'nope' } },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    const bad = { code: 'clerk_bad_response', status: 502 };
    await expect(c.listOrganizationMemberships('org_1')).rejects.toMatchObject(bad);
    await expect(c.listUserOrganizationMemberships('user_1')).rejects.toMatchObject(bad);
    await expect(c.listOrganizationInvitations('org_1', 'pending')).rejects.toMatchObject(bad);
    await expect(c.listOrganizations()).rejects.toMatchObject(bad);
    expect(fake.seen.map((s) => s.url)).toEqual([
      '/v1/organizations/org_1/memberships?order_by=%2Bcreated_at&limit=500&offset=0',
      '/v1/users/user_1/organization_memberships?limit=500&offset=0',
      '/v1/organizations/org_1/invitations?order_by=%2Bcreated_at&status=pending&limit=500&offset=0',
      '/v1/organizations?order_by=%2Bcreated_at&include_members_count=true&limit=500&offset=0',
    ]);
  });

  it('asks about organizations by id (organization_id, up to 100) and refuses one it did not ask about', async () => {
    const fake = await fakeClerk([
      { status: 200, body: page([org(1)], 1) },
      { status: 200, body: page([org(1), org(9)], 2) },
    ]);
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk' });
    expect((await c.organizationsPage(0, { organizationIds: ['org_1', 'org_2'], limit: 100 })).data).toEqual([org(1)]);
    await expect(c.organizationsPage(0, { organizationIds: ['org_1', 'org_2'] })).rejects.toMatchObject({
      code: 'clerk_bad_response',
    });
    await expect(c.organizationsPage(0, { organizationIds: [] })).rejects.toThrow(RangeError);
    await expect(c.organizationsPage(0, { organizationIds: range(0, 101).map((i) => `org_${i}`) })).rejects.toThrow(
      RangeError,
    );
    expect(fake.seen.map((s) => s.url)).toEqual([
      '/v1/organizations?order_by=%2Bcreated_at&include_members_count=true&organization_id=org_1&organization_id=org_2&limit=100&offset=0',
      '/v1/organizations?order_by=%2Bcreated_at&include_members_count=true&organization_id=org_1&organization_id=org_2&limit=500&offset=0',
    ]);
  });

  it('pages every membership of the instance (GET /v1/organization_memberships), oldest first', async () => {
    const fake = await fakeClerk([
      { status: 200, body: page([membership(1, 'org_1'), membership(2, 'org_2')], 7) },
      { status: 429, body: clerkError('too_many_requests', 'slow down'), headers: { 'retry-after': '1' } },
      { status: 200, body: page([membership(3, 'org_3')], 7) },
      { status: 404, body: clerkError('resource_not_found', 'not found') },
      { status: 200, body: { data: [{ id: 'orgmem_x' }], total_count: 1 } },
    ]);
    const waits: number[] = [];
    const c = createClerkClient({ apiUrl: fake.url, secretKey: 'sk', sleep: async (ms) => void waits.push(ms) });
    expect((await c.allOrganizationMembershipsPage(0, 2)).data.map((m) => m.id)).toEqual(['orgmem_1', 'orgmem_2']);
    expect(await c.allOrganizationMembershipsPage(2, 2)).toEqual(page([membership(3, 'org_3')], 7));
    expect(waits).toEqual([1000]);
    // the list is never "not found"; a page without its organizations is not the list
    await expect(c.allOrganizationMembershipsPage(4)).rejects.toMatchObject({ httpStatus: 404 });
    await expect(c.allOrganizationMembershipsPage(4)).rejects.toMatchObject({ code: 'clerk_bad_response' });
    expect(fake.seen.map((s) => s.url)).toEqual([
      '/v1/organization_memberships?order_by=%2Bcreated_at&limit=2&offset=0',
      '/v1/organization_memberships?order_by=%2Bcreated_at&limit=2&offset=2',
      '/v1/organization_memberships?order_by=%2Bcreated_at&limit=2&offset=2',
      '/v1/organization_memberships?order_by=%2Bcreated_at&limit=500&offset=4',
      '/v1/organization_memberships?order_by=%2Bcreated_at&limit=500&offset=4',
    ]);
  });

  it('against the emulator: every membership of a large organization, a user’s, the invitations, within its rate limit', async () => {
    const clerk = await startEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [],
      seed: 8,
      seedUsers: 1_100,
      // 4 requests per second: the walks below need more, so they meet 429s with Retry-After and wait them out
      rateLimit: { requests: 4, windowMs: 1_000 },
    });
    try {
      const quiet = { sendWebhook: false };
      const [owner, ...others] = clerk.store.userIds();
      const big = clerk.createOrganization({ name: 'Big Co', created_by: owner! }, quiet);
      for (const id of others) clerk.createMembership(big.id, id, {}, quiet);
      const small = clerk.createOrganization({ name: 'Small Co', created_by: owner! }, quiet);
      clerk.createInvitation(small.id, { email_address: 'a@example.com' }, quiet);
      clerk.revokeInvitation(clerk.createInvitation(small.id, { email_address: 'b@example.com' }, quiet).id, quiet);
      const statuses: number[] = [];
      const c = createClerkClient({
        apiUrl: clerk.url,
        secretKey: clerk.secretKey,
        onResponse: (s) => statuses.push(s),
      });

      const members = await c.listOrganizationMemberships(big.id);
      expect(members).toHaveLength(1_100);
      expect(new Set(members!.map((m) => m.public_user_data?.user_id))).toEqual(new Set(clerk.store.userIds()));
      const orgs = await c.listOrganizations();
      expect(orgs.map((o) => [o.id, o.members_count])).toEqual([
        [big.id, 1_100],
        [small.id, 1],
      ]);
      expect((await c.getOrganization('small-co'))?.pending_invitations_count).toBe(1);
      expect((await c.listOrganizationInvitations(small.id, 'pending'))?.map((i) => i.email_address)).toEqual([
        'a@example.com',
      ]);
      expect(await c.listOrganizationInvitations(small.id)).toHaveLength(2);
      expect((await c.listUserOrganizationMemberships(owner!))?.map((m) => m.organization.id).sort()).toEqual(
        [big.id, small.id].sort(),
      );
      clerk.deleteOrganization(small.id, quiet);
      expect(await c.getOrganization(small.id)).toBeNull();
      expect(await c.listOrganizationMemberships(small.id)).toBeNull();
      expect(statuses).toContain(429);
    } finally {
      await clerk.close();
    }
  }, 30_000);
});
