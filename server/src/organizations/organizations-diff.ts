// Field-by-field difference between two versions of an organization, a membership or an invitation (microdiff, as
// for users: resync/diff.ts). Fields Clerk moves without a new updated_at are left out (clerk-json.ts lists them):
// two versions that differ only there are the same version. A compare shows them apart (`volatileOrganizationDiffs`).
import diff from 'microdiff';
import type { FieldDiff } from '../contract.ts';
import { CLERK_MEMBERSHIP_VOLATILE_FIELDS, CLERK_ORGANIZATION_VOLATILE_FIELDS } from '../clerk/clerk-json.ts';

const NONE: ReadonlySet<string> = new Set();

function fieldDiffs(
  a: Record<string, unknown> | null,
  b: Record<string, unknown> | null,
  volatile: ReadonlySet<string>,
  onlyVolatile = false,
): FieldDiff[] {
  return diff(a ?? {}, b ?? {}, { cyclesFix: false }).flatMap((d): FieldDiff[] => {
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

/** The differences between two organization JSONs, counts and activity left out. */
export function diffOrganizations(
  local: Record<string, unknown> | null,
  clerk: Record<string, unknown> | null,
): FieldDiff[] {
  return fieldDiffs(local, clerk, CLERK_ORGANIZATION_VOLATILE_FIELDS);
}

/** The differences in counts and activity only: shown beside the drift, never counted as drift. */
export function volatileOrganizationDiffs(
  local: Record<string, unknown> | null,
  clerk: Record<string, unknown> | null,
): FieldDiff[] {
  return fieldDiffs(local, clerk, CLERK_ORGANIZATION_VOLATILE_FIELDS, true);
}

/** The differences between two membership JSONs (without their organization), the member's profile left out. */
export function diffMemberships(
  local: Record<string, unknown> | null,
  clerk: Record<string, unknown> | null,
): FieldDiff[] {
  return fieldDiffs(local, clerk, CLERK_MEMBERSHIP_VOLATILE_FIELDS);
}

/** The differences between two invitation JSONs. */
export function diffInvitations(
  local: Record<string, unknown> | null,
  clerk: Record<string, unknown> | null,
): FieldDiff[] {
  return fieldDiffs(local, clerk, NONE);
}
