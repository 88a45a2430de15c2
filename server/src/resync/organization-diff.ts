// What differs between an organization's member list (and its pending invitations) as held locally and as Clerk
// lists them: pure functions over rows and Clerk's answers, shared by the compare (which shows them) and the resync
// (which writes Clerk's side). Field differences come from organizations/organizations-diff.ts, so a member's
// profile (public_user_data) and the organization a membership embeds are never a difference.
import type { FieldDiff, MemberDifferenceKind } from '../contract.ts';
import { diffInvitations, diffMemberships } from '../organizations/organizations-diff.ts';
import { parseStoredJson } from '../lib/json-depth.ts';

/** What the list diff reads of a local membership row. */
export interface LocalMembership {
  id: string;
  deleted: boolean;
  data: string;
}

/** What the list diff reads of a local invitation row. */
export interface LocalInvitation {
  id: string;
  status: string;
  expiresAt: Date | null;
  data: string;
}

export interface ListDifference<L> {
  kind: MemberDifferenceKind;
  id: string;
  /** the local row (for `missing`, one held as ended, if any) */
  local: L | null;
  /** Clerk's version (a membership without the organization it embeds) */
  clerk: Record<string, unknown> | null;
  diff: FieldDiff[];
}

const KIND_ORDER: Record<MemberDifferenceKind, number> = { missing: 0, extra: 1, changed: 2 };
const byKind = <L>(a: ListDifference<L>, b: ListDifference<L>) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind];

/** Stored JSON as an object (cut at the nesting limit, as a user's is); anything else as an empty one. */
export function storedObject(data: string | null): Record<string, unknown> {
  if (!data) return {};
  try {
    const v = parseStoredJson(data).value;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** A membership as Clerk answers it, without its organization (kept once, in Organization, as a webhook's is). */
export function withoutOrganization(m: Record<string, unknown>): Record<string, unknown> {
  const { organization: _organization, ...rest } = m;
  return rest;
}

/**
 * The memberships that differ: Clerk lists them and no live local one exists (missing), live locally and not
 * listed (extra), or both with other fields (changed). Clerk's list is in its order, then extra ones in the
 * local order; missing ones come first.
 */
export function diffMemberLists<L extends LocalMembership>(
  local: readonly L[],
  clerk: readonly Record<string, unknown>[],
): ListDifference<L>[] {
  const held = new Map(local.map((r) => [r.id, r]));
  const listed = new Set<string>();
  const out: ListDifference<L>[] = [];
  for (const raw of clerk) {
    const m = withoutOrganization(raw);
    const id = String(m.id);
    listed.add(id);
    const row = held.get(id) ?? null;
    if (!row || row.deleted) {
      out.push({ kind: 'missing', id, local: row, clerk: m, diff: [] });
      continue;
    }
    const diff = diffMemberships(storedObject(row.data), m);
    if (diff.length > 0) out.push({ kind: 'changed', id, local: row, clerk: m, diff });
  }
  for (const row of local) {
    if (!row.deleted && !listed.has(row.id)) out.push({ kind: 'extra', id: row.id, local: row, clerk: null, diff: [] });
  }
  return out.sort(byKind);
}

/** Pending now: Clerk expires an invitation past expires_at without an event (or a status change in a list). */
export const isPendingNow = (status: unknown, expiresAt: number | null, now: Date): boolean =>
  status === 'pending' && (expiresAt === null || expiresAt > now.getTime());

/**
 * The pending invitations that differ: pending in Clerk and not locally (missing: none held, or held with another
 * status), pending locally and not in Clerk's pending list (extra), or pending on both sides with other fields.
 * `localRows` are the invitations the local copy holds of the organization (any status is fine: only pending
 * ones count as local), `clerkPending` Clerk's pending list.
 */
export function diffPendingInvitations<L extends LocalInvitation>(
  localRows: readonly L[],
  clerkPending: readonly Record<string, unknown>[],
  now: Date,
): ListDifference<L>[] {
  const held = new Map(localRows.map((r) => [r.id, r]));
  const localPending = localRows.filter((r) => isPendingNow(r.status, r.expiresAt?.getTime() ?? null, now));
  const listed = new Set<string>();
  const out: ListDifference<L>[] = [];
  for (const i of clerkPending) {
    if (!isPendingNow(i.status, typeof i.expires_at === 'number' ? i.expires_at : null, now)) continue;
    const id = String(i.id);
    listed.add(id);
    const row = held.get(id) ?? null;
    if (!row || !isPendingNow(row.status, row.expiresAt?.getTime() ?? null, now)) {
      out.push({ kind: 'missing', id, local: row, clerk: i, diff: [] });
      continue;
    }
    const diff = diffInvitations(storedObject(row.data), i);
    if (diff.length > 0) out.push({ kind: 'changed', id, local: row, clerk: i, diff });
  }
  for (const row of localPending) {
    if (!listed.has(row.id)) out.push({ kind: 'extra', id: row.id, local: row, clerk: null, diff: [] });
  }
  return out.sort(byKind);
}
