// Field-by-field difference between the local copy and Clerk's user, with microdiff (small, maintained,
// handles nested objects and arrays; see docs/decisions/005-server-libraries.md).
import diff from 'microdiff';
import type { FieldDiff } from '../contract.ts';

/**
 * Fields Clerk changes without sending user.updated (activity timestamps): they would mark every
 * active user drifted, so they are not compared.
 */
export const VOLATILE_FIELDS = new Set(['last_active_at', 'last_sign_in_at']);

export function diffUsers(local: Record<string, unknown> | null, clerk: Record<string, unknown> | null): FieldDiff[] {
  // Volatile fields are dropped from the result rather than from copies of both users, and both are parsed
  // JSON (no cycles to guard against): copying every user twice and tracking cycles was most of a reconcile
  // page's compare time (500 users per page).
  return diff(local ?? {}, clerk ?? {}, { cyclesFix: false }).flatMap((d): FieldDiff[] => {
    if (VOLATILE_FIELDS.has(String(d.path[0]))) return [];
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
