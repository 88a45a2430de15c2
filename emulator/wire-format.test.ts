// The emulator speaks Clerk's wire format: everything its factories make, every event it delivers and every Backend
// API answer parses with the schemas in server/src/clerk/clerk-json.ts, and parsing loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ClerkDeletedOrganizationSchema,
  ClerkDeletedUserSchema,
  ClerkOrganizationInvitationStrictSchema,
  ClerkOrganizationMembershipSchema,
  ClerkOrganizationSchema,
  ClerkEmailAddressSchema,
  ClerkErrorsSchema,
  ClerkEventSchema,
  ClerkPhoneNumberSchema,
  ClerkSessionListSchema,
  ClerkSessionSchema,
  ClerkTotalCountSchema,
  ClerkUserEventSchema,
  ClerkUserListSchema,
  ClerkUserSchema,
  SESSION_EVENT_TYPES,
  USER_EVENT_TYPES,
  clerkEventSchema,
  clerkPaginatedListSchema,
} from '../server/src/clerk/clerk-json.ts';
import { createFactories } from './factories.ts';
import { startEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';
import { startTestReceiver, type TestReceiver } from './test-receiver.ts';

const NOW = Date.UTC(2026, 10, 1, 12);

/** Parses and checks that the result is the input: nothing stripped, nothing coerced. */
function expectWire(schema: z.ZodType, value: unknown) {
  const r = schema.safeParse(value);
  expect(r.error?.issues).toBeUndefined();
  expect(r.data).toEqual(value);
}

describe('factories', () => {
  const f = createFactories({ seed: 11, now: () => NOW });

  it('make users that parse, across the variations they produce (OAuth, phones, second factors)', () => {
    const users = Array.from({ length: 200 }, () => f.makeUser());
    // the sample must include the nested kinds, or this test proves less than it says
    expect(users.some((u) => u.external_accounts.length > 0)).toBe(true);
    expect(users.some((u) => u.phone_numbers.some((p) => p.reserved_for_second_factor))).toBe(true);
    for (const u of users) expectWire(ClerkUserSchema, u);
    expectWire(ClerkUserSchema, f.makeUser({ first_name: null, last_name: null, username: null }));
  });

  it('make email addresses, phone numbers, sessions and deleted users that parse', () => {
    expectWire(ClerkEmailAddressSchema, f.makeEmailAddress('ada@example.com'));
    expectWire(ClerkPhoneNumberSchema, f.makePhoneNumber());
    const user = f.makeUser();
    expectWire(ClerkSessionSchema, f.makeSession(user));
    expectWire(ClerkDeletedUserSchema, f.makeDeletedUser(user.id));
  });

  it('make organizations, memberships (role name and permissions from the role) and invitations that parse', () => {
    const users = Array.from({ length: 20 }, () => f.makeUser());
    for (const u of users) {
      const org = f.makeOrganization();
      expectWire(ClerkOrganizationSchema, org);
      expect(org.slug).toMatch(/^[a-z0-9-]+$/);
      expectWire(ClerkDeletedOrganizationSchema, f.makeDeletedOrganization(org));
      const m = f.makeOrganizationMembership(org, u, { role: 'org:admin' });
      expectWire(ClerkOrganizationMembershipSchema, m);
      expect(m).toMatchObject({ role_name: 'Admin', public_user_data: { user_id: u.id, image_url: u.image_url } });
      expect(m.permissions).toContain('org:sys_memberships:manage');
      expectWire(ClerkOrganizationInvitationStrictSchema, f.makeOrganizationInvitation(org));
      expectWire(
        ClerkOrganizationInvitationStrictSchema,
        f.makeOrganizationInvitation(org, { inviter_id: u.id, public_inviter_data: f.makePublicInviterData(u) }),
      );
    }
    expect(() => f.makeOrganizationMembership(f.makeOrganization(), users[0]!, { role: 'org:owner' })).toThrow(
      /unknown organization role/,
    );
  });

  it('wrap data in an envelope that parses', () => {
    const user = f.makeUser();
    expectWire(ClerkUserEventSchema, f.makeEvent('user.created', user));
    expectWire(ClerkUserEventSchema, f.makeEvent('user.deleted', f.makeDeletedUser(user.id)));
  });
});

describe('the running emulator', () => {
  let emulator: Emulator & { url: string };
  let receiver: TestReceiver;
  const secretKey = generateSecretKey();

  beforeAll(async () => {
    receiver = await startTestReceiver();
    emulator = await startEmulator({
      signingSecret: generateSigningSecret(),
      secretKey,
      targets: [receiver.url],
      timeFactor: 0.00001,
      seed: 3,
      seedUsers: 5,
      rateLimit: null,
    });
  });
  afterAll(async () => {
    await emulator?.close();
    await receiver?.close();
  });

  it('delivers every event type it sends as Clerk would', async () => {
    const user = emulator.createUser({ first_name: 'Ada' });
    emulator.updateUser(user.id, { last_name: 'Lovelace' });
    const [a, b, c] = [1, 2, 3].map(() => emulator.createSession(user.id));
    emulator.endSession(a!.id);
    emulator.removeSession(b!.id);
    emulator.revokeSession(c!.id);
    emulator.deleteUser(user.id);
    // the activity generator's own mix, including the event types the monitor does not project
    for (let i = 0; i < 150; i++) emulator.activityTick();
    await emulator.settled();

    const bodies = receiver.requests.map((r) => JSON.parse(r.body) as { type: string });
    const types = new Set(bodies.map((e) => e.type));
    for (const t of [
      ...USER_EVENT_TYPES,
      'session.created',
      'session.ended',
      'session.removed',
      'session.revoked',
      'email.created',
    ]) {
      expect(types).toContain(t);
    }
    // Clerk's session.* data also carries the whole `user` (ClerkSessionEventSchema); the emulator sends the session
    // alone, so its session events are checked with the session schema as their data.
    const sessionEvent = clerkEventSchema(ClerkSessionSchema).extend({ type: z.enum(SESSION_EVENT_TYPES) });
    for (const e of bodies) {
      expectWire(ClerkEventSchema, e);
      if (e.type.startsWith('user.')) expectWire(ClerkUserEventSchema, e);
      if (e.type.startsWith('session.')) expectWire(sessionEvent, e);
    }
  });

  it('answers the Backend API with Clerk-shaped JSON, errors included', async () => {
    const get = async (path: string, key = secretKey) => {
      const res = await fetch(`${emulator.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: res.status, json: (await res.json()) as unknown };
    };
    const someone = emulator.store.users()[0]!;
    emulator.createSession(someone.id);

    expectWire(ClerkUserListSchema, (await get('/v1/users?limit=500')).json);
    expectWire(ClerkUserSchema, (await get(`/v1/users/${someone.id}`)).json);
    expectWire(ClerkTotalCountSchema, (await get('/v1/users/count')).json);
    const sessions = await get(`/v1/sessions?user_id=${someone.id}`);
    expectWire(ClerkSessionListSchema, sessions.json);
    expect(sessions.json).not.toEqual([]);
    expectWire(
      clerkPaginatedListSchema(ClerkSessionSchema),
      (await get(`/v1/sessions?user_id=${someone.id}&paginated=true`)).json,
    );

    for (const answer of [
      await get('/v1/users/user_unknown'),
      await get('/v1/users', 'sk_wrong'),
      await get('/v1/users?limit=0'),
    ]) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expectWire(ClerkErrorsSchema, answer.json);
    }
  });
});
