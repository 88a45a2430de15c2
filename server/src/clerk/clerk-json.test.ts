// Clerk's wire schemas against Clerk's own examples (the webhooks spec's user.* and session.* payloads, copied into
// fixtures/) and against the cases that matter here: unknown fields kept, nullable fields, what must be refused.
// The emulator's objects are checked against the same schemas in emulator/wire-format.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ClerkDeletedUserSchema,
  ClerkErrorsSchema,
  ClerkEventSchema,
  ClerkSessionEventSchema,
  ClerkSessionSchema,
  ClerkTotalCountSchema,
  ClerkUserEventSchema,
  ClerkUserListSchema,
  ClerkUserSchema,
  ClerkOrganizationEventSchema,
  ClerkOrganizationInvitationEventSchema,
  ClerkOrganizationMembershipEventSchema,
  ORGANIZATION_EVENT_TYPES,
  ORGANIZATION_INVITATION_EVENT_TYPES,
  ORGANIZATION_MEMBERSHIP_EVENT_TYPES,
  SESSION_EVENT_TYPES,
  USER_EVENT_TYPES,
} from './clerk-json.ts';
import { parseClerkEvent } from '../webhooks/clerk-event.ts';

interface ExamplesFixture {
  source: string;
  examples: Record<string, unknown[]>;
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/clerk-webhook-examples.json', import.meta.url), 'utf8'),
) as ExamplesFixture;
const examples = Object.entries(fixture.examples).flatMap(([type, list]) =>
  list.map((payload, i) => ({ type, i, payload })),
);

const user = () => structuredClone((fixture.examples['user.updated']![0] as { data: Record<string, unknown> }).data);

describe("the webhooks spec's examples", () => {
  it('cover every user.* and session.* type', () => {
    expect(Object.keys(fixture.examples).sort()).toEqual([...USER_EVENT_TYPES, ...SESSION_EVENT_TYPES].sort());
    expect(examples.length).toBeGreaterThanOrEqual(USER_EVENT_TYPES.length + SESSION_EVENT_TYPES.length);
  });

  it.each(examples)(
    '$type example parses with the envelope and its data schema, losing nothing',
    ({ type, payload }) => {
      const schema = type.startsWith('user.') ? ClerkUserEventSchema : ClerkSessionEventSchema;
      const parsed = schema.safeParse(payload);
      expect(parsed.error?.issues).toBeUndefined();
      expect(parsed.data).toEqual(payload);
      expect(parsed.data?.type).toBe(type);
      expect(ClerkEventSchema.parse(payload)).toEqual(payload);
    },
  );

  it.each(examples)('$type example is accepted by the webhook parser', ({ type, payload }) => {
    const kind = type === 'user.deleted' ? 'user.delete' : type.startsWith('user.') ? 'user.upsert' : 'session.upsert';
    expect(parseClerkEvent(payload, new Date()).kind).toBe(kind);
  });
});

describe("the webhooks spec's organization-family examples", () => {
  const all = JSON.parse(
    readFileSync(new URL('./fixtures/clerk-webhook-examples-all.json', import.meta.url), 'utf8'),
  ) as ExamplesFixture;
  const families = [
    { types: ORGANIZATION_EVENT_TYPES, schema: ClerkOrganizationEventSchema },
    { types: ORGANIZATION_MEMBERSHIP_EVENT_TYPES, schema: ClerkOrganizationMembershipEventSchema },
    { types: ORGANIZATION_INVITATION_EVENT_TYPES, schema: ClerkOrganizationInvitationEventSchema },
  ];
  const cases = families.flatMap(({ types, schema }) =>
    types.flatMap((type) => (all.examples[type] ?? []).map((payload, i) => ({ type, i, payload, schema }))),
  );

  it('cover every organization, membership and invitation type', () => {
    expect(new Set(cases.map((c) => c.type))).toEqual(new Set(families.flatMap((f) => [...f.types])));
  });

  it.each(cases)('$type example parses with its schema, losing nothing', ({ type, payload, schema }) => {
    const parsed = schema.safeParse(payload);
    expect(parsed.error?.issues).toBeUndefined();
    expect(parsed.data).toEqual(payload);
    expect(parsed.data?.type).toBe(type);
  });
});

describe('tolerance and fidelity', () => {
  it('keeps fields Clerk adds, at the top and deep inside', () => {
    const u = {
      ...user(),
      some_new_field: { nested: [1, 2] },
      email_addresses: [
        {
          id: 'idn_1',
          object: 'email_address',
          email_address: 'a@example.com',
          reserved: false,
          verification: {
            status: 'verified',
            strategy: 'email_code',
            attempts: 1,
            expire_at: null,
            new_verification_field: true,
          },
          linked_to: [],
          created_at: 1,
          updated_at: 2,
          new_email_field: 'x',
        },
      ],
    };
    expect(ClerkUserSchema.parse(u)).toEqual(u);
  });

  it('accepts null where the spec says nullable, and refuses it where it does not', () => {
    expect(
      ClerkUserSchema.safeParse({ ...user(), first_name: null, private_metadata: null, last_active_at: null }).success,
    ).toBe(true);
    expect(ClerkUserSchema.safeParse({ ...user(), public_metadata: null }).success).toBe(false);
    expect(ClerkUserSchema.safeParse({ ...user(), updated_at: null }).success).toBe(false);
  });

  it('accepts an optional field left out, and refuses a required one', () => {
    const { image_url: _image, private_metadata: _private, ...withoutOptional } = user();
    expect(ClerkUserSchema.safeParse(withoutOptional).success).toBe(true);
    const { updated_at: _updated, ...withoutRequired } = user();
    expect(ClerkUserSchema.safeParse(withoutRequired).success).toBe(false);
  });

  it('knows the session statuses and the shape of user.deleted data', () => {
    const session = (fixture.examples['session.ended']![0] as { data: Record<string, unknown> }).data;
    expect(ClerkSessionSchema.safeParse({ ...session, status: 'pending' }).success).toBe(true);
    expect(ClerkSessionSchema.safeParse({ ...session, status: 'paused' }).success).toBe(false);
    expect(ClerkDeletedUserSchema.safeParse({ object: 'user', id: 'user_1', deleted: true }).success).toBe(true);
    expect(ClerkDeletedUserSchema.safeParse({ object: 'user', id: 'user_1', deleted: false }).success).toBe(false);
  });

  it('reads the list answers and the error body', () => {
    expect(ClerkUserListSchema.parse([user(), user()])).toHaveLength(2);
    expect(ClerkTotalCountSchema.parse({ object: 'total_count', total_count: 3 }).total_count).toBe(3);
    const error = {
      errors: [{ message: 'not found', long_message: 'Resource not found', code: 'resource_not_found', meta: {} }],
      clerk_trace_id: 't',
    };
    expect(ClerkErrorsSchema.parse(error)).toEqual(error);
    expect(ClerkErrorsSchema.safeParse({ errors: [{ message: 'no code' }] }).success).toBe(false);
  });
});
