// The JSON the operator API answers. The dashboard imports these types (type-only), so a change here
// is a compile error on both sides rather than a runtime surprise.

// conflict: a user version with the updated_at of the one held but other content; a resync from Clerk decides.
/** quarantined: its apply failed QUARANTINE_AFTER_ATTEMPTS times; acknowledged (2xx) and parked in its incident for a replay */
export const EVENT_OUTCOMES = [
  'applied',
  'stale',
  'duplicate',
  'conflict',
  'not_projected',
  'failed',
  'quarantined',
] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

/** A delivery's outcome: the event's outcome when it carried a new (or re-applied) event, else why not. */
export const DELIVERY_OUTCOMES = [...EVENT_OUTCOMES, 'rejected', 'unavailable'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export const SYNC_STATUSES = ['never_compared', 'in_sync', 'drifted', 'deleted'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

export type Role = 'admin' | 'operator' | 'viewer';

/** Every error answer: `{ error: { code, message } }`, plus Clerk's trace id when Clerk caused it. */
export interface ApiError {
  error: { code: string; message: string; clerkTraceId?: string; details?: unknown };
}

/** Cursor pages, newest first: pass `nextCursor` back as `cursor`; null means the end. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface OperatorDto {
  id: number;
  email: string;
  role: Role;
}

/** /api/auth/me and /api/auth/login: the operator plus the session's CSRF token (send it as X-CSRF-Token). */
export interface MeDto extends OperatorDto {
  csrfToken: string;
  /** signed in with a one-time password: every other request is refused until it is changed */
  mustChangePassword: boolean;
}

/** POST /api/auth/password: the signed-in operator's own password. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

// ---- Administration: operators and API tokens ----

export const ROLES = ['admin', 'operator', 'viewer'] as const;

export interface OperatorAdminDto extends OperatorDto {
  disabled: boolean;
  createdAt: string; // ISO
}

export interface CreateOperatorRequest {
  email: string;
  role: Role;
  /** absent: a one-time password is generated and answered once */
  password?: string;
}

export interface CreateOperatorResult {
  operator: OperatorAdminDto;
  /** only when the admin set no password: shown once, never stored in clear */
  oneTimePassword: string | null;
}

export interface UpdateOperatorRequest {
  role?: Role;
  /** disabling also signs the operator out everywhere */
  disabled?: boolean;
}

export interface ApiTokenDto {
  id: number;
  name: string;
  /** the role it was given */
  role: Role;
  /**
   * what it may do now: its role capped by its owner's current role; null when it can do nothing (revoked,
   * expired, or its owner is disabled or deleted)
   */
  effectiveRole: Role | null;
  /** email of the operator it acts for; null when that operator was deleted */
  owner: string | null;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** refused from then on; null: never expires */
  expiresAt: string | null;
}

export interface CreateApiTokenRequest {
  name: string;
  role: Role;
  /** expires this many days from now; or give expiresAt; neither: never expires */
  expiresInDays?: number;
  /** ISO time, in the future */
  expiresAt?: string;
}

export interface CreatedApiToken {
  token: ApiTokenDto;
  /** the bearer secret: shown once, only its hash is stored */
  secret: string;
}

/** POST /api/admin/users/:id/purge: what was erased of one user's stored payloads. */
export interface PurgeUserResult {
  userId: string;
  eventPayloads: number;
  deliveryBodies: number;
  sessions: number;
  /** memberships whose public_user_data (the member's name, image, identifier) was erased */
  memberships: number;
  /** invitations to, accepted by or sent by the user whose email address or inviter data was erased */
  invitations: number;
  /** the tombstone's personal fields were cleared (deleted users only) */
  tombstoneCleared: boolean;
}

export interface EventSummary {
  id: number;
  svixId: string;
  type: string;
  objectId: string | null;
  userId: string | null;
  outcome: EventOutcome;
  error: string | null;
  occurredAt: string | null; // ISO
  receivedAt: string; // ISO
  /** the user's email or name from the local copy (lists and live pushes; the detail leaves it out) */
  userLabel?: string | null;
}

export interface DeliverySummary {
  id: number;
  receivedAt: string;
  svixId: string | null;
  eventType: string | null;
  outcome: DeliveryOutcome;
  failed: boolean;
  httpStatus: number;
  errorCode: string | null;
  error: string | null;
  durationMs: number;
  verified: boolean;
  replayOf: number | null;
  /** the user the carried event concerns, and their email or name from the local copy (lists, detail, live pushes) */
  userId?: string | null;
  userLabel?: string | null;
}

export interface DeliveryDetail extends DeliverySummary {
  /** signatures redacted; a request whose signature did not verify keeps only a few named headers, cut short */
  headers: Record<string, string>;
  /** the body as text: capped at 64 KiB, or only its first 256 bytes when the signature did not verify */
  body: string;
  bodyBytes: number;
  bodyTruncated: boolean;
  /** SHA-256 (hex) of the whole body when only a prefix of it was kept (the signature did not verify) */
  bodySha256: string | null;
  /** the client's address (the proxy's view with TRUST_PROXY); null for replays and older rows */
  sourceIp: string | null;
  /** size of the request's headers in bytes; null for replays and older rows */
  headerBytes: number | null;
  /** why this delivery cannot be replayed, or null when it can */
  replayBlockedReason: string | null;
}

export interface EventDetail extends EventSummary {
  payload: unknown; // the verified Clerk event JSON
  appliedAt: string | null;
  deliveries: DeliverySummary[];
  /** for user.* events: the user JSON this event replaced (the previous version seen), if any */
  previousUser: unknown | null;
  /** the payload was erased by retention or a privacy purge (payload is null then) */
  payloadPurged?: boolean;
  /** the payload nests deeper than 64 levels (stored before such events were refused): deeper parts are replaced by a marker */
  payloadDepthCapped?: boolean;
}

export interface UserSummary {
  id: string;
  deleted: boolean;
  primaryEmail: string | null;
  firstName: string | null;
  lastName: string | null;
  username: string | null;
  imageUrl: string | null;
  syncStatus: SyncStatus;
  clerkUpdatedAt: string | null;
  lastComparedAt: string | null;
  updatedAt: string;
}

export interface SessionDto {
  id: string;
  userId: string;
  status: string;
  clientId: string | null;
  lastActiveAt: string | null;
  expireAt: string | null;
  clerkUpdatedAt: string;
}

export interface UserDetail extends UserSummary {
  deletedAt: string | null;
  data: unknown | null; // the Clerk user JSON held locally
  source: string;
  lastEvent: EventSummary | null;
  sessions: SessionDto[];
  /** the user's memberships, live ones first, then ended ones (newest first, at most 100 of each) */
  memberships: MembershipSummary[];
}

// ---- Organizations, memberships, invitations ----

export interface OrganizationSummary {
  id: string;
  deleted: boolean;
  deletedAt: string | null;
  /** null for a tombstone never seen alive */
  name: string | null;
  slug: string | null;
  imageUrl: string | null;
  /** Clerk's members_count as of the version held (null when unknown) */
  membersCount: number | null;
  syncStatus: SyncStatus;
  clerkCreatedAt: string | null;
  clerkUpdatedAt: string | null;
  lastComparedAt: string | null;
  updatedAt: string;
}

/** Why a membership ended: Clerk deleted it, or its organization was deleted. */
export const MEMBERSHIP_END_REASONS = ['membership_deleted', 'organization_deleted'] as const;
export type MembershipEndReason = (typeof MEMBERSHIP_END_REASONS)[number];

/** A membership as both sides show it: the organization page lists its members, a user's page their organizations. */
export interface MembershipSummary {
  id: string;
  organizationId: string;
  /** null until the organization is held locally */
  organizationName: string | null;
  organizationSlug: string | null;
  organizationDeleted: boolean;
  userId: string | null;
  /** the member's email or name: from the local user when held, else from the membership's public_user_data */
  userLabel: string | null;
  /** the user is held locally (their page exists) */
  userHeld: boolean;
  role: string;
  roleName: string | null;
  permissions: string[];
  deleted: boolean;
  deletedAt: string | null;
  endedBy: MembershipEndReason | null;
  clerkCreatedAt: string | null;
  clerkUpdatedAt: string;
}

export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;

/** Why an invitation Clerk held pending was revoked here (Clerk sends no event for either). */
export const INVITATION_END_REASONS = ['organization_deleted', 'not_in_clerk'] as const;
export type InvitationEndReason = (typeof INVITATION_END_REASONS)[number];

export interface InvitationSummary {
  id: string;
  organizationId: string | null;
  /** null once erased by a privacy purge */
  emailAddress: string | null;
  role: string;
  roleName: string | null;
  /** as it stands now: a pending invitation past expiresAt is expired (Clerk sends no event for that) */
  status: string;
  /**
   * why it was revoked here, not by Clerk: organization_deleted (its organization was deleted while it was
   * pending), not_in_clerk (a resync found Clerk no longer lists it at all)
   */
  endedBy: InvitationEndReason | null;
  /** who accepted it */
  userId: string | null;
  inviterId: string | null;
  expiresAt: string | null;
  clerkCreatedAt: string | null;
  clerkUpdatedAt: string;
}

export interface OrganizationDetail extends OrganizationSummary {
  data: unknown | null; // the Clerk organization JSON held locally
  source: string;
  lastEvent: EventSummary | null;
  /** live memberships, oldest first (at most ORGANIZATION_MEMBERS_SHOWN; see membersTotal) */
  members: MembershipSummary[];
  /** live memberships held locally, all of them */
  membersTotal: number;
  /** ended memberships, most recently ended first (at most ORGANIZATION_MEMBERS_SHOWN) */
  formerMembers: MembershipSummary[];
  /** invitations pending now, newest first (at most ORGANIZATION_MEMBERS_SHOWN) */
  pendingInvitations: InvitationSummary[];
}

/** How many members, former members and pending invitations an organization's detail lists. */
export const ORGANIZATION_MEMBERS_SHOWN = 500;

/** One field that differs between the local copy and Clerk: path like `email_addresses.0.email_address`. */
export interface FieldDiff {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  local: unknown;
  clerk: unknown;
}

export interface UserComparison {
  userId: string;
  local: unknown | null; // null: no local copy
  localDeleted: boolean;
  clerk: unknown | null; // null: Clerk answered 404
  diff: FieldDiff[];
  /** differences in fields Clerk changes on its own (last_active_at, …): shown, never drift */
  volatile: FieldDiff[];
  status: SyncStatus;
  comparedAt: string;
}

export interface ResyncResult {
  userId: string;
  /** created: no local copy before; updated: fields changed; unchanged; tombstoned: Clerk answered 404 */
  result: 'created' | 'updated' | 'unchanged' | 'tombstoned';
  changedFields: string[];
  /**
   * when the local version was dated later than Clerk's: "overwrote a local version dated in the future (…)"
   * (Clerk's answer is the truth), or "kept a newer version a webhook delivered while Clerk was being asked (…)"
   */
  note?: string;
  user: UserDetail;
}

// ---- Organizations: local copy vs Clerk ----

/**
 * missing: Clerk has it, the local copy has no live one (none at all, or one it holds as ended); extra: live in the
 * local copy, Clerk does not list it; changed: both have it, its fields differ.
 */
export const MEMBER_DIFFERENCE_KINDS = ['missing', 'extra', 'changed'] as const;
export type MemberDifferenceKind = (typeof MEMBER_DIFFERENCE_KINDS)[number];

/** One membership that differs between the local copy and Clerk. */
export interface MemberDifference {
  membershipId: string;
  kind: MemberDifferenceKind;
  userId: string | null;
  /** the local user's email or name when held, else what the membership itself shows */
  userLabel: string | null;
  /** the user is held locally (their page exists) */
  userHeld: boolean;
  /** the role of the live local membership (null: none) */
  localRole: string | null;
  /** the role Clerk lists (null: Clerk does not list it) */
  clerkRole: string | null;
  /** missing only: the local copy holds this membership, ended */
  endedLocally: boolean;
  /** changed only: the fields that differ (role, permissions, metadata); the member's profile is left out */
  diff: FieldDiff[];
}

/** One pending invitation that differs (pending now on either side; an expired one is not pending). */
export interface InvitationDifference {
  invitationId: string;
  kind: MemberDifferenceKind;
  emailAddress: string | null;
  /** the status the local copy holds (null: none) */
  localStatus: string | null;
  /** pending when Clerk lists it pending; null when Clerk's pending list does not have it */
  clerkStatus: string | null;
  /** changed only */
  diff: FieldDiff[];
}

/** GET /api/organizations/:id/compare: the organization's fields, its members and its pending invitations. */
export interface OrganizationComparison {
  organizationId: string;
  /** the organization JSON held locally (null: none) */
  local: unknown | null;
  localDeleted: boolean;
  /** null: Clerk answered 404 */
  clerk: unknown | null;
  diff: FieldDiff[];
  /** differences in counts and activity (members_count, …) Clerk moves without an event: shown, never drift */
  volatile: FieldDiff[];
  members: { local: number; clerk: number; differences: MemberDifference[] };
  pendingInvitations: { local: number; clerk: number; differences: InvitationDifference[] };
  status: SyncStatus;
  comparedAt: string;
}

/** How a resync changed the rows of one kind (memberships or invitations). */
export interface ResyncCounts {
  created: number;
  updated: number;
  /** memberships: ended (Clerk no longer lists them); invitations: revoked here (Clerk no longer has them) */
  ended: number;
  unchanged: number;
  /** left as they were because a webhook wrote them after Clerk was asked (newer than the answer) */
  kept: number;
}

/** POST /api/organizations/:id/resync */
export interface OrganizationResyncResult {
  organizationId: string;
  /** the organization row: as for users (tombstoned: Clerk answered 404) */
  result: ResyncResult['result'];
  changedFields: string[];
  /** when the local version was dated later than Clerk's (see ResyncResult.note) */
  note?: string;
  members: ResyncCounts;
  pendingInvitations: ResyncCounts;
  /** Backend API requests it took, each through the rate budget */
  clerkRequests: number;
  organization: OrganizationDetail;
}

export interface ReplayResult {
  deliveryId: number; // the new delivery row the replay recorded
  svixId: string;
  outcome: EventOutcome;
  error: string | null;
}

export interface OverviewStats {
  eventsPerMinute: { minute: string; count: number; failed: number }[]; // last 60 minutes
  deliveries: { total: number; failed: number; lastHourTotal: number; lastHourFailed: number };
  /** Clerk messages (by svix-id) that failed and no later attempt applied: the headline */
  outstandingFailures: number;
  /** failed messages a later attempt (a Svix retry or a replay) applied */
  recoveredFailures: number;
  /** requests whose signature did not verify (scanners, forgeries, a rotated secret): not sync failures */
  unsignedRequests: { total: number; lastHour: number };
  failingNow: boolean; // the last few deliveries failed, or an outage is live (see `live`)
  /** what is wrong right now: the same object the `status:changed` socket message carries */
  live: LiveStatus;
  users: { total: number; deleted: number; drifted: number };
  /** organizations held (tombstones too), deleted, and drifted (found by a reconcile, a compare or a resync); live memberships */
  organizations: { total: number; deleted: number; drifted: number; memberships: number };
  /** sessions by the status they have now (past expire_at / abandon_at: expired / abandoned, though no event said so) */
  sessions: Record<string, number>;
  lastEventAt: string | null;
  demo: boolean;
  /** what retention and privacy purges removed so far */
  retention: RetentionStats;
}

export interface RetentionStats {
  days: number;
  purgeDeletedUsers: boolean;
  purgedDeliveries: number;
  purgedPayloads: number;
  purgedUsers: number;
  lastPurgeAt: string | null;
}

export interface BulkReplayRequest {
  filter: { outcome?: DeliveryOutcome; status?: number; failed?: boolean };
  /** only attempts of outstanding messages (the failed view's bulk replay) */
  outstandingOnly?: boolean;
  /** say what would happen, change nothing */
  dryRun?: boolean;
}

/** Why a matching delivery is not replayed. */
export const REPLAY_SKIP_REASONS = [
  'not_verified',
  'already_applied',
  'same_message',
  'is_replay',
  'payload_unavailable',
] as const;
export type ReplaySkipReason = (typeof REPLAY_SKIP_REASONS)[number];

/** A dry run's answer. Adds up: matched = replayed + the sum of skippedBy (`replayed`: what a job would replay). */
export interface BulkReplayResult {
  dryRun: true;
  matched: number;
  replayed: number;
  skipped: number;
  skippedBy: Record<ReplaySkipReason, number>;
  /** distinct messages (svix-ids) among the matching deliveries */
  messages: number;
}

/**
 * running; completed; cancelled by an operator; interrupted: its server shut down or stopped answering; failed:
 * a replay could not be recorded (storage down). Starting again skips what was replayed (already applied).
 */
export const REPLAY_JOB_STATUSES = ['running', 'completed', 'cancelled', 'interrupted', 'failed'] as const;
export type ReplayJobStatus = (typeof REPLAY_JOB_STATUSES)[number];

/**
 * A bulk replay running in the background (POST /api/deliveries/replay without dryRun starts one). Adds up at
 * every moment: matched = replayed + skipped + notRun + remaining.
 */
export interface BulkReplayJobDto {
  id: number;
  status: ReplayJobStatus;
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  request: { filter: BulkReplayRequest['filter']; outstandingOnly: boolean };
  /** deliveries matching when it started (later ones, its own replays among them, are not its) */
  matched: number;
  replayed: number;
  skipped: number;
  skippedBy: Record<ReplaySkipReason, number>;
  /** matched deliveries never reached: the job was cancelled, interrupted or failed before them */
  notRun: number;
  /** not looked at yet (0 once it ended) */
  remaining: number;
  /** share of the matched deliveries looked at, 0..1 */
  progress: number;
  /** what the replays came to, by outcome */
  outcomes: Partial<Record<EventOutcome, number>>;
  /** the first replays that failed again (at most REPLAY_JOB_FAILURES_KEPT) */
  failures: ReplayResult[];
  /** who asked to cancel it (it stops between two replays; on another server, at its next page) */
  cancelledBy: string | null;
  error: string | null;
}

export const REPLAY_JOB_FAILURES_KEPT = 20;

/** GET /api/deliveries/replay/jobs/latest: the running job, else the last one; null before the first. */
export interface LatestReplayJob {
  job: BulkReplayJobDto | null;
}

// ---- Failures grouped by message (svix-id), the way Svix shows a message and its attempts ----

export const FAILURE_STATES = ['outstanding', 'recovered'] as const;
export type FailureState = (typeof FAILURE_STATES)[number];

export interface FailedMessage {
  svixId: string;
  eventType: string | null;
  /** the user the event concerns, and their email or name when known locally */
  userId: string | null;
  userLabel: string | null;
  /** outstanding: never acknowledged, or acknowledged but its apply failed; recovered: a later attempt applied it */
  state: FailureState;
  firstFailedAt: string;
  lastAttemptAt: string;
  /** the attempt that applied it (recovered only) */
  recoveredBy: { deliveryId: number; at: string; afterMs: number; replay: boolean } | null;
  lastError: string | null;
  /** oldest first */
  attempts: DeliverySummary[];
}

export interface FailuresPage {
  items: FailedMessage[];
  outstanding: number;
  recovered: number;
  /** unsigned requests, counted apart */
  unsigned: number;
  /** more failed messages exist than were examined (the oldest are left out) */
  truncated: boolean;
}

// ---- What is wrong right now (live outage visibility): a view of the open incidents ----

export const LIVE_PROBLEM_KINDS = ['storage_refusing', 'silence', 'signature_failures', 'clerk_throttled'] as const;
export type LiveProblemKind = (typeof LIVE_PROBLEM_KINDS)[number];

export interface LiveProblem {
  kind: LiveProblemKind;
  /** the banner's sentence, without times: the dashboard adds `since` in the operator's time zone */
  message: string;
  /** when it began (silence: the last genuine delivery) */
  since: string; // ISO
  /** clerk_throttled: when the next attempt is due */
  retryAt?: string;
  /** the open incident this problem is a view of */
  incidentId: string;
  /** who acknowledged that incident (someone is on it; the trouble is still there); null while nobody has */
  acknowledgedBy: string | null;
}

export interface LiveStatus {
  problems: LiveProblem[];
  lastDeliveryAt: string | null;
  checkedAt: string;
}

export interface MetaDto {
  demo: boolean; // true when the built-in Clerk emulator feeds this monitor
  emulatorUrl: string | null;
  clerkApiUrl: string;
  version: string;
}

// ---- Reconcile and the audit trail ----

export const RECONCILE_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
export type ReconcileStatus = (typeof RECONCILE_STATUSES)[number];

/** missing: Clerk has it, no local copy; stale: fields differ; deleted: alive locally, Clerk answers 404. */
export const DRIFT_CLASSES = ['missing', 'stale', 'deleted'] as const;
export type DriftClass = (typeof DRIFT_CLASSES)[number];

/** What a reconcile compares: Clerk's users, then its organizations, then every membership. */
export const DRIFT_SUBJECTS = ['user', 'organization', 'membership'] as const;
export type DriftSubject = (typeof DRIFT_SUBJECTS)[number];

/**
 * Organizations: missing (Clerk has it; no local copy, or only a tombstone), stale (fields differ, counts and
 * activity aside), deleted (alive locally, Clerk no longer has it).
 */
export const ORGANIZATION_DRIFT_CLASSES = ['missing', 'stale', 'deleted'] as const;
export type OrganizationDriftClass = (typeof ORGANIZATION_DRIFT_CLASSES)[number];

/**
 * Memberships: missing (Clerk lists it; not here, or ended here), extra (live here, Clerk no longer lists it: e.g.
 * removed in the Clerk Dashboard and the event never arrived), role (role, role name or permissions differ), stale
 * (other fields differ, such as metadata; the member's profile aside).
 */
export const MEMBERSHIP_DRIFT_CLASSES = ['missing', 'extra', 'role', 'stale'] as const;
export type MembershipDriftClass = (typeof MEMBERSHIP_DRIFT_CLASSES)[number];

/** The classes of organization and membership findings together (the findings filter). */
export const ORGANIZATION_FINDING_CLASSES = ['missing', 'stale', 'deleted', 'extra', 'role'] as const;
export type OrganizationFindingClass = OrganizationDriftClass | MembershipDriftClass;

/** What a run walks now: Clerk's users, then its organizations, then every membership. */
export const RECONCILE_PHASES = ['users', 'organizations', 'memberships', 'done'] as const;
export type ReconcilePhase = (typeof RECONCILE_PHASES)[number];

/** A run's count of one kind of object beside the users. */
export interface ReconcileSubjectCounts<K extends string> {
  /** compared so far */
  checked: number;
  /** Clerk's total_count when the run started; null until asked */
  total: number | null;
  inSync: number;
  found: Record<K, number>;
}

export interface ReconcileRunDto {
  id: number;
  status: ReconcileStatus;
  startedBy: string;
  startedAt: string; // ISO
  finishedAt: string | null;
  pages: number;
  /** Clerk users compared so far */
  checked: number;
  /** Clerk's user count when the run started */
  totalEstimate: number | null;
  /** users found drifted, by class */
  found: Record<DriftClass, number>;
  inSync: number;
  phase: ReconcilePhase;
  organizations: ReconcileSubjectCounts<OrganizationDriftClass>;
  memberships: ReconcileSubjectCounts<MembershipDriftClass>;
  /** findings not fixed yet (users, organizations and memberships) */
  unfixed: number;
  /** 0..1: users, organizations and memberships compared of Clerk's totals; null when unknown */
  progress: number | null;
  /** seconds left at the observed pace; null when unknown or finished */
  etaSeconds: number | null;
  error: string | null;
}

export interface ReconcileFindingDto {
  id: number;
  runId: number;
  userId: string;
  class: DriftClass;
  /** primary email or name */
  label: string | null;
  diff: FieldDiff[];
  fixedAt: string | null;
  fixResult: ResyncResult['result'] | null;
}

/** An organization or a membership a run found drifted. */
export interface ReconcileOrganizationFindingDto {
  id: number;
  runId: number;
  subject: Exclude<DriftSubject, 'user'>;
  /** the organization's id, or the membership's */
  objectId: string;
  /** the organization itself, or the membership's */
  organizationId: string;
  /** a membership's member, when known */
  userId: string | null;
  class: OrganizationFindingClass;
  /** the organization's name or slug; the member's identifier (and the organization's name) */
  label: string | null;
  diff: FieldDiff[];
  fixedAt: string | null;
  fixResult: ResyncResult['result'] | null;
}

export interface ReconcileFixRequest {
  /** absent (all three): every unfixed finding of the run; otherwise only the findings of these */
  userIds?: string[];
  organizationIds?: string[];
  membershipIds?: string[];
}

export interface ReconcileFixResult {
  runId: number;
  fixed: number;
  results: Record<ResyncResult['result'], number>;
  /** of `fixed`, how many users, organizations and memberships */
  bySubject: Record<DriftSubject, number>;
  /** findings of the run still unfixed */
  unfixed: number;
}

/** One completed run on the overview's drift-over-time chart. */
export interface DriftPoint {
  runId: number;
  finishedAt: string;
  missing: number;
  stale: number;
  deleted: number;
  /** organizations found drifted, every class */
  organizations: number;
  /** memberships found drifted, every class */
  memberships: number;
}

export const AUDIT_ACTIONS = [
  'resync',
  'organization_resync',
  'replay',
  /** a bulk replay job: started, asked to cancel, and ended (its summary) */
  'replay_bulk_start',
  'replay_bulk_cancel',
  'replay_bulk',
  'reconcile_start',
  'reconcile_fix',
  // administration and privacy
  'operator_create',
  'operator_update',
  'token_create',
  'token_revoke',
  'user_purge',
  // incidents and alerts
  'incident_acknowledge',
  'incident_resolve',
  'incident_replay',
  'alert_test',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntryDto {
  id: number;
  at: string; // ISO
  /** operator email, or "schedule" */
  actor: string;
  action: AuditAction;
  /** user id, organization id, delivery id or run id */
  target: string | null;
  /** what changed (shape depends on the action) */
  summary: Record<string, unknown>;
}

// ---- Incidents and alerts ----

export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];

/**
 * What an incident groups: failed applies, storage refusing webhooks (503), signature failures, Clerk's
 * Backend API failing or throttling, drift found by a reconcile, no genuine delivery for too long.
 */
export const INCIDENT_KINDS = [
  'apply_failed',
  'storage_unavailable',
  'signature_failed',
  'clerk_api',
  'drift',
  'silence',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface IncidentSummary {
  id: string;
  kind: IncidentKind;
  /** what groups its failures (kind plus e.g. event type and error code) */
  fingerprint: string;
  title: string;
  cause: string;
  state: IncidentState;
  firstSeenAt: string; // ISO
  lastSeenAt: string;
  /** failures folded into it */
  count: number;
  /** events of it parked as quarantined */
  quarantined: number;
  affectedCounts: { events: number; deliveries: number; users: number };
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  /** operator email, or "auto" when its condition cleared by itself */
  resolvedBy: string | null;
  note: string | null;
}

export interface AffectedEvent {
  id: number;
  svixId: string;
  /** a delivery that carried it (a replay records its own) */
  deliveryId: number | null;
  userId: string | null;
  /** its outcome now */
  outcome: EventOutcome | null;
}

export const ALERT_CHANNELS = ['webhook', 'slack', 'email'] as const;
export type AlertChannelName = (typeof ALERT_CHANNELS)[number];
export type AlertKind = 'opened' | 'resolved' | 'reminder' | 'test';

/** One alert on one channel: sent, or failed and why, after how many attempts. */
export interface IncidentAlertDto {
  id: number;
  incidentId: string | null;
  channel: AlertChannelName;
  kind: AlertKind;
  status: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  at: string;
}

export interface IncidentDetail extends IncidentSummary {
  /** capped lists (see affectedCounts for the totals) */
  affected: { events: AffectedEvent[]; deliveryIds: number[]; userIds: string[] };
  alerts: IncidentAlertDto[];
}

/** GET /api/incidents: newest first, plus what the navigation badge shows. */
export interface IncidentPage extends Page<IncidentSummary> {
  openCount: number;
}

export interface IncidentNoteRequest {
  note?: string;
}

export interface IncidentReplayResult {
  incidentId: string;
  /** affected events still failed or quarantined, replayed */
  replayed: number;
  results: ReplayResult[];
}

/** A configured alert channel and how its last alert went (failing = the last one failed). */
export interface AlertChannelDto {
  name: AlertChannelName;
  /** where it sends, secrets left out (host of a URL, the addresses of an email) */
  target: string;
  lastStatus: 'sent' | 'failed' | null;
  lastError: string | null;
  lastAt: string | null;
  failing: boolean;
}

/** The JSON body of a webhook alert (also what Slack and email messages are written from). */
export interface AlertBody {
  type: `incident.${Exclude<AlertKind, 'test'>}` | 'incident.test';
  monitor: string;
  incident: {
    id: string;
    title: string;
    kind: IncidentKind;
    cause: string;
    state: IncidentState;
    count: number;
    quarantined: number;
    affected: { events: number; deliveries: number; users: number };
    firstSeenAt: string;
    lastSeenAt: string;
    resolvedAt: string | null;
    url: string;
  };
  sentAt: string;
}
