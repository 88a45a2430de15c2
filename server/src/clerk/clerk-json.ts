// Clerk's wire format, in one place: the JSON Clerk sends in webhooks and answers on the Backend API,
// as zod schemas and the types inferred from them. Snake_case, times in epoch milliseconds, ids in
// Clerk's prefixed KSUID format. Written from Clerk's OpenAPI specs (https://github.com/clerk/openapi-specs:
// bapi/2026-05-12.yml components/schemas, webhooks/2025-04-15.yml x-webhooks):
// - a field the spec lists as required is required here, any other is optional; `nullable` there is .nullable() here;
// - every object is loose: Clerk adds fields without a new API version, and what we store must keep them all.
// The server (webhook parsing, the Backend API client, resync, reconcile) and the emulator import these. Webhook
// parsing and the client check only the fields they rely on, picked from these schemas: a payload that differs from
// the spec elsewhere must still be stored, not refused. The whole schemas type the code and the emulator, and its
// tests hold the emulator and the spec's own examples to them.
import { z } from 'zod';

/** Epoch milliseconds inside the range a JavaScript Date can hold (the spec says int64). */
export const EpochMsSchema = z.number().int().nonnegative().max(8_640_000_000_000_000);

const MetadataSchema = z.record(z.string(), z.unknown());

// ---------------------------------------------------------------------------------------------------------
// Errors (the body of every non-2xx Backend API answer)
// ---------------------------------------------------------------------------------------------------------

export const ClerkErrorSchema = z.looseObject({
  message: z.string(),
  long_message: z.string(),
  code: z.string(),
  meta: MetadataSchema.optional(),
});

export const ClerkErrorsSchema = z.looseObject({
  errors: z.array(ClerkErrorSchema),
  meta: MetadataSchema.optional(),
  clerk_trace_id: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------------------
// User and the identifications it holds
// ---------------------------------------------------------------------------------------------------------

/**
 * One schema for the spec's verification variants (verification_otp, _admin, _from_oauth, _oauth, _ticket, _saml,
 * _email_link, _scim, _web3, _passkey, _google_one_tap): their `object` discriminator is optional, so a payload
 * cannot be matched to one variant. Status is the union of the variants' enums; strategies are open (the spec
 * allows unknown values or gives patterns).
 */
export const ClerkVerificationSchema = z.looseObject({
  object: z.string().optional(),
  status: z.enum(['unverified', 'verified', 'failed', 'expired', 'transferable']),
  strategy: z.string(),
  attempts: z.number().int().nullable(),
  // required by every variant but verification_saml; nullable in all but verification_oauth
  expire_at: z.number().int().nullable().optional(),
  error: ClerkErrorSchema.nullable().optional(),
  verified_at_client: z.string().nullable().optional(),
});

export const ClerkIdentificationLinkSchema = z.looseObject({
  type: z.string(), // oauth_google, …
  id: z.string(), // idn_…
});

export const ClerkEmailAddressSchema = z.looseObject({
  id: z.string().optional(), // idn_…
  object: z.literal('email_address'),
  email_address: z.string(),
  reserved: z.boolean(),
  verification: ClerkVerificationSchema.nullable(),
  linked_to: z.array(ClerkIdentificationLinkSchema),
  matches_sso_connection: z.boolean().optional(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
});

export const ClerkPhoneNumberSchema = z.looseObject({
  id: z.string().optional(), // idn_…
  object: z.literal('phone_number'),
  phone_number: z.string(),
  reserved_for_second_factor: z.boolean().optional(),
  default_second_factor: z.boolean().optional(),
  reserved: z.boolean(),
  verification: ClerkVerificationSchema.nullable(),
  linked_to: z.array(ClerkIdentificationLinkSchema),
  backup_codes: z.array(z.string()).nullable().optional(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
});

export const ClerkWeb3WalletSchema = z.looseObject({
  id: z.string().optional(),
  object: z.literal('web3_wallet'),
  web3_wallet: z.string(),
  verification: ClerkVerificationSchema.nullable(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
});

export const ClerkPasskeySchema = z.looseObject({
  id: z.string().optional(),
  object: z.literal('passkey'),
  name: z.string(),
  last_used_at: EpochMsSchema,
  verification: ClerkVerificationSchema.nullable(),
});

export const ClerkExternalAccountSchema = z.looseObject({
  id: z.string(), // eac_…
  object: z.enum(['external_account', 'facebook_account', 'google_account']),
  provider: z.string(), // oauth_google, oauth_github, …
  identification_id: z.string(), // idn_…
  provider_user_id: z.string(),
  approved_scopes: z.string(),
  email_address: z.string(),
  email_address_verified: z.boolean().nullable().optional(),
  first_name: z.string(),
  last_name: z.string(),
  avatar_url: z.string().optional(), // deprecated in favour of image_url
  image_url: z.string().nullable().optional(),
  username: z.string().nullable().optional(),
  phone_number: z.string().nullable().optional(),
  public_metadata: MetadataSchema,
  label: z.string().nullable().optional(),
  verification: ClerkVerificationSchema.nullable(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
});

/** The connection a SAML or enterprise account signed in through (the spec requires `domain` or `domains`). */
const AccountConnectionShape = {
  id: z.string(),
  name: z.string(),
  provider: z.string(),
  active: z.boolean(),
  domain: z.string().optional(), // deprecated in favour of domains
  domains: z.array(z.string()).optional(),
  sync_user_attributes: z.boolean(),
  allow_subdomains: z.boolean().optional(),
  allow_idp_initiated: z.boolean().optional(),
  disable_additional_identifications: z.boolean().optional(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
};

export const ClerkSamlAccountSchema = z.looseObject({
  id: z.string(),
  object: z.literal('saml_account'),
  provider: z.string(),
  active: z.boolean(),
  email_address: z.string(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  provider_user_id: z.string().nullable().optional(),
  last_authenticated_at: EpochMsSchema.nullable().optional(),
  public_metadata: MetadataSchema.optional(),
  verification: ClerkVerificationSchema.nullable(),
  saml_connection: z.looseObject(AccountConnectionShape).nullable().optional(),
});

export const ClerkEnterpriseAccountSchema = z.looseObject({
  id: z.string(),
  object: z.literal('enterprise_account'),
  protocol: z.enum(['oauth', 'saml']).optional(),
  provider: z.string(),
  active: z.boolean(),
  email_address: z.string(),
  first_name: z.string().nullable().optional(),
  last_name: z.string().nullable().optional(),
  provider_user_id: z.string().nullable().optional(),
  enterprise_connection_id: z.string().nullable().optional(),
  public_metadata: MetadataSchema.optional(),
  verification: ClerkVerificationSchema.nullable(),
  enterprise_connection: z
    .looseObject({
      ...AccountConnectionShape,
      protocol: z.string(),
      logo_public_url: z.string().nullable(),
      allow_subdomains: z.boolean(),
      allow_idp_initiated: z.boolean(),
      disable_additional_identifications: z.boolean(),
    })
    .nullable()
    .optional(),
  last_authenticated_at: EpochMsSchema.nullable().optional(),
});

export const ClerkUserSchema = z.looseObject({
  id: z.string(), // user_…
  object: z.literal('user'),
  external_id: z.string().nullable(),
  primary_email_address_id: z.string().nullable(),
  primary_phone_number_id: z.string().nullable(),
  primary_web3_wallet_id: z.string().nullable(),
  username: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  locale: z.string().nullable().optional(),
  profile_image_url: z.string().optional(), // deprecated in favour of image_url
  image_url: z.string().optional(),
  has_image: z.boolean(),
  public_metadata: MetadataSchema,
  private_metadata: MetadataSchema.nullable().optional(),
  unsafe_metadata: MetadataSchema.optional(),
  email_addresses: z.array(ClerkEmailAddressSchema),
  phone_numbers: z.array(ClerkPhoneNumberSchema),
  web3_wallets: z.array(ClerkWeb3WalletSchema),
  passkeys: z.array(ClerkPasskeySchema),
  password_enabled: z.boolean(),
  two_factor_enabled: z.boolean(),
  totp_enabled: z.boolean(),
  backup_code_enabled: z.boolean(),
  mfa_enabled_at: EpochMsSchema.nullable(),
  mfa_disabled_at: EpochMsSchema.nullable(),
  password_last_updated_at: EpochMsSchema.nullable().optional(),
  external_accounts: z.array(ClerkExternalAccountSchema),
  saml_accounts: z.array(ClerkSamlAccountSchema),
  enterprise_accounts: z.array(ClerkEnterpriseAccountSchema),
  // organization memberships carry whole organizations; nothing here reads them, so they are kept unchecked
  organization_memberships: z.array(MetadataSchema).optional(),
  last_sign_in_at: EpochMsSchema.nullable(),
  banned: z.boolean(),
  locked: z.boolean(),
  deprovisioned: z.boolean().optional(),
  lockout_expires_in_seconds: z.number().int().nullable(),
  verification_attempts_remaining: z.number().int().nullable(),
  updated_at: EpochMsSchema,
  created_at: EpochMsSchema,
  delete_self_enabled: z.boolean(),
  create_organization_enabled: z.boolean(),
  create_organizations_limit: z.number().int().nullable().optional(),
  last_active_at: EpochMsSchema.nullable(),
  legal_accepted_at: EpochMsSchema.nullable(),
  bypass_client_trust: z.boolean().optional(),
  scim: z
    .looseObject({
      directory_id: z.string(),
      directory_enabled: z.boolean().optional(),
      external_id: z.string().nullable(),
    })
    .nullable()
    .optional(),
});

/** What a delete answers and what `*.deleted` events carry: no `updated_at`, so order it by the envelope timestamp. */
export const ClerkDeletedObjectSchema = z.looseObject({
  object: z.string(),
  id: z.string().optional(),
  slug: z.string().optional(),
  deleted: z.boolean(),
  external_id: z.string().optional(),
});

/** `user.deleted` data: `{ object: 'user', id, deleted: true }` (Clerk's webhook OpenAPI spec). */
export const ClerkDeletedUserSchema = ClerkDeletedObjectSchema.extend({
  object: z.literal('user'),
  id: z.string(), // user_…
  deleted: z.literal(true),
});

// ---------------------------------------------------------------------------------------------------------
// Session
// ---------------------------------------------------------------------------------------------------------

/** The Backend API's enum; the webhooks spec's copy lacks `pending`, though it defines session.pending. */
export const CLERK_SESSION_STATUSES = [
  'active',
  'pending',
  'ended',
  'removed',
  'revoked',
  'expired',
  'abandoned',
  'replaced',
] as const;

export const ClerkSessionActivitySchema = z.looseObject({
  id: z.string(), // sess_activity_…
  object: z.string(), // session_activity
  device_type: z.string().optional(),
  is_mobile: z.boolean(),
  browser_name: z.string().optional(),
  browser_version: z.string().optional(),
  ip_address: z.string().optional(),
  city: z.string().optional(),
  country: z.string().optional(),
});

export const ClerkSessionSchema = z.looseObject({
  id: z.string(), // sess_…
  object: z.literal('session'),
  user_id: z.string(),
  client_id: z.string(), // client_…
  actor: MetadataSchema.nullable().optional(),
  status: z.enum(CLERK_SESSION_STATUSES),
  last_active_organization_id: z.string().nullable().optional(),
  last_active_at: EpochMsSchema,
  latest_activity: ClerkSessionActivitySchema.nullable().optional(),
  expire_at: EpochMsSchema,
  abandon_at: EpochMsSchema,
  updated_at: EpochMsSchema,
  created_at: EpochMsSchema,
  tasks: z
    .array(z.looseObject({ key: z.string() }))
    .nullable()
    .optional(),
});

/** session.* data: the session plus its whole user (required by the webhooks spec, private_metadata included). */
export const ClerkSessionEventDataSchema = ClerkSessionSchema.extend({ user: ClerkUserSchema });

// ---------------------------------------------------------------------------------------------------------
// Organizations, memberships, invitations
// ---------------------------------------------------------------------------------------------------------

export const ClerkOrganizationSchema = z.looseObject({
  object: z.literal('organization'),
  id: z.string(), // org_…
  name: z.string(),
  slug: z.string(),
  image_url: z.string().optional(),
  has_image: z.boolean(),
  members_count: z.number().int().nonnegative().optional(),
  missing_member_with_elevated_permissions: z.boolean().optional(),
  pending_invitations_count: z.number().int().nonnegative().optional(),
  max_allowed_memberships: z.number().int(),
  admin_delete_enabled: z.boolean(),
  public_metadata: MetadataSchema,
  private_metadata: MetadataSchema.optional(),
  created_by: z.string().optional(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
  last_active_at: EpochMsSchema.optional(),
  role_set_key: z.string().nullable().optional(),
});

/** `organization.deleted` data: `{ object: 'organization', id, slug?, deleted: true }`. */
export const ClerkDeletedOrganizationSchema = ClerkDeletedObjectSchema.extend({
  object: z.literal('organization'),
  id: z.string(), // org_…
  deleted: z.literal(true),
});

/** The member's public fields a membership carries (personal data: erased with the user). */
export const ClerkOrganizationMembershipPublicUserDataSchema = z.looseObject({
  user_id: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  profile_image_url: z.string().nullable(),
  image_url: z.string(),
  has_image: z.boolean(),
  identifier: z.string().nullable().optional(),
  username: z.string().nullable().optional(),
  banned: z.boolean().optional(),
  deprovisioned: z.boolean().optional(),
});

/**
 * A user × organization membership. `organization` is required (the whole organization, as of the change);
 * `public_user_data` is optional in the spec (absent for a membership whose user is gone).
 * `organizationMembership.deleted` carries the membership as it was, `updated_at` not moved (the spec's example):
 * the deletion must win a tie.
 */
export const ClerkOrganizationMembershipSchema = z.looseObject({
  object: z.literal('organization_membership'),
  id: z.string(), // orgmem_…
  role: z.string(), // org:admin, org:member, custom keys
  role_name: z.string().optional(),
  permissions: z.array(z.string()),
  public_metadata: MetadataSchema,
  private_metadata: MetadataSchema.optional(),
  organization: ClerkOrganizationSchema,
  public_user_data: ClerkOrganizationMembershipPublicUserDataSchema.optional(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
});

export const ClerkOrganizationInvitationPublicUserDataSchema = z.looseObject({
  user_id: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  image_url: z.string(),
  has_image: z.boolean(),
  identifier: z.string(),
});

export const CLERK_ORGANIZATION_INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;

/**
 * An invitation to an organization. The spec requires `inviter_id` and `public_inviter_data`, but its own webhook
 * examples omit both: required of what the emulator sends (strict object below), optional in what we accept.
 * `status` is an open string in the spec; the values above are the ones its events use.
 * organizationInvitation.accepted adds `user_id` (the user who accepted).
 */
export const ClerkOrganizationInvitationSchema = z.looseObject({
  object: z.literal('organization_invitation'),
  id: z.string(), // orginv_…
  email_address: z.string(),
  role: z.string(),
  role_name: z.string(),
  organization_id: z.string().optional(),
  inviter_id: z.string().nullable().optional(),
  public_inviter_data: ClerkOrganizationInvitationPublicUserDataSchema.nullable().optional(),
  status: z.string().optional(),
  public_metadata: MetadataSchema,
  private_metadata: MetadataSchema.optional(),
  url: z.string().nullable(),
  expires_at: EpochMsSchema.nullable(),
  user_id: z.string().optional(),
  created_at: EpochMsSchema,
  updated_at: EpochMsSchema,
});

/** What the emulator must send and answer: the invitation with every field the spec requires. */
export const ClerkOrganizationInvitationStrictSchema = ClerkOrganizationInvitationSchema.extend({
  inviter_id: z.string().nullable(),
  public_inviter_data: ClerkOrganizationInvitationPublicUserDataSchema.nullable(),
});

// ---------------------------------------------------------------------------------------------------------
// List answers the server reads
// ---------------------------------------------------------------------------------------------------------

/** GET /v1/users: a bare array. */
export const ClerkUserListSchema = z.array(ClerkUserSchema);
/** GET /v1/users/count */
export const ClerkTotalCountSchema = z.looseObject({
  object: z.literal('total_count'),
  total_count: z.number().int().nonnegative(),
});
/** GET /v1/sessions: a bare array in the spec. */
export const ClerkSessionListSchema = z.array(ClerkSessionSchema);
/** GET /v1/organizations: `{ data, total_count }` (spec Organizations). */
export const ClerkOrganizationListSchema = z.looseObject({
  data: z.array(ClerkOrganizationSchema),
  total_count: z.number().int().nonnegative(),
});
/** GET /v1/organizations/{id}/memberships and GET /v1/users/{id}/organization_memberships (spec OrganizationMemberships). */
export const ClerkOrganizationMembershipListSchema = z.looseObject({
  data: z.array(ClerkOrganizationMembershipSchema),
  total_count: z.number().int().nonnegative(),
});
/**
 * GET /v1/sessions?paginated=true: not in the spec, but what @clerk/backend asks for and reads
 * (`{ data, total_count }` becomes its PaginatedResourceResponse).
 */
export const clerkPaginatedListSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({ data: z.array(item), total_count: z.number().int().nonnegative() });

// ---------------------------------------------------------------------------------------------------------
// Webhook events
// ---------------------------------------------------------------------------------------------------------

export const USER_EVENT_TYPES = ['user.created', 'user.updated', 'user.deleted'] as const;
export const SESSION_EVENT_TYPES = [
  'session.created',
  'session.pending',
  'session.ended',
  'session.removed',
  'session.revoked',
] as const;

export const ORGANIZATION_EVENT_TYPES = [
  'organization.created',
  'organization.updated',
  'organization.deleted',
] as const;
export const ORGANIZATION_MEMBERSHIP_EVENT_TYPES = [
  'organizationMembership.created',
  'organizationMembership.updated',
  'organizationMembership.deleted',
] as const;
export const ORGANIZATION_INVITATION_EVENT_TYPES = [
  'organizationInvitation.created',
  'organizationInvitation.accepted',
  'organizationInvitation.revoked',
] as const;

/** The envelope around every event's `data` (webhooks spec WebhookEventPayload; `object` is always "event"). */
export const ClerkEventEnvelopeSchema = z.looseObject({
  object: z.literal('event'),
  type: z.string(),
  timestamp: EpochMsSchema,
  instance_id: z.string(), // ins_…
  event_attributes: z
    .looseObject({
      http_request: z.looseObject({ client_ip: z.string().optional(), user_agent: z.string().optional() }).optional(),
    })
    .optional(),
});

/** An event whose `data` has the given shape. */
export const clerkEventSchema = <T extends z.ZodType>(data: T) => ClerkEventEnvelopeSchema.extend({ data });

/** Any event: handlers must accept (and store) types they do not project (Clerk's webhook OpenAPI spec). */
export const ClerkEventSchema = clerkEventSchema(MetadataSchema);

export const ClerkUserEventSchema = z.discriminatedUnion('type', [
  clerkEventSchema(ClerkUserSchema).extend({ type: z.enum(['user.created', 'user.updated']) }),
  clerkEventSchema(ClerkDeletedUserSchema).extend({ type: z.literal('user.deleted') }),
]);

export const ClerkSessionEventSchema = clerkEventSchema(ClerkSessionEventDataSchema).extend({
  type: z.enum(SESSION_EVENT_TYPES),
});

export const ClerkOrganizationEventSchema = z.discriminatedUnion('type', [
  clerkEventSchema(ClerkOrganizationSchema).extend({ type: z.enum(['organization.created', 'organization.updated']) }),
  clerkEventSchema(ClerkDeletedOrganizationSchema).extend({ type: z.literal('organization.deleted') }),
]);

export const ClerkOrganizationMembershipEventSchema = clerkEventSchema(ClerkOrganizationMembershipSchema).extend({
  type: z.enum(ORGANIZATION_MEMBERSHIP_EVENT_TYPES),
});

export const ClerkOrganizationInvitationEventSchema = clerkEventSchema(ClerkOrganizationInvitationSchema).extend({
  type: z.enum(ORGANIZATION_INVITATION_EVENT_TYPES),
});

// ---------------------------------------------------------------------------------------------------------
// Other events the webhooks spec defines, where they name a user
// ---------------------------------------------------------------------------------------------------------

/** email.created data (webhooks spec EmailEventPayload); `user_id` is null for mail to someone not yet a user. */
export const ClerkEmailEventDataSchema = z.looseObject({
  id: z.string(),
  object: z.literal('email'),
  slug: z.string().nullable(),
  from_email_name: z.string(),
  reply_to_email_name: z.string().nullable().optional(),
  to_email_address: z.string().optional(),
  email_address_id: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  subject: z.string().optional(),
  body: z.string().optional(),
  body_plain: z.string().nullable().optional(),
  status: z.string().optional(),
  data: MetadataSchema,
  delivered_by_clerk: z.boolean(),
});

/** sms.created data (webhooks spec SmsEventPayload). */
export const ClerkSmsEventDataSchema = z.looseObject({
  object: z.string(),
  id: z.string(),
  slug: z.string().nullable().optional(),
  from_phone_number: z.string(),
  to_phone_number: z.string(),
  phone_number_id: z.string().nullable().optional(),
  user_id: z.string().nullable().optional(),
  message: z.string(),
  status: z.string(),
  data: MetadataSchema,
  delivered_by_clerk: z.boolean(),
  created_at_ms: EpochMsSchema,
});

/**
 * Where each event type names the user it concerns (webhooks spec: User.id, Session.user_id,
 * EmailEventPayload/SmsEventPayload.user_id, OrganizationInvitationAcceptedPayload.user_id,
 * OrganizationMembership.public_user_data.user_id, OrganizationInvitation.inviter_id, and
 * BillingPayerEventPayload.user_id under `payer` for paymentAttempt.*, subscription.*, subscriptionItem.*).
 * Tried in order; the first string wins.
 */
export const EVENT_USER_ID_PATHS: readonly (readonly string[])[] = [
  ['user_id'],
  ['public_user_data', 'user_id'],
  ['payer', 'user_id'],
  ['inviter_id'],
];

/** The user an event's data names, for types whose data is not a user (null when it names none). */
export function nestedUserIdOf(data: Record<string, unknown>): string | null {
  for (const path of EVENT_USER_ID_PATHS) {
    let v: unknown = data;
    for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (typeof v === 'string' && v.startsWith('user_')) return v;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Volatile user fields, the envelope's time, the API version
// ---------------------------------------------------------------------------------------------------------

/**
 * User fields Clerk changes on its own, without a user.updated (from the spec's descriptions of User): they are
 * shown when they differ, but a copy that differs only in them is not drift.
 * - last_active_at: "the latest session activity, with day precision" (moves with every active session)
 * - last_sign_in_at: "last sign-in" (a sign-in sends session.created, not user.updated)
 * - lockout_expires_in_seconds: "seconds remaining until the lockout period expires" (counts down)
 * - verification_attempts_remaining: "attempts remaining until the user is locked" (each failed attempt)
 */
export const CLERK_USER_VOLATILE_FIELDS: ReadonlySet<string> = new Set([
  'last_active_at',
  'last_sign_in_at',
  'lockout_expires_in_seconds',
  'verification_attempts_remaining',
]);

/**
 * Organization fields Clerk moves without a new updated_at (the spec's own examples: organization.created and the
 * organizationMembership.created after it carry one updated_at and different members_count): counts and flags
 * derived from memberships and invitations, and activity. Two versions differing only in them are the same version.
 */
export const CLERK_ORGANIZATION_VOLATILE_FIELDS: ReadonlySet<string> = new Set([
  'members_count',
  'pending_invitations_count',
  'missing_member_with_elevated_permissions',
  'last_active_at',
]);

/**
 * Membership fields that are not the membership's own: `public_user_data` is the member's profile as of the event
 * (it follows the user, not the membership's updated_at).
 */
export const CLERK_MEMBERSHIP_VOLATILE_FIELDS: ReadonlySet<string> = new Set(['public_user_data']);

/**
 * The organization an event's data names, for types whose data is not an organization: a membership's embedded
 * `organization`, an invitation's or a domain's `organization_id`, a domain's `public_organization_data`.
 */
export const EVENT_ORGANIZATION_ID_PATHS: readonly (readonly string[])[] = [
  ['organization_id'],
  ['organization', 'id'],
  ['public_organization_data', 'id'],
];

/** The organization an event's data names (null when it names none). */
export function nestedOrganizationIdOf(data: Record<string, unknown>): string | null {
  for (const path of EVENT_ORGANIZATION_ID_PATHS) {
    let v: unknown = data;
    for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (typeof v === 'string' && v.startsWith('org_')) return v;
  }
  return null;
}

/**
 * The envelope `timestamp` in epoch milliseconds. Clerk's docs say milliseconds, the spec's examples carry seconds
 * (1716883200): a value below 10^11 (1973 in ms, the year 5138 in s) can only be seconds.
 */
export function envelopeTimestampMs(timestamp: number): number {
  return timestamp < 100_000_000_000 ? timestamp * 1000 : timestamp;
}

/** The Backend API version every request pins (header Clerk-API-Version): the spec this code is written from. */
export const CLERK_API_VERSION = '2026-05-12';

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

export type ClerkErrorJson = z.infer<typeof ClerkErrorSchema>;
export type ClerkErrorsJson = z.infer<typeof ClerkErrorsSchema>;
export type ClerkVerificationJson = z.infer<typeof ClerkVerificationSchema>;
export type ClerkIdentificationLinkJson = z.infer<typeof ClerkIdentificationLinkSchema>;
export type ClerkEmailAddressJson = z.infer<typeof ClerkEmailAddressSchema>;
export type ClerkPhoneNumberJson = z.infer<typeof ClerkPhoneNumberSchema>;
export type ClerkWeb3WalletJson = z.infer<typeof ClerkWeb3WalletSchema>;
export type ClerkPasskeyJson = z.infer<typeof ClerkPasskeySchema>;
export type ClerkExternalAccountJson = z.infer<typeof ClerkExternalAccountSchema>;
export type ClerkSamlAccountJson = z.infer<typeof ClerkSamlAccountSchema>;
export type ClerkEnterpriseAccountJson = z.infer<typeof ClerkEnterpriseAccountSchema>;
export type ClerkUserJson = z.infer<typeof ClerkUserSchema>;
export type ClerkDeletedObjectJson = z.infer<typeof ClerkDeletedObjectSchema>;
export type ClerkDeletedUserJson = z.infer<typeof ClerkDeletedUserSchema>;
export type ClerkSessionStatus = (typeof CLERK_SESSION_STATUSES)[number];
export type ClerkSessionActivityJson = z.infer<typeof ClerkSessionActivitySchema>;
export type ClerkSessionJson = z.infer<typeof ClerkSessionSchema>;
export type ClerkSessionEventDataJson = z.infer<typeof ClerkSessionEventDataSchema>;
export type ClerkOrganizationJson = z.infer<typeof ClerkOrganizationSchema>;
export type ClerkDeletedOrganizationJson = z.infer<typeof ClerkDeletedOrganizationSchema>;
export type ClerkOrganizationMembershipPublicUserDataJson = z.infer<
  typeof ClerkOrganizationMembershipPublicUserDataSchema
>;
export type ClerkOrganizationMembershipJson = z.infer<typeof ClerkOrganizationMembershipSchema>;
export type ClerkOrganizationInvitationPublicUserDataJson = z.infer<
  typeof ClerkOrganizationInvitationPublicUserDataSchema
>;
export type ClerkOrganizationInvitationJson = z.infer<typeof ClerkOrganizationInvitationSchema>;
export type ClerkOrganizationInvitationStatus = (typeof CLERK_ORGANIZATION_INVITATION_STATUSES)[number];
export type ClerkOrganizationListJson = z.infer<typeof ClerkOrganizationListSchema>;
export type ClerkOrganizationMembershipListJson = z.infer<typeof ClerkOrganizationMembershipListSchema>;
export type ClerkOrganizationEventType = (typeof ORGANIZATION_EVENT_TYPES)[number];
export type ClerkOrganizationMembershipEventType = (typeof ORGANIZATION_MEMBERSHIP_EVENT_TYPES)[number];
export type ClerkOrganizationInvitationEventType = (typeof ORGANIZATION_INVITATION_EVENT_TYPES)[number];
export type ClerkOrganizationEvent = z.infer<typeof ClerkOrganizationEventSchema>;
export type ClerkOrganizationMembershipEvent = z.infer<typeof ClerkOrganizationMembershipEventSchema>;
export type ClerkOrganizationInvitationEvent = z.infer<typeof ClerkOrganizationInvitationEventSchema>;
export type ClerkTotalCountJson = z.infer<typeof ClerkTotalCountSchema>;
export type ClerkPaginatedListJson<T> = z.infer<ReturnType<typeof clerkPaginatedListSchema<z.ZodType<T>>>>;

export type ClerkUserEventType = (typeof USER_EVENT_TYPES)[number];
export type ClerkSessionEventType = (typeof SESSION_EVENT_TYPES)[number];
/** Known types plus any other string: handlers must accept (and store) types they do not project. */
export type ClerkEventType = ClerkUserEventType | ClerkSessionEventType | (string & {});

export type ClerkEventEnvelopeJson = z.infer<typeof ClerkEventEnvelopeSchema>;
/** An event as built or read in code: the envelope with a typed `data`. */
export type ClerkEvent<T = unknown> = ClerkEventEnvelopeJson & { type: ClerkEventType; data: T };
export type ClerkUserEvent = z.infer<typeof ClerkUserEventSchema>;
export type ClerkSessionEvent = z.infer<typeof ClerkSessionEventSchema>;
export type ClerkEmailEventDataJson = z.infer<typeof ClerkEmailEventDataSchema>;
export type ClerkSmsEventDataJson = z.infer<typeof ClerkSmsEventDataSchema>;
