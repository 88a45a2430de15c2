// The emulator against Clerk's spec: every route it serves answers what the spec's schemas describe (User, Session,
// list answers, the error body), it enforces what Clerk enforces (limit 1..500, cursor rules, created_at windows,
// deep offsets, the rate limits with Retry-After), and every event type it sends validates against the webhook
// spec's schema for that type, with the behaviours a kinder emulator hid: session events embedding the user,
// sessions expiring with no event, users created in one millisecond, tied updated_at, and webhook JSON that is
// not byte-identical to the API's. Organizations too: their routes (list, by id or slug, memberships, invitations, a
// user's memberships, every membership of the instance) and their nine event types, invitations held to the strict
// schema (every field the spec requires of them).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ClerkEmailEventDataSchema,
  ClerkErrorsSchema,
  ClerkOrganizationEventSchema,
  ClerkOrganizationInvitationStrictSchema,
  ClerkOrganizationListSchema,
  ClerkOrganizationMembershipEventSchema,
  ClerkOrganizationMembershipListSchema,
  ClerkOrganizationSchema,
  ORGANIZATION_EVENT_TYPES,
  ORGANIZATION_INVITATION_EVENT_TYPES,
  ORGANIZATION_MEMBERSHIP_EVENT_TYPES,
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

describe('organization routes answer what the spec describes', () => {
  const Invitations = clerkPaginatedListSchema(ClerkOrganizationInvitationStrictSchema);
  type Org = z.infer<typeof ClerkOrganizationSchema>;

  it('organizations (list, by id, by slug), memberships, invitations and a user’s memberships', async () => {
    const [admin, a, b, invitee] = clerk.importUsers(4, { sendWebhook: false });
    const quiet = { sendWebhook: false };
    const org = clerk.createOrganization({ name: 'Contract Works', created_by: admin!.id }, quiet);
    clerk.createMembership(org.id, a!.id, { role: 'org:billing' }, quiet);
    clerk.createMembership(org.id, b!.id, {}, quiet);
    const invitation = clerk.createInvitation(
      org.id,
      { email_address: invitee!.email_addresses[0]!.email_address, inviter_id: admin!.id },
      quiet,
    );
    clerk.createInvitation(org.id, { email_address: 'later@example.com' }, quiet);
    clerk.revokeInvitation(clerk.createInvitation(org.id, { email_address: 'no@example.com' }, quiet).id, quiet);

    const list = (await valid('/v1/organizations?limit=500', ClerkOrganizationListSchema)) as { data: Org[] };
    // counts only when asked for, as the spec's include_members_count says
    expect(list.data.find((o) => o.id === org.id)).not.toHaveProperty('members_count');
    const counted = (await valid(
      `/v1/organizations?limit=500&include_members_count=true&include_missing_member_with_elevated_permissions=true`,
      ClerkOrganizationListSchema,
    )) as { data: Org[] };
    expect(counted.data.find((o) => o.id === org.id)).toMatchObject({
      members_count: 3,
      pending_invitations_count: 2,
      missing_member_with_elevated_permissions: false,
    });
    const one = (await valid(`/v1/organizations/${org.id}?include_members_count=true`, ClerkOrganizationSchema)) as Org;
    expect(one).toMatchObject({ id: org.id, slug: 'contract-works', members_count: 3 });
    expect(await valid(`/v1/organizations/${org.slug}?include_members_count=true`, ClerkOrganizationSchema)).toEqual(
      one,
    );

    const memberships = (await valid(
      `/v1/organizations/${org.id}/memberships?limit=500`,
      ClerkOrganizationMembershipListSchema,
    )) as z.infer<typeof ClerkOrganizationMembershipListSchema>;
    expect(memberships.total_count).toBe(3);
    expect(memberships.data.every((m) => m.organization.id === org.id)).toBe(true);
    expect(memberships.data.find((m) => m.public_user_data?.user_id === a!.id)).toMatchObject({
      role: 'org:billing',
      role_name: 'Billing manager',
      permissions: ['org:sys_memberships:read', 'org:sys_billing:manage'],
    });

    const invitations = (await valid(`/v1/organizations/${org.id}/invitations`, Invitations)) as z.infer<
      typeof Invitations
    >;
    expect(invitations.total_count).toBe(3);
    const pending = (await valid(`/v1/organizations/${org.id}/invitations?status=pending`, Invitations)) as z.infer<
      typeof Invitations
    >;
    expect(pending.data.map((i) => i.status)).toEqual(['pending', 'pending']);
    expect(pending.data.find((i) => i.id === invitation.id)?.public_inviter_data?.user_id).toBe(admin!.id);

    // accepted: a membership more, the invitation out of the pending count, and no user_id in the API's copy
    clerk.acceptInvitation(invitation.id, undefined, quiet);
    const accepted = (await valid(`/v1/organizations/${org.id}/invitations?status=accepted`, Invitations)) as z.infer<
      typeof Invitations
    >;
    expect(accepted.data.map((i) => i.id)).toEqual([invitation.id]);
    expect(accepted.data[0]).not.toHaveProperty('user_id');
    expect(
      await valid(`/v1/organizations/${org.id}?include_members_count=true`, ClerkOrganizationSchema),
    ).toMatchObject({ members_count: 4, pending_invitations_count: 1 });

    const mine = (await valid(
      `/v1/users/${invitee!.id}/organization_memberships`,
      ClerkOrganizationMembershipListSchema,
    )) as z.infer<typeof ClerkOrganizationMembershipListSchema>;
    expect(mine.data.map((m) => [m.organization.id, m.role])).toEqual([[org.id, 'org:member']]);
  });

  it('filters and orders as the spec lists them; offset paging visits each organization once', async () => {
    const people = clerk.importUsers(3, { sendWebhook: false });
    const quiet = { sendWebhook: false };
    const made = ['Zeta Paging', 'Alpha Paging', 'Mid Paging'].map((name, i) =>
      clerk.createOrganization({ name, created_by: people[i]!.id }, quiet),
    );
    clerk.createMembership(made[2]!.id, people[0]!.id, {}, quiet);
    const ids = async (q: string) =>
      ((await valid(`/v1/organizations?${q}`, ClerkOrganizationListSchema)) as { data: Org[] }).data.map((o) => o.id);
    expect(await ids('query=paging&order_by=name')).toEqual([made[1]!.id, made[2]!.id, made[0]!.id]);
    expect(await ids('query=paging&order_by=-name')).toEqual([made[0]!.id, made[2]!.id, made[1]!.id]);
    expect((await ids('query=paging&order_by=-members_count'))[0]).toBe(made[2]!.id);
    expect(await ids(`query=${made[0]!.id}`)).toEqual([made[0]!.id]); // the id: exact match
    expect((await ids(`user_id=${people[0]!.id}`)).sort()).toEqual([made[0]!.id, made[2]!.id].sort());
    expect(await ids(`query=paging&order_by=name&user_id=-${people[0]!.id}`)).toEqual([made[1]!.id]);
    expect(await ids(`organization_id=${made[0]!.id}&organization_id=%2B${made[1]!.id}&order_by=name`)).toEqual([
      made[1]!.id,
      made[0]!.id,
    ]);

    const members = async (q: string) =>
      (
        (await valid(
          `/v1/organizations/${made[2]!.id}/memberships?${q}`,
          ClerkOrganizationMembershipListSchema,
        )) as z.infer<typeof ClerkOrganizationMembershipListSchema>
      ).data.map((m) => m.public_user_data!.user_id);
    expect(await members('role=org:admin')).toEqual([people[2]!.id]);
    expect(await members(`user_id=-${people[2]!.id}`)).toEqual([people[0]!.id]);
    const email = people[0]!.email_addresses[0]!.email_address;
    expect(await members(`email_address=${encodeURIComponent(email.toUpperCase())}`)).toEqual([people[0]!.id]);
    expect((await members('order_by=%2Bcreated_at')).length).toBe(2);

    // every organization once, walked 2 at a time by offset
    const total = ((await valid('/v1/organizations?limit=1', ClerkOrganizationListSchema)) as { total_count: number })
      .total_count;
    const walked: string[] = [];
    for (let offset = 0; offset < total; offset += 2) walked.push(...(await ids(`limit=2&offset=${offset}`)));
    expect(walked.sort()).toEqual(clerk.store.organizationIds().sort());
  });

  it('errors: 404 with Clerk’s body for what does not exist (or no longer does), 422 for bad parameters', async () => {
    const [u] = clerk.importUsers(1, { sendWebhook: false });
    const gone = clerk.createOrganization({ created_by: u!.id }, { sendWebhook: false });
    clerk.deleteOrganization(gone.id, { sendWebhook: false });
    for (const path of [
      '/v1/organizations/org_nobody',
      `/v1/organizations/${gone.id}`,
      `/v1/organizations/${gone.slug}`,
      `/v1/organizations/${gone.id}/memberships`,
      `/v1/organizations/${gone.id}/invitations`,
      '/v1/organizations/org_nobody/memberships',
      '/v1/users/user_nobody/organization_memberships',
    ]) {
      expect((await errorOf(path, 404)).errors[0]!.code, path).toBe('resource_not_found');
    }
    const someOrg = clerk.createOrganization({ created_by: u!.id }, { sendWebhook: false });
    const bad: [string, string][] = [
      ['/v1/organizations?limit=0', 'limit'],
      ['/v1/organizations?limit=501', 'limit'],
      ['/v1/organizations?offset=-1', 'offset'],
      ['/v1/organizations?order_by=-updated_at', 'order_by'],
      ['/v1/organizations?include_members_count=yes', 'include_members_count'],
      [
        `/v1/organizations?${Array.from({ length: 101 }, (_, i) => `organization_id=org_${i}`).join('&')}`,
        'organization_id',
      ],
      [`/v1/organizations/${someOrg.id}/memberships?limit=501`, 'limit'],
      [`/v1/organizations/${someOrg.id}/memberships?order_by=role`, 'order_by'],
      [`/v1/organizations/${someOrg.id}/memberships?created_at_after=soon`, 'created_at_after'],
      [`/v1/organizations/${someOrg.id}/invitations?status=lost`, 'status'],
      [`/v1/organizations/${someOrg.id}/invitations?order_by=role`, 'order_by'],
      [`/v1/organizations/${someOrg.id}/invitations?limit=0`, 'limit'],
      [`/v1/users/${u!.id}/organization_memberships?limit=501`, 'limit'],
    ];
    for (const [path, param] of bad) {
      const body = await errorOf(path, 422);
      expect(body.errors[0], path).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: param } });
    }
    const unauth = await fetch(`${clerk.url}/v1/organizations`, { headers: { authorization: 'Bearer sk_test_no' } });
    expect(unauth.status).toBe(401);
    expect(ClerkErrorsSchema.safeParse(await unauth.json()).success).toBe(true);
  });

  it('every membership of the instance: offset pages of `{ data, total_count }` in created_at order', async () => {
    const people = clerk.importUsers(3, { sendWebhook: false });
    const quiet = { sendWebhook: false };
    const first = clerk.createOrganization({ name: 'Instance One', created_by: people[0]!.id }, quiet);
    const second = clerk.createOrganization({ name: 'Instance Two', created_by: people[1]!.id }, quiet);
    clerk.createMembership(first.id, people[2]!.id, { role: 'org:billing' }, quiet);
    const truth = [
      ...clerk.store.memberships({ organizationId: first.id }),
      ...clerk.store.memberships({ organizationId: second.id }),
    ];

    type Memberships = z.infer<typeof ClerkOrganizationMembershipListSchema>;
    const all = (await valid(
      '/v1/organization_memberships?limit=500&order_by=%2Bcreated_at',
      ClerkOrganizationMembershipListSchema,
    )) as Memberships;
    expect(all.total_count).toBe(clerk.store.memberships().length);
    const times = all.data.map((m) => m.created_at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // each as the organization's own list answers it, its organization embedded
    for (const m of truth) expect(all.data.find((x) => x.id === m.id)).toEqual(m);
    const newestFirst = (await valid(
      '/v1/organization_memberships?limit=500&order_by=-created_at',
      ClerkOrganizationMembershipListSchema,
    )) as Memberships;
    expect(newestFirst.data.map((m) => m.id)).toEqual(all.data.map((m) => m.id).reverse());

    // offset pages visit each membership once
    const walked: string[] = [];
    for (let offset = 0; offset < all.total_count; offset += 2) {
      const page = (await valid(
        `/v1/organization_memberships?limit=2&offset=${offset}&order_by=%2Bcreated_at`,
        ClerkOrganizationMembershipListSchema,
      )) as Memberships;
      expect(page.total_count).toBe(all.total_count);
      walked.push(...page.data.map((m) => m.id));
    }
    expect(walked).toEqual(all.data.map((m) => m.id));

    // a removed membership is no longer listed
    clerk.deleteMembership(first.id, people[2]!.id, quiet);
    const after = (await valid(
      '/v1/organization_memberships?limit=500',
      ClerkOrganizationMembershipListSchema,
    )) as Memberships;
    expect(after.total_count).toBe(all.total_count - 1);
    expect(
      after.data.some((m) => m.organization.id === first.id && m.public_user_data?.user_id === people[2]!.id),
    ).toBe(false);

    for (const [path, param] of [
      ['/v1/organization_memberships?limit=0', 'limit'],
      ['/v1/organization_memberships?limit=501', 'limit'],
      ['/v1/organization_memberships?offset=-1', 'offset'],
      ['/v1/organization_memberships?order_by=role', 'order_by'],
    ] as const) {
      const body = await errorOf(path, 422);
      expect(body.errors[0], path).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: param } });
    }
    const unauth = await fetch(`${clerk.url}/v1/organization_memberships`, {
      headers: { authorization: 'Bearer sk_test_no' },
    });
    expect(unauth.status).toBe(401);
  });

  it('the organization routes share the secret key’s rate limit (429 with Retry-After)', async () => {
    clerk.setRateLimit({ requests: 3, windowMs: 10_000 });
    const answers = [];
    for (const path of ['/v1/organizations', '/v1/users/count', '/v1/organization_memberships', '/v1/organizations'])
      answers.push(await get(path));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ClerkErrorsSchema.parse(await answers[3]!.json()).errors[0]!.code).toBe('too_many_requests');
    await Promise.all(answers.slice(0, 3).map((r) => r.body?.cancel()));
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
    // every organization event type, then the activity's own mix of them
    const member = clerk.createUser();
    const org = clerk.createOrganization({ created_by: u.id });
    clerk.updateOrganization(org.id, { name: 'Renamed Inc' });
    clerk.createMembership(org.id, member.id);
    clerk.updateMembership(org.id, member.id, { role: 'org:admin' });
    clerk.deleteMembership(org.id, member.id);
    clerk.acceptInvitation(clerk.createInvitation(org.id, { email_address: 'new.member@example.com' }).id);
    clerk.revokeInvitation(clerk.createInvitation(org.id, { email_address: 'never@example.com' }).id);
    for (let i = 0; i < 60; i++) clerk.activityTick();
    clerk.deleteOrganization(org.id);
    clerk.deleteUser(u.id);
    await clerk.settled();
    const schemas: Record<string, z.ZodType> = {
      user: ClerkUserEventSchema,
      session: ClerkSessionEventSchema,
      email: clerkEventSchema(ClerkEmailEventDataSchema),
      organization: ClerkOrganizationEventSchema,
      organizationMembership: ClerkOrganizationMembershipEventSchema,
      // what the emulator sends must carry every field the spec requires of an invitation, inviter included
      organizationInvitation: clerkEventSchema(ClerkOrganizationInvitationStrictSchema).extend({
        type: z.enum(ORGANIZATION_INVITATION_EVENT_TYPES),
      }),
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
      // the accepted invitation names who accepted it; the others do not
      if (event.type.startsWith('organizationInvitation.')) {
        expect(typeof event.data.user_id, event.type).toBe(
          event.type === 'organizationInvitation.accepted' ? 'string' : 'undefined',
        );
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'email.created',
        'session.created',
        'session.ended',
        'session.removed',
        'session.revoked',
        'user.created',
        'user.deleted',
        'user.updated',
        ...ORGANIZATION_EVENT_TYPES,
        ...ORGANIZATION_MEMBERSHIP_EVENT_TYPES,
        ...ORGANIZATION_INVITATION_EVENT_TYPES,
      ].sort(),
    );
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
