// Field-by-field difference between two versions of an organization, a membership or an invitation (the users'
// microdiff walk: resync/diff.ts). Fields Clerk moves without a new updated_at are left out (clerk-json.ts lists them):
// two versions that differ only there are the same version. A compare shows them apart (`volatileOrganizationDiffs`).
import type { FieldDiff } from '../contract.ts';
import { fieldDiffs } from '../resync/diff.ts';
import { CLERK_MEMBERSHIP_VOLATILE_FIELDS, CLERK_ORGANIZATION_VOLATILE_FIELDS } from '../clerk/clerk-json.ts';

const NONE: ReadonlySet<string> = new Set();

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
