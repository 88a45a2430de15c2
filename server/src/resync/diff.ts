// Field-by-field difference between the local copy and Clerk's user, with microdiff (small, maintained,
// handles nested objects and arrays; see docs/decisions/005-server-libraries.md).
import diff from 'microdiff';
import type { FieldDiff } from '../contract.ts';
import { CLERK_USER_VOLATILE_FIELDS } from '../clerk/clerk-json.ts';

/**
 * Fields Clerk changes without sending user.updated (activity timestamps, lockout countdowns): they would mark
 * every active user drifted, so they are not drift. The list lives with Clerk's wire format (clerk-json.ts).
 */
export const VOLATILE_FIELDS = CLERK_USER_VOLATILE_FIELDS;

/** The differences that are drift (every field but the volatile ones). */
export function diffUsers(local: Record<string, unknown> | null, clerk: Record<string, unknown> | null): FieldDiff[] {
  return fieldDiffs(local, clerk, VOLATILE_FIELDS);
}

/** The differences in volatile fields only: shown beside the drift, never counted as drift. */
export function volatileDiffs(
  local: Record<string, unknown> | null,
  clerk: Record<string, unknown> | null,
): FieldDiff[] {
  return fieldDiffs(local, clerk, VOLATILE_FIELDS, true);
}

/**
 * The differences between two versions of a Clerk object: those outside `volatile` (the drift), or with
 * `onlyVolatile` those inside it (top-level field names). Users, organizations, memberships and invitations share it.
 */
export function fieldDiffs(
  local: Record<string, unknown> | null,
  clerk: Record<string, unknown> | null,
  volatile: ReadonlySet<string>,
  onlyVolatile = false,
): FieldDiff[] {
  // Volatile fields are split off the result rather than dropped from copies of both users, and both are parsed
  // JSON (no cycles to guard against): copying every user twice and tracking cycles was most of a reconcile
  // page's compare time (500 users per page).
  return diff(local ?? {}, clerk ?? {}, { cyclesFix: false }).flatMap((d): FieldDiff[] => {
    if (volatile.has(String(d.path[0])) !== onlyVolatile) return [];
    const path = d.path.join('.');
    switch (d.type) {
      case 'CREATE':
        return [{ path, kind: 'added', local: undefined, clerk: d.value }];
      case 'REMOVE':
        return [{ path, kind: 'removed', local: d.oldValue, clerk: undefined }];
      case 'CHANGE':
        return [{ path, kind: 'changed', local: d.oldValue, clerk: d.value }];
    }
  });
}
