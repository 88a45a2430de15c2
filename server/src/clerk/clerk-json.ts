// Clerk's wire format: the JSON Clerk sends in webhooks and answers on the Backend API (shared/CLERK.md §3, §5):
// snake_case, times in epoch milliseconds, ids in Clerk's prefixed KSUID format. The server, and the emulator, import these.
export interface ClerkVerificationJson {
  status: 'verified' | 'unverified' | 'transferable' | 'failed' | 'expired';
  strategy: string;
  attempts: number | null;
  expire_at: number | null;
}

export interface ClerkIdentificationLinkJson {
  type: string;
  id: string;
}

export interface ClerkEmailAddressJson {
  id: string; // idn_…
  object: 'email_address';
  email_address: string;
  reserved: boolean;
  verification: ClerkVerificationJson | null;
  linked_to: ClerkIdentificationLinkJson[];
  matches_sso_connection: boolean;
  created_at: number;
  updated_at: number;
}

export interface ClerkPhoneNumberJson {
  id: string; // idn_…
  object: 'phone_number';
  phone_number: string;
  reserved_for_second_factor: boolean;
  default_second_factor: boolean;
  reserved: boolean;
  verification: ClerkVerificationJson | null;
  linked_to: ClerkIdentificationLinkJson[];
  backup_codes: string[] | null;
  created_at: number;
  updated_at: number;
}

export interface ClerkExternalAccountJson {
  id: string; // eac_…
  object: 'external_account';
  provider: string; // oauth_google, oauth_github, …
  identification_id: string; // idn_…
  provider_user_id: string;
  approved_scopes: string;
  email_address: string;
  first_name: string;
  last_name: string;
  image_url: string;
  username: string | null;
  phone_number: string | null;
  public_metadata: Record<string, unknown>;
  label: string | null;
  verification: ClerkVerificationJson | null;
  created_at: number;
  updated_at: number;
}

export interface ClerkUserJson {
  id: string; // user_…
  object: 'user';
  external_id: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  image_url: string;
  has_image: boolean;
  primary_email_address_id: string | null;
  primary_phone_number_id: string | null;
  primary_web3_wallet_id: string | null;
  email_addresses: ClerkEmailAddressJson[];
  phone_numbers: ClerkPhoneNumberJson[];
  external_accounts: ClerkExternalAccountJson[];
  web3_wallets: unknown[];
  passkeys: unknown[];
  saml_accounts: unknown[];
  enterprise_accounts: unknown[];
  public_metadata: Record<string, unknown>;
  private_metadata: Record<string, unknown>;
  unsafe_metadata: Record<string, unknown>;
  password_enabled: boolean;
  two_factor_enabled: boolean;
  totp_enabled: boolean;
  backup_code_enabled: boolean;
  banned: boolean;
  locked: boolean;
  lockout_expires_in_seconds: number | null;
  verification_attempts_remaining: number;
  delete_self_enabled: boolean;
  create_organization_enabled: boolean;
  create_organizations_limit: number | null;
  legal_accepted_at: number | null;
  mfa_enabled_at: number | null;
  mfa_disabled_at: number | null;
  created_at: number;
  updated_at: number;
  last_sign_in_at: number | null;
  last_active_at: number | null;
}

/** `user.deleted` data: no `updated_at`, order it by the envelope timestamp. */
export interface ClerkDeletedObjectJson {
  object: 'user';
  id: string;
  deleted: true;
}

export type ClerkSessionStatus =
  | 'active'
  | 'pending'
  | 'ended'
  | 'removed'
  | 'revoked'
  | 'expired'
  | 'abandoned'
  | 'replaced';

export interface ClerkSessionActivityJson {
  id: string; // sess_activity_…
  object: 'session_activity';
  device_type: string | null;
  is_mobile: boolean;
  browser_name: string | null;
  browser_version: string | null;
  ip_address: string | null;
  city: string | null;
  country: string | null;
}

export interface ClerkSessionJson {
  id: string; // sess_…
  object: 'session';
  user_id: string;
  client_id: string; // client_…
  status: ClerkSessionStatus;
  last_active_at: number;
  last_active_organization_id: string | null;
  expire_at: number;
  abandon_at: number;
  created_at: number;
  updated_at: number;
  latest_activity: ClerkSessionActivityJson | null;
  actor: Record<string, unknown> | null;
}

export const USER_EVENT_TYPES = ['user.created', 'user.updated', 'user.deleted'] as const;
export const SESSION_EVENT_TYPES = [
  'session.created',
  'session.pending',
  'session.ended',
  'session.removed',
  'session.revoked',
] as const;
export type ClerkUserEventType = (typeof USER_EVENT_TYPES)[number];
export type ClerkSessionEventType = (typeof SESSION_EVENT_TYPES)[number];
/** Known types plus any other string: handlers must accept (and store) types they do not project. */
export type ClerkEventType = ClerkUserEventType | ClerkSessionEventType | (string & {});

export interface ClerkEvent<T = unknown> {
  object: 'event';
  type: ClerkEventType;
  timestamp: number; // ms
  instance_id: string; // ins_…
  event_attributes: { http_request: { client_ip: string; user_agent: string } };
  data: T;
}

export type ClerkUserEvent =
  | (ClerkEvent<ClerkUserJson> & { type: 'user.created' | 'user.updated' })
  | (ClerkEvent<ClerkDeletedObjectJson> & { type: 'user.deleted' });
export type ClerkSessionEvent = ClerkEvent<ClerkSessionJson> & { type: ClerkSessionEventType };
