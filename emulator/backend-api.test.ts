// Backend API compatibility, checked through the real @clerk/backend client pointed at the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClerkClient, type ClerkClient } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';
import { startEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';

const secretKey = generateSecretKey();
let emulator: Emulator & { url: string };
let clerk: ClerkClient;

beforeAll(async () => {
  emulator = await startEmulator({
    signingSecret: generateSigningSecret(),
    secretKey,
    targets: [],
    seed: 7,
    seedUsers: 25,
    rateLimit: null,
  });
  clerk = createClerkClient({ secretKey, apiUrl: emulator.url });
});
afterAll(() => emulator.close());

const get = (path: string, key = secretKey) =>
  fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

describe('users through @clerk/backend', () => {
  it('getUser returns the same user, raw is the snake_case JSON', async () => {
    const truth = emulator.store.users()[3]!;
    const user = await clerk.users.getUser(truth.id);
    expect(user.id).toBe(truth.id);
    expect(user.firstName).toBe(truth.first_name);
    expect(user.primaryEmailAddress?.emailAddress).toBe(truth.email_addresses[0]!.email_address);
    expect(user.raw).toEqual(truth);
  });

  it('getUserList with limit/offset/orderBy, and getCount', async () => {
    const all = emulator.store.users();
    const byCreatedDesc = [...all].sort((a, b) => b.created_at - a.created_at).map((u) => u.id);
    const page1 = await clerk.users.getUserList({ limit: 10, offset: 0 });
    expect(page1.totalCount).toBe(25);
    expect(page1.data.map((u) => u.id)).toEqual(byCreatedDesc.slice(0, 10));
    const page3 = await clerk.users.getUserList({ limit: 10, offset: 20 });
    expect(page3.data.map((u) => u.id)).toEqual(byCreatedDesc.slice(20));

    const asc = await clerk.users.getUserList({ limit: 500, orderBy: '+created_at' });
    expect(asc.data.map((u) => u.id)).toEqual([...byCreatedDesc].reverse());
    const byUpdated = await clerk.users.getUserList({ limit: 5, orderBy: '-updated_at' });
    const updatedAts = byUpdated.data.map((u) => u.updatedAt);
    expect(updatedAts).toEqual([...updatedAts].sort((a, b) => b - a));

    expect(await clerk.users.getCount()).toBe(25);
  });

  it('filters by user_id, email_address and query', async () => {
    const [a, b] = emulator.store.users();
    const byId = await clerk.users.getUserList({ userId: [a!.id, b!.id] });
    expect(byId.data.map((u) => u.id).sort()).toEqual([a!.id, b!.id].sort());
    expect(byId.totalCount).toBe(2);

    const email = a!.email_addresses[0]!.email_address;
    const byEmail = await clerk.users.getUserList({ emailAddress: [email] });
    expect(byEmail.data.map((u) => u.id)).toEqual([a!.id]);

    const byQuery = await clerk.users.getUserList({ query: email.slice(0, -2).toUpperCase() });
    expect(byQuery.data.map((u) => u.id)).toContain(a!.id);
    expect(await clerk.users.getCount({ query: 'no-such-thing-anywhere' })).toBe(0);
  });

  it('unknown and deleted users are 404 resource_not_found', async () => {
    const err = await clerk.users.getUser('user_2doesnotexist000000000000').catch((e: unknown) => e);
    expect(isClerkAPIResponseError(err)).toBe(true);
    if (!isClerkAPIResponseError(err)) return;
    expect(err.status).toBe(404);
    expect(err.errors[0]!.code).toBe('resource_not_found');
    expect(err.clerkTraceId).toBeTruthy();

    const victim = emulator.createUser({}, { sendWebhook: false });
    await expect(clerk.users.getUser(victim.id)).resolves.toMatchObject({ id: victim.id });
    emulator.deleteUser(victim.id, { sendWebhook: false });
    const gone = await clerk.users.getUser(victim.id).catch((e: unknown) => e);
    expect(isClerkAPIResponseError(gone) && gone.status).toBe(404);
    expect(emulator.store.isDeleted(victim.id)).toBe(true);
  });

  it('a wrong secret key is 401', async () => {
    const wrong = createClerkClient({ secretKey: 'sk_test_wrong', apiUrl: emulator.url });
    const err = await wrong.users.getUserList().catch((e: unknown) => e);
    expect(isClerkAPIResponseError(err) && err.status).toBe(401);
    expect((await fetch(`${emulator.url}/v1/users`)).status).toBe(401);
  });

  it('sessions by user', async () => {
    const u = emulator.store.users()[0]!;
    const s1 = emulator.createSession(u.id, undefined, { sendWebhook: false });
    const s2 = emulator.createSession(u.id, undefined, { sendWebhook: false });
    emulator.endSession(s1.id, { sendWebhook: false });
    const list = await clerk.sessions.getSessionList({ userId: u.id });
    expect(list.totalCount).toBe(2);
    expect(list.data.map((s) => s.id).sort()).toEqual([s1.id, s2.id].sort());
    const active = await clerk.sessions.getSessionList({ userId: u.id, status: 'active' });
    expect(active.data.map((s) => s.id)).toEqual([s2.id]);
    expect(active.data[0]!.userId).toBe(u.id);
    // without `paginated`, Clerk answers a bare array
    const raw = (await (await get(`/v1/sessions?user_id=${u.id}`)).json()) as unknown[];
    expect(raw).toHaveLength(2);
  });
});

describe('raw HTTP details', () => {
  it('answers a bare JSON array with Content-Type application/json', async () => {
    const res = await get('/v1/users?limit=2');
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { object: string }[];
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(2);
    expect(body[0]!.object).toBe('user');
    expect(await (await get('/v1/users/count')).json()).toEqual({
      object: 'total_count',
      total_count: emulator.store.users().length,
    });
  });

  it('pages with starting_after until a short page, visiting every user once', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await get(`/v1/users?limit=7&order_by=-created_at${after ? `&starting_after=${after}` : ''}`);
      const page = (await res.json()) as { id: string }[];
      seen.push(...page.map((u) => u.id));
      if (page.length < 7) break;
      after = page.at(-1)!.id;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(
      emulator.store
        .users()
        .map((u) => u.id)
        .sort(),
    );
  });

  it('accepts the bracketed array form user_id[]= and email_address[]=', async () => {
    const [a, b] = emulator.store.users();
    const res = await get(`/v1/users?user_id[]=${a!.id}&user_id[]=${b!.id}`);
    expect(((await res.json()) as unknown[]).length).toBe(2);
    const e = encodeURIComponent(b!.email_addresses[0]!.email_address);
    const res2 = await get(`/v1/users?email_address[]=${e}`);
    expect(((await res2.json()) as { id: string }[]).map((u) => u.id)).toEqual([b!.id]);
  });

  it('rejects limit > 500 and unknown order_by with 422 in Clerk error format', async () => {
    for (const q of ['limit=501', 'limit=0', 'order_by=-banana']) {
      const res = await get(`/v1/users?${q}`);
      expect(res.status).toBe(422);
      const body = (await res.json()) as {
        errors: { code: string; message: string; long_message: string }[];
        clerk_trace_id: string;
      };
      expect(body.errors[0]).toMatchObject({
        code: 'form_param_value_invalid',
        message: expect.any(String),
        long_message: expect.any(String),
      });
      expect(body.clerk_trace_id).toBeTruthy();
    }
  });
});

describe('organizations through @clerk/backend', () => {
  it('lists organizations (with counts when asked), gets one by id or slug, 404 for none', async () => {
    const quiet = { sendWebhook: false };
    const orgs = emulator.seedOrganizations(12, { membersPerOrganization: 3, ...quiet });
    const inv = emulator.createInvitation(orgs[0]!.id, { email_address: 'someone@example.com' }, quiet);
    const page = await clerk.organizations.getOrganizationList({ limit: 5, offset: 0, includeMembersCount: true });
    expect(page.totalCount).toBe(12);
    const newest = [...orgs].reverse().map((o) => o.id);
    expect(page.data.map((o) => o.id)).toEqual(newest.slice(0, 5));
    expect(page.data.every((o) => o.membersCount === 3)).toBe(true);
    const rest = await clerk.organizations.getOrganizationList({ limit: 500, offset: 5, orderBy: '-created_at' });
    expect(rest.data.map((o) => o.id)).toEqual(newest.slice(5));

    const one = await clerk.organizations.getOrganization({ slug: orgs[0]!.slug, includeMembersCount: true });
    expect(one.id).toBe(orgs[0]!.id);
    expect(one.membersCount).toBe(3);
    expect(one.raw).toMatchObject({ pending_invitations_count: 1 });
    expect((await clerk.organizations.getOrganization({ organizationId: orgs[1]!.id })).name).toBe(orgs[1]!.name);

    const err = await clerk.organizations.getOrganization({ organizationId: 'org_nobody' }).catch((e: unknown) => e);
    expect(isClerkAPIResponseError(err) && err.status).toBe(404);
    expect(isClerkAPIResponseError(err) && err.errors[0]!.code).toBe('resource_not_found');

    const invitations = await clerk.organizations.getOrganizationInvitationList({
      organizationId: orgs[0]!.id,
      status: ['pending'],
    });
    expect(invitations.data.map((i) => [i.id, i.status, i.emailAddress])).toEqual([
      [inv.id, 'pending', 'someone@example.com'],
    ]);
  });

  it('memberships of an organization and of a user', async () => {
    const org = emulator.store.organizations()[0]!;
    const list = await clerk.organizations.getOrganizationMembershipList({ organizationId: org.id, limit: 2 });
    expect(list.totalCount).toBe(3);
    expect(list.data).toHaveLength(2);
    expect(list.data.every((m) => m.organization.id === org.id)).toBe(true);
    const truth = emulator.store.memberships({ organizationId: org.id });
    const userId = truth[0]!.public_user_data!.user_id;
    const byRole = await clerk.organizations.getOrganizationMembershipList({
      organizationId: org.id,
      role: ['org:admin'],
    });
    expect(byRole.data.map((m) => m.publicUserData?.userId)).toEqual([userId]);

    const mine = await clerk.users.getOrganizationMembershipList({ userId });
    expect(mine.data.map((m) => m.organization.id)).toContain(org.id);
    expect(mine.totalCount).toBe(emulator.store.memberships({ userId }).length);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After and Clerk error body once the window is spent, then recovers', async () => {
    emulator.setRateLimit({ requests: 5, windowMs: 1_000 });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 7; i++) {
        last = await get('/v1/users/count');
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await last!.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('too_many_requests');

      // the client surfaces it as a ClerkAPIResponseError with status 429 and retryAfter
      const err = await clerk.users.getUser(emulator.store.users()[0]!.id).catch((e: unknown) => e);
      expect(isClerkAPIResponseError(err) && err.status).toBe(429);
      expect(isClerkAPIResponseError(err) && err.retryAfter).toBeGreaterThanOrEqual(1);

      await new Promise((r) => setTimeout(r, 1_050));
      expect((await get('/v1/users/count')).status).toBe(200);
    } finally {
      emulator.setRateLimit(null);
    }
  });

  it('defaults to 100 requests per 10 s like a development instance', async () => {
    const e = await startEmulator({ signingSecret: generateSigningSecret(), secretKey, targets: [] });
    try {
      expect(e.state().rateLimit).toEqual({ requests: 100, windowMs: 10_000 });
      const results = await Promise.all(
        Array.from({ length: 101 }, () =>
          fetch(`${e.url}/v1/users/count`, { headers: { authorization: `Bearer ${secretKey}` } }),
        ),
      );
      expect(results.filter((r) => r.status === 429)).toHaveLength(1);
    } finally {
      await e.close();
    }
  });
});
