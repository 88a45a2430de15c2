// Test-data factories for Clerk objects (faker), shared by tests, the local Clerk emulator and seeding.
// The JSON is typed by Clerk's wire schemas (server/src/clerk/clerk-json.ts), and wire-format.test.ts parses what
// these make with them: snake_case, times in epoch milliseconds, ids in Clerk's prefixed KSUID format.
import { Faker, base, en } from '@faker-js/faker';

import type {
  ClerkVerificationJson,
  ClerkEmailAddressJson,
  ClerkPhoneNumberJson,
  ClerkExternalAccountJson,
  ClerkUserJson,
  ClerkDeletedUserJson,
  ClerkSessionJson,
  ClerkEventType,
  ClerkEvent,
  ClerkOrganizationJson,
  ClerkDeletedOrganizationJson,
  ClerkOrganizationMembershipJson,
  ClerkOrganizationMembershipPublicUserDataJson,
  ClerkOrganizationInvitationJson,
  ClerkOrganizationInvitationPublicUserDataJson,
} from '../server/src/clerk/clerk-json.ts';
// ---------------------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------------------

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KSUID_EPOCH_S = 1_400_000_000; // KSUID's epoch (2014-05-13); Clerk's ids are KSUIDs, hence `user_2…`

/** 20 bytes (4 bytes of seconds since the KSUID epoch + 16 random bytes) as 27 base62 characters. */
function ksuid(atMs: number, randomByte: () => number): string {
  const bytes = new Uint8Array(20);
  const seconds = Math.max(0, Math.floor(atMs / 1000) - KSUID_EPOCH_S);
  new DataView(bytes.buffer).setUint32(0, seconds);
  for (let i = 4; i < 20; i++) bytes[i] = randomByte();
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(27, '0');
}

// ---------------------------------------------------------------------------------------------------------
// Factories
// ---------------------------------------------------------------------------------------------------------

export interface FactoryOptions {
  /** Same seed (and same `now`) → same data. */
  seed?: number;
  /** Clock for created_at/updated_at and id timestamps; defaults to Date.now. */
  now?: () => number;
  /** The instance id written into event envelopes. */
  instanceId?: string;
}

export type UserOverrides = Partial<ClerkUserJson>;
export type SessionOverrides = Partial<ClerkSessionJson>;
export type OrganizationOverrides = Partial<ClerkOrganizationJson>;
export type MembershipOverrides = Partial<ClerkOrganizationMembershipJson>;
/**
 * An invitation as Clerk answers it: every field the spec requires, inviter included (the strict schema). `user_id`
 * is only ever added to the organizationInvitation.accepted event's copy.
 */
export type InvitationJson = ClerkOrganizationInvitationJson & {
  organization_id: string;
  status: string;
  inviter_id: string | null;
  public_inviter_data: ClerkOrganizationInvitationPublicUserDataJson | null;
};
export type InvitationOverrides = Partial<InvitationJson>;

/**
 * The roles the emulated instance defines and the permissions each grants: Clerk's two default roles (system
 * permissions, https://clerk.com/docs/guides/organizations/control-access/roles-and-permissions) and one custom role,
 * so a receiver sees a role key it cannot know in advance. A membership's `role_name` and `permissions` follow from
 * its role.
 */
export const ORGANIZATION_ROLES: Readonly<Record<string, { name: string; permissions: readonly string[] }>> = {
  'org:admin': {
    name: 'Admin',
    permissions: [
      'org:sys_profile:manage',
      'org:sys_profile:delete',
      'org:sys_memberships:read',
      'org:sys_memberships:manage',
      'org:sys_domains:read',
      'org:sys_domains:manage',
      'org:sys_billing:read',
      'org:sys_billing:manage',
    ],
  },
  'org:member': { name: 'Member', permissions: ['org:sys_memberships:read'] },
  'org:billing': { name: 'Billing manager', permissions: ['org:sys_memberships:read', 'org:sys_billing:manage'] },
};
export const ADMIN_ROLE = 'org:admin';
export const MEMBER_ROLE = 'org:member';

export interface Factories {
  faker: Faker;
  now: () => number;
  instanceId: string;
  seed(seed: number): void;
  clerkId(prefix: string, atMs?: number): string;
  makeEmailAddress(email: string, overrides?: Partial<ClerkEmailAddressJson>): ClerkEmailAddressJson;
  makePhoneNumber(overrides?: Partial<ClerkPhoneNumberJson>): ClerkPhoneNumberJson;
  makeUser(overrides?: UserOverrides): ClerkUserJson;
  makeSession(user: Pick<ClerkUserJson, 'id'>, overrides?: SessionOverrides): ClerkSessionJson;
  makeEvent<T>(type: ClerkEventType, data: T, timestampMs?: number): ClerkEvent<T>;
  makeDeletedUser(id: string): ClerkDeletedUserJson;
  /** An organization without its counts (members_count, pending_invitations_count): the store derives those. */
  makeOrganization(overrides?: OrganizationOverrides): ClerkOrganizationJson;
  makeDeletedOrganization(org: Pick<ClerkOrganizationJson, 'id' | 'slug'>): ClerkDeletedOrganizationJson;
  /** The member's public fields a membership carries, read from the user. */
  makePublicUserData(user: ClerkUserJson): ClerkOrganizationMembershipPublicUserDataJson;
  makePublicInviterData(user: ClerkUserJson): ClerkOrganizationInvitationPublicUserDataJson;
  /** A membership of `user` in `org`; role_name and permissions follow from the role. */
  makeOrganizationMembership(
    org: ClerkOrganizationJson,
    user: ClerkUserJson,
    overrides?: MembershipOverrides,
  ): ClerkOrganizationMembershipJson;
  /** A pending invitation to `org` (30 days to accept, as Clerk's default). */
  makeOrganizationInvitation(org: Pick<ClerkOrganizationJson, 'id'>, overrides?: InvitationOverrides): InvitationJson;
  /** A slug as Clerk accepts them: lowercase letters, digits and dashes. */
  slugify(name: string): string;
}

const OAUTH_PROVIDERS = [
  { provider: 'oauth_google', scopes: 'email https://www.googleapis.com/auth/userinfo.email profile openid' },
  { provider: 'oauth_github', scopes: 'read:user user:email' },
  { provider: 'oauth_microsoft', scopes: 'email openid profile User.Read' },
] as const;

const BROWSERS = ['Chrome', 'Safari', 'Firefox', 'Edge'] as const;
const DAY_MS = 86_400_000;

export function createFactories(options: FactoryOptions = {}): Factories {
  const faker = new Faker({ locale: [en, base] });
  if (options.seed !== undefined) faker.seed(options.seed);
  const now = options.now ?? (() => Date.now());
  const randomByte = () => faker.number.int({ min: 0, max: 255 });
  const clerkId = (prefix: string, atMs: number = now()) => `${prefix}_${ksuid(atMs, randomByte)}`;
  const instanceId = options.instanceId ?? clerkId('ins', Date.UTC(2025, 0, 15));

  const verified = (strategy: string, at: number): ClerkVerificationJson => ({
    status: 'verified',
    strategy,
    attempts: strategy.startsWith('from_oauth') ? null : 1,
    expire_at: at + 10 * 60_000,
  });

  // Clerk's default avatar is an img.clerk.com URL whose path is base64 JSON describing the image.
  const imageUrl = (userId: string, initials: string, src?: string) => {
    const spec = src ? { type: 'proxy', src } : { type: 'default', iid: instanceId, rid: userId, initials };
    return `https://img.clerk.com/${Buffer.from(JSON.stringify(spec)).toString('base64url')}`;
  };

  const makeEmailAddress = (email: string, overrides: Partial<ClerkEmailAddressJson> = {}): ClerkEmailAddressJson => {
    const at = overrides.created_at ?? now();
    return {
      id: clerkId('idn', at),
      object: 'email_address',
      email_address: email,
      reserved: false,
      verification: verified('email_code', at),
      linked_to: [],
      matches_sso_connection: false,
      created_at: at,
      updated_at: at,
      ...overrides,
    };
  };

  const makePhoneNumber = (overrides: Partial<ClerkPhoneNumberJson> = {}): ClerkPhoneNumberJson => {
    const at = overrides.created_at ?? now();
    return {
      id: clerkId('idn', at),
      object: 'phone_number',
      phone_number: `+1${faker.string.numeric({ length: 10, allowLeadingZeros: false })}`,
      reserved_for_second_factor: false,
      default_second_factor: false,
      reserved: false,
      verification: verified('phone_code', at),
      linked_to: [],
      backup_codes: null,
      created_at: at,
      updated_at: at,
      ...overrides,
    };
  };

  const makeUser = (overrides: UserOverrides = {}): ClerkUserJson => {
    const t = now();
    const createdAt = overrides.created_at ?? t - faker.number.int({ min: 0, max: 90 * DAY_MS });
    const id = overrides.id ?? clerkId('user', createdAt);
    const firstName = overrides.first_name !== undefined ? overrides.first_name : faker.person.firstName();
    const lastName = overrides.last_name !== undefined ? overrides.last_name : faker.person.lastName();
    const username =
      overrides.username !== undefined
        ? overrides.username
        : faker.datatype.boolean(0.4)
          ? faker.internet
              .username({ firstName: firstName ?? undefined, lastName: lastName ?? undefined })
              .toLowerCase()
              .replace(/[^a-z0-9_-]/g, '_')
          : null;
    const email = faker.internet
      .email({
        firstName: firstName ?? undefined,
        lastName: lastName ?? undefined,
        provider: faker.helpers.arrayElement(['gmail.com', 'outlook.com', 'proton.me', faker.internet.domainName()]),
      })
      .toLowerCase();

    // A third of the users sign up with OAuth: the email is then verified "from_oauth_…" and linked to the account.
    const oauth = faker.datatype.boolean(0.35) ? faker.helpers.arrayElement(OAUTH_PROVIDERS) : null;
    const emailAddress = makeEmailAddress(email, { created_at: createdAt });
    const externalAccounts: ClerkExternalAccountJson[] = [];
    let avatarSrc: string | undefined;
    if (oauth) {
      const eac = clerkId('eac', createdAt);
      emailAddress.verification = verified(`from_${oauth.provider}`, createdAt);
      emailAddress.linked_to = [{ type: oauth.provider, id: clerkId('idn', createdAt) }];
      avatarSrc = faker.image.avatarGitHub();
      externalAccounts.push({
        id: eac,
        object: 'external_account',
        provider: oauth.provider,
        identification_id: emailAddress.linked_to[0]!.id,
        provider_user_id: faker.string.numeric(21),
        approved_scopes: oauth.scopes,
        email_address: email,
        first_name: firstName ?? '',
        last_name: lastName ?? '',
        image_url: avatarSrc,
        username: oauth.provider === 'oauth_github' ? (username ?? faker.internet.username()) : null,
        phone_number: null,
        public_metadata: {},
        label: null,
        verification: verified(oauth.provider, createdAt),
        created_at: createdAt,
        updated_at: createdAt,
      });
    }
    const phones = faker.datatype.boolean(0.25) ? [makePhoneNumber({ created_at: createdAt })] : [];
    const twoFactor = phones.length > 0 && faker.datatype.boolean(0.3);
    if (twoFactor) {
      phones[0]!.reserved_for_second_factor = true;
      phones[0]!.default_second_factor = true;
    }
    const lastSignIn = faker.datatype.boolean(0.9)
      ? faker.number.int({ min: createdAt, max: Math.max(createdAt, t) })
      : null;
    const initials = `${firstName?.[0] ?? ''}${lastName?.[0] ?? ''}`.toUpperCase();

    const emailAddresses = overrides.email_addresses ?? [emailAddress];
    const phoneNumbers = overrides.phone_numbers ?? phones;
    const user: ClerkUserJson = {
      id,
      object: 'user',
      external_id: faker.datatype.boolean(0.15) ? `ext_${faker.string.alphanumeric(10)}` : null,
      username,
      first_name: firstName,
      last_name: lastName,
      image_url: imageUrl(id, initials, avatarSrc),
      has_image: avatarSrc !== undefined,
      primary_email_address_id: emailAddresses[0]?.id ?? null,
      primary_phone_number_id: phoneNumbers[0]?.id ?? null,
      primary_web3_wallet_id: null,
      email_addresses: emailAddresses,
      phone_numbers: phoneNumbers,
      external_accounts: externalAccounts,
      web3_wallets: [],
      passkeys: [],
      saml_accounts: [],
      enterprise_accounts: [],
      public_metadata: {
        role: faker.helpers.weightedArrayElement([
          { weight: 9, value: 'member' },
          { weight: 1, value: 'admin' },
        ]),
        plan: faker.helpers.arrayElement(['free', 'free', 'pro', 'team']),
      },
      private_metadata: faker.datatype.boolean(0.5)
        ? { stripe_customer_id: `cus_${faker.string.alphanumeric(14)}` }
        : {},
      unsafe_metadata: { onboarding_complete: faker.datatype.boolean(0.7) },
      password_enabled: !oauth,
      two_factor_enabled: twoFactor,
      totp_enabled: false,
      backup_code_enabled: false,
      banned: false,
      locked: false,
      lockout_expires_in_seconds: null,
      verification_attempts_remaining: 100,
      delete_self_enabled: true,
      create_organization_enabled: true,
      create_organizations_limit: null,
      legal_accepted_at: null,
      mfa_enabled_at: twoFactor ? createdAt : null,
      mfa_disabled_at: null,
      created_at: createdAt,
      updated_at: lastSignIn ?? createdAt,
      last_sign_in_at: lastSignIn,
      last_active_at: lastSignIn,
      ...overrides,
    };
    if (user.updated_at < user.created_at) user.updated_at = user.created_at;
    return user;
  };

  const makeSession = (user: Pick<ClerkUserJson, 'id'>, overrides: SessionOverrides = {}): ClerkSessionJson => {
    const at = overrides.created_at ?? now();
    const browser = faker.helpers.arrayElement(BROWSERS);
    const mobile = faker.datatype.boolean(0.3);
    return {
      id: clerkId('sess', at),
      object: 'session',
      user_id: user.id,
      client_id: clerkId('client', at),
      status: 'active',
      last_active_at: at,
      last_active_organization_id: null,
      expire_at: at + 7 * DAY_MS,
      abandon_at: at + 30 * DAY_MS,
      created_at: at,
      updated_at: at,
      latest_activity: {
        id: clerkId('sess_activity', at),
        object: 'session_activity',
        device_type: mobile
          ? faker.helpers.arrayElement(['iPhone', 'Android'])
          : faker.helpers.arrayElement(['Macintosh', 'Windows', 'Linux']),
        is_mobile: mobile,
        browser_name: browser,
        browser_version: `${faker.number.int({ min: 110, max: 140 })}.0.0.0`,
        ip_address: faker.internet.ipv4(),
        city: faker.location.city(),
        country: faker.location.countryCode(),
      },
      actor: null,
      ...overrides,
    };
  };

  const identifierOf = (u: ClerkUserJson): string | null =>
    u.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ??
    u.phone_numbers.find((p) => p.id === u.primary_phone_number_id)?.phone_number ??
    u.username;

  const slugify = (name: string) =>
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'organization';

  const makeOrganization = (overrides: OrganizationOverrides = {}): ClerkOrganizationJson => {
    const t = now();
    const createdAt = overrides.created_at ?? t - faker.number.int({ min: 0, max: 60 * DAY_MS });
    const id = overrides.id ?? clerkId('org', createdAt);
    const name = overrides.name ?? faker.company.name();
    const initials = name
      .split(/\s+/)
      .map((w) => w[0] ?? '')
      .join('')
      .slice(0, 2)
      .toUpperCase();
    return {
      object: 'organization',
      id,
      name,
      slug: slugify(name),
      image_url: `https://img.clerk.com/${Buffer.from(JSON.stringify({ type: 'default', iid: instanceId, rid: id, initials })).toString('base64url')}`,
      has_image: false,
      max_allowed_memberships: 0, // 0: no limit
      admin_delete_enabled: true,
      public_metadata: faker.datatype.boolean(0.5)
        ? { plan: faker.helpers.arrayElement(['free', 'team', 'enterprise']) }
        : {},
      private_metadata: faker.datatype.boolean(0.3) ? { crm_id: `acct_${faker.string.alphanumeric(10)}` } : {},
      created_at: createdAt,
      updated_at: createdAt,
      ...overrides,
    };
  };

  const makePublicUserData = (u: ClerkUserJson): ClerkOrganizationMembershipPublicUserDataJson => ({
    user_id: u.id,
    first_name: u.first_name,
    last_name: u.last_name,
    profile_image_url: u.image_url ?? null, // deprecated copy of image_url
    image_url: u.image_url ?? '',
    has_image: u.has_image,
    identifier: identifierOf(u),
    username: u.username,
    banned: u.banned,
  });

  const makePublicInviterData = (u: ClerkUserJson): ClerkOrganizationInvitationPublicUserDataJson => ({
    user_id: u.id,
    first_name: u.first_name,
    last_name: u.last_name,
    image_url: u.image_url ?? '',
    has_image: u.has_image,
    identifier: identifierOf(u) ?? u.id,
  });

  const roleOf = (role: string) => {
    const r = ORGANIZATION_ROLES[role];
    if (!r) throw new Error(`unknown organization role ${role}`);
    return r;
  };

  const makeOrganizationMembership = (
    org: ClerkOrganizationJson,
    user: ClerkUserJson,
    overrides: MembershipOverrides = {},
  ): ClerkOrganizationMembershipJson => {
    const at = overrides.created_at ?? now();
    const role = overrides.role ?? MEMBER_ROLE;
    const { name, permissions } = roleOf(role);
    return {
      object: 'organization_membership',
      id: clerkId('orgmem', at),
      role,
      role_name: name,
      permissions: [...permissions],
      public_metadata: {},
      private_metadata: {},
      organization: org,
      public_user_data: makePublicUserData(user),
      created_at: at,
      updated_at: at,
      ...overrides,
    };
  };

  const makeOrganizationInvitation = (
    org: Pick<ClerkOrganizationJson, 'id'>,
    overrides: InvitationOverrides = {},
  ): InvitationJson => {
    const at = overrides.created_at ?? now();
    const role = overrides.role ?? MEMBER_ROLE;
    return {
      object: 'organization_invitation',
      id: clerkId('orginv', at),
      email_address: faker.internet.email().toLowerCase(),
      role,
      role_name: roleOf(role).name,
      organization_id: org.id,
      inviter_id: null,
      public_inviter_data: null,
      status: 'pending',
      public_metadata: {},
      private_metadata: {},
      url: `https://accounts.clerk-emulator.local/v1/tickets/accept?ticket=${faker.string.alphanumeric(32)}`,
      expires_at: at + 30 * DAY_MS,
      created_at: at,
      updated_at: at,
      ...overrides,
    };
  };

  const makeEvent = <T>(type: ClerkEventType, data: T, timestampMs: number = now()): ClerkEvent<T> => ({
    object: 'event',
    type,
    timestamp: timestampMs,
    instance_id: instanceId,
    event_attributes: {
      http_request: {
        client_ip: faker.internet.ipv4(),
        user_agent: faker.internet.userAgent(),
      },
    },
    data,
  });

  return {
    faker,
    now,
    instanceId,
    seed: (seed) => {
      faker.seed(seed);
    },
    clerkId,
    makeEmailAddress,
    makePhoneNumber,
    makeUser,
    makeSession,
    makeEvent,
    makeDeletedUser: (id) => ({ object: 'user', id, deleted: true }),
    makeOrganization,
    makeDeletedOrganization: (org) => ({ object: 'organization', id: org.id, slug: org.slug, deleted: true }),
    makePublicUserData,
    makePublicInviterData,
    makeOrganizationMembership,
    makeOrganizationInvitation,
    slugify,
  };
}

// Module-level factories for tests and seeding; `seedFactories(n)` makes them deterministic.
const shared = createFactories();
export const seedFactories = (seed: number): void => shared.seed(seed);
export const clerkId = (prefix: string, atMs?: number): string => shared.clerkId(prefix, atMs);
export const makeUser = (overrides?: UserOverrides): ClerkUserJson => shared.makeUser(overrides);
export const makeSession = (user: Pick<ClerkUserJson, 'id'>, overrides?: SessionOverrides): ClerkSessionJson =>
  shared.makeSession(user, overrides);
export const makeEvent = <T>(type: ClerkEventType, data: T, timestampMs?: number): ClerkEvent<T> =>
  shared.makeEvent(type, data, timestampMs);
export const makeDeletedUser = (id: string): ClerkDeletedUserJson => shared.makeDeletedUser(id);
export const makeEmailAddress = (email: string, overrides?: Partial<ClerkEmailAddressJson>): ClerkEmailAddressJson =>
  shared.makeEmailAddress(email, overrides);
export const makeOrganization = (overrides?: OrganizationOverrides): ClerkOrganizationJson =>
  shared.makeOrganization(overrides);
export const makeDeletedOrganization = (
  org: Pick<ClerkOrganizationJson, 'id' | 'slug'>,
): ClerkDeletedOrganizationJson => shared.makeDeletedOrganization(org);
export const makeOrganizationMembership = (
  org: ClerkOrganizationJson,
  user: ClerkUserJson,
  overrides?: MembershipOverrides,
): ClerkOrganizationMembershipJson => shared.makeOrganizationMembership(org, user, overrides);
export const makeOrganizationInvitation = (
  org: Pick<ClerkOrganizationJson, 'id'>,
  overrides?: InvitationOverrides,
): InvitationJson => shared.makeOrganizationInvitation(org, overrides);
