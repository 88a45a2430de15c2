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
  const l = withoutVolatile(local ?? {});
  const c = withoutVolatile(clerk ?? {});
  return diff(l, c).map((d) => {
    const path = d.path.join('.');
    switch (d.type) {
      case 'CREATE':
        return { path, kind: 'added', local: undefined, clerk: d.value } as FieldDiff;
      case 'REMOVE':
        return { path, kind: 'removed', local: d.oldValue, clerk: undefined } as FieldDiff;
      case 'CHANGE':
        return { path, kind: 'changed', local: d.oldValue, clerk: d.value } as FieldDiff;
    }
  });
}

function withoutVolatile(u: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(u).filter(([k]) => !VOLATILE_FIELDS.has(k)));
}
