// The rules that make the local copy converge whatever order Svix delivers in
// (delivery is at-least-once and best-effort ordered: Clerk's webhook guide).
// Pure functions, so every ordering case is unit-tested without a database.
//
// Clerk does not promise that updated_at strictly increases: two versions of a user, or a session's created and
// ended, can carry the same updated_at (the webhooks spec's own session examples do). So a tie is decided by
// content (users) or by status precedence (sessions), never dropped as a duplicate on the time alone.

/** conflict: the same updated_at as the version held but different content; Clerk's Backend API decides. */
export type Decision = 'apply' | 'stale' | 'duplicate' | 'conflict';

export interface StoredVersion {
  deleted: boolean;
  /** Clerk's updated_at of the version held; null for a tombstone never seen alive */
  clerkUpdatedAt: Date | null;
}

/**
 * user.created / user.updated: apply only a strictly newer version; a tombstone is final because Clerk
 * never reuses a deleted user's id (a late update must not resurrect it). At the same updated_at,
 * `sameContent` tells a redelivery (duplicate) from another version Clerk stamped with the same time (conflict).
 */
export function decideUserVersion(
  stored: StoredVersion | null,
  incomingUpdatedAt: Date,
  sameContent?: () => boolean,
): Decision {
  if (!stored) return 'apply';
  if (stored.deleted) return 'stale';
  const d = compareVersions(stored.clerkUpdatedAt, incomingUpdatedAt);
  if (d === 'duplicate' && sameContent && !sameContent()) return 'conflict';
  return d;
}

/** user.deleted wins over any version; deleting a tombstone again changes nothing. */
export function decideUserDeletion(stored: StoredVersion | null): Decision {
  return stored?.deleted ? 'duplicate' : 'apply';
}

/**
 * Which status wins when two versions of a session carry the same updated_at: a session only moves forward
 * (pending → active → an end), and an end is final, so an end beats a live status. Between two ends, the
 * one an operator or the user asked for explicitly beats the ones Clerk reaches by time.
 */
export const SESSION_STATUS_PRECEDENCE: readonly string[] = [
  'pending',
  'active',
  'expired',
  'abandoned',
  'replaced',
  'ended',
  'removed',
  'revoked',
];

const rank = (status: string): number => SESSION_STATUS_PRECEDENCE.indexOf(status);

/** Sessions end with a status, not a deletion: once one of these, a session never becomes live again. */
export const TERMINAL_SESSION_STATUSES: ReadonlySet<string> = new Set([
  'ended',
  'removed',
  'revoked',
  'expired',
  'abandoned',
  'replaced',
]);

/**
 * session.*: ordered by updated_at like users; sessions have no tombstones (status carries the end).
 * At the same updated_at the status of higher precedence wins; the same status is a duplicate.
 */
export function decideSessionVersion(
  stored: { clerkUpdatedAt: Date; status?: string } | null,
  incomingUpdatedAt: Date,
  incomingStatus?: string,
): Decision {
  if (!stored) return 'apply';
  const d = compareVersions(stored.clerkUpdatedAt, incomingUpdatedAt);
  if (
    d !== 'duplicate' ||
    stored.status === undefined ||
    incomingStatus === undefined ||
    stored.status === incomingStatus
  )
    return d;
  return rank(incomingStatus) > rank(stored.status) ? 'apply' : 'stale';
}

/**
 * A session as it stands now: Clerk moves an active or pending session to `expired` (past expire_at) or
 * `abandoned` (past abandon_at) without sending any event, so the stored status alone would stay live forever.
 */
export function effectiveSessionStatus(
  s: { status: string; expireAt: Date | null; abandonAt: Date | null },
  now: Date,
): string {
  if (s.status !== 'active' && s.status !== 'pending') return s.status;
  const t = now.getTime();
  const expire = s.expireAt?.getTime() ?? Infinity;
  const abandon = s.abandonAt?.getTime() ?? Infinity;
  if (Math.min(expire, abandon) > t) return s.status;
  return expire <= abandon ? 'expired' : 'abandoned';
}

// ---- organizations, memberships, invitations ----

/**
 * organization.created / organization.updated, and the organization a membership event embeds (a version of it
 * like any other): newer applies, at the same updated_at `sameContent` tells a redelivery (duplicate) from another
 * version stamped with the same time (conflict). Unlike a user's, a deleted organization's tombstone still records
 * newer versions — it stays deleted (ingest/apply.ts writes them as a tombstone) — so it ends with the name and
 * slug Clerk last gave it whether the deletion came first or last.
 */
export function decideOrganizationVersion(
  stored: StoredVersion | null,
  incomingUpdatedAt: Date,
  sameContent?: () => boolean,
): Decision {
  if (!stored) return 'apply';
  const d = compareVersions(stored.clerkUpdatedAt, incomingUpdatedAt);
  if (d === 'duplicate' && sameContent && !sameContent()) return 'conflict';
  return d;
}

/** organization.deleted (ordered by its envelope time, it carries no updated_at) wins over any version. */
export function decideOrganizationDeletion(stored: StoredVersion | null): Decision {
  return decideUserDeletion(stored);
}

/**
 * Why a membership ended: Clerk deleted it (organizationMembership.deleted: final), or its organization was
 * deleted (inferred here: Clerk's later versions of it are still recorded, it stays ended).
 */
export const MEMBERSHIP_ENDS = ['membership_deleted', 'organization_deleted'] as const;
export type MembershipEnd = (typeof MEMBERSHIP_ENDS)[number];

export interface HeldMembership {
  clerkUpdatedAt: Date;
  endedBy: MembershipEnd | null;
}

/**
 * organizationMembership.created / .updated: newer applies, older is stale. After organizationMembership.deleted
 * nothing applies (a re-added member gets a new membership id, so a version of a deleted one is old news). A
 * membership ended by its organization's deletion still takes newer versions, so it ends with the role Clerk
 * last gave it whatever order the events came in; it stays ended (see ingest/apply.ts). At the same updated_at,
 * `sameContent` tells a redelivery (duplicate) from another version (conflict: the held one stays).
 */
export function decideMembershipVersion(
  stored: HeldMembership | null,
  incomingUpdatedAt: Date,
  sameContent?: () => boolean,
): Decision {
  if (!stored) return 'apply';
  if (stored.endedBy === 'membership_deleted') return 'stale';
  const d = compareVersions(stored.clerkUpdatedAt, incomingUpdatedAt);
  if (d === 'duplicate' && sameContent && !sameContent()) return 'conflict';
  return d;
}

/**
 * organizationMembership.deleted carries the membership as it was, its updated_at not moved: it wins a tie and
 * any version (its data becomes the held one); a second deletion changes nothing.
 */
export function decideMembershipDeletion(stored: HeldMembership | null): Decision {
  return stored?.endedBy === 'membership_deleted' ? 'duplicate' : 'apply';
}

/** An invitation never leaves these: organizationInvitation.accepted / .revoked. */
export const TERMINAL_INVITATION_STATUSES: ReadonlySet<string> = new Set(['accepted', 'revoked']);

/** At the same updated_at, the later status wins; accepted and revoked cannot both happen, revoked ranks last. */
export const INVITATION_STATUS_PRECEDENCE: readonly string[] = ['pending', 'expired', 'accepted', 'revoked'];

/**
 * organizationInvitation.*: a terminal status (accepted, revoked) beats any pending version, whatever its time (an
 * invitation never reopens); otherwise newer applies, and at the same updated_at the status of higher precedence
 * wins (a terminal one beats pending: the spec's accepted and revoked examples keep created's updated_at).
 * `stored.status` is Clerk's status of the held version (not a local revocation).
 */
export function decideInvitationVersion(
  stored: { clerkUpdatedAt: Date; status: string } | null,
  incomingUpdatedAt: Date,
  incomingStatus: string,
): Decision {
  if (!stored) return 'apply';
  const heldTerminal = TERMINAL_INVITATION_STATUSES.has(stored.status);
  if (heldTerminal !== TERMINAL_INVITATION_STATUSES.has(incomingStatus)) return heldTerminal ? 'stale' : 'apply';
  const d = compareVersions(stored.clerkUpdatedAt, incomingUpdatedAt);
  if (d !== 'duplicate' || stored.status === incomingStatus) return d;
  return invitationRank(incomingStatus) > invitationRank(stored.status) ? 'apply' : 'stale';
}

const invitationRank = (status: string): number => INVITATION_STATUS_PRECEDENCE.indexOf(status);

/** An invitation as it stands now: Clerk expires a pending one past expires_at without an event. */
export function effectiveInvitationStatus(i: { status: string; expiresAt: Date | null }, now: Date): string {
  if (i.status !== 'pending' || i.expiresAt === null) return i.status;
  return i.expiresAt.getTime() <= now.getTime() ? 'expired' : 'pending';
}

function compareVersions(held: Date | null, incoming: Date): Decision {
  if (held === null) return 'apply';
  const diff = incoming.getTime() - held.getTime();
  if (diff > 0) return 'apply';
  return diff === 0 ? 'duplicate' : 'stale';
}

/**
 * How far ahead of the server's clock a version's `updated_at` may be. Clerk stamps versions with its own clock,
 * so a little skew is normal; a version from next year is not Clerk's: applied, it would make every genuine
 * update after it `stale`.
 */
export const MAX_VERSION_AHEAD_MS = 24 * 60 * 60 * 1000;

/** Why a version dated too far in the future is not applied, or null when its date is plausible. */
export function futureVersionReason(updatedAt: Date, now: Date): string | null {
  if (updatedAt.getTime() - now.getTime() <= MAX_VERSION_AHEAD_MS) return null;
  return `updated_at ${updatedAt.toISOString()} is more than a day ahead of the server's clock (${now.toISOString()}): not applied, since it would make every later genuine update stale. Check the sender; a resync takes Clerk's current version`;
}
