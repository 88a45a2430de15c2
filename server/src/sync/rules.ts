// The rules that make the local copy converge whatever order Svix delivers in
// (delivery is at-least-once and best-effort ordered: shared/CLERK.md §1).
// Pure functions, so every ordering case is unit-tested without a database.

export type Decision = 'apply' | 'stale' | 'duplicate';

export interface StoredVersion {
  deleted: boolean;
  /** Clerk's updated_at of the version held; null for a tombstone never seen alive */
  clerkUpdatedAt: Date | null;
}

/**
 * user.created / user.updated: apply only a strictly newer version; a tombstone is final because Clerk
 * never reuses a deleted user's id (a late update must not resurrect it).
 */
export function decideUserVersion(stored: StoredVersion | null, incomingUpdatedAt: Date): Decision {
  if (!stored) return 'apply';
  if (stored.deleted) return 'stale';
  return compareVersions(stored.clerkUpdatedAt, incomingUpdatedAt);
}

/** user.deleted wins over any version; deleting a tombstone again changes nothing. */
export function decideUserDeletion(stored: StoredVersion | null): Decision {
  return stored?.deleted ? 'duplicate' : 'apply';
}

/** session.*: ordered by updated_at like users; sessions have no tombstones (status carries the end). */
export function decideSessionVersion(stored: { clerkUpdatedAt: Date } | null, incomingUpdatedAt: Date): Decision {
  if (!stored) return 'apply';
  return compareVersions(stored.clerkUpdatedAt, incomingUpdatedAt);
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
