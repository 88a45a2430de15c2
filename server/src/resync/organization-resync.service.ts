// Compare a local organization (its fields, its member list, its pending invitations) with Clerk's current state,
// and resync: write Clerk's state to the local copy (Clerk is the truth; 404 → tombstone, its memberships ended).
// Read-only towards Clerk, and every request goes through the rate budget reconcile uses (the key's limit is
// shared): an organization of 2,000 members is 1 + 4 + 1 requests. The rules are the users' (resync.service.ts):
// Clerk's answer replaces what was held when it was fetched, even a version dated later; only what a webhook wrote
// after the fetch is newer than the answer, and stays.
import type {
  InvitationDifference,
  MemberDifference,
  OperatorDto,
  OrganizationComparison,
  OrganizationResyncResult,
  ResyncCounts,
  SyncStatus,
} from '../contract.ts';
import type { UnitOfWork } from '../data/unit-of-work.ts';
import type { Publisher } from '../realtime/publisher.ts';
import { walkOffsetPages, type ClerkClient } from '../clerk/clerk-client.ts';
import type {
  ClerkOrganizationInvitationJson,
  ClerkOrganizationJson,
  ClerkOrganizationMembershipJson,
} from '../clerk/clerk-json.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { OrganizationsService } from '../organizations/organizations.service.ts';
import type { OrganizationSource } from '../organizations/organizations.repository.ts';
import { publicUserLabelOf, type MembershipRow } from '../organizations/memberships.repository.ts';
import type { InvitationRow } from '../organizations/invitations.repository.ts';
import { diffOrganizations, volatileOrganizationDiffs } from '../organizations/organizations-diff.ts';
import type { Logger } from '../lib/logger.ts';
import { notFound } from '../lib/errors.ts';
import { capJsonDepth } from '../lib/json-depth.ts';
import {
  diffMemberLists,
  diffPendingInvitations,
  isPendingNow,
  storedObject,
  type ListDifference,
} from './organization-diff.ts';

/** Clerk's side of one organization, as fetched. */
interface ClerkOrganizationState {
  /** null: Clerk answered 404 (for the organization, or for its lists while they were read) */
  organization: ClerkOrganizationJson | null;
  memberships: ClerkOrganizationMembershipJson[];
  /** the pending list (status=pending) */
  pending: ClerkOrganizationInvitationJson[];
  requests: number;
}

const obj = (v: unknown) => v as Record<string, unknown>;
const noCounts = (): ResyncCounts => ({ created: 0, updated: 0, ended: 0, unchanged: 0, kept: 0 });

export function createOrganizationResyncService(deps: {
  uow: UnitOfWork;
  /** the rate-budgeted client */
  clerk: ClerkClient;
  organizations: Pick<OrganizationsService, 'get'>;
  publisher: Publisher;
  logger: Logger;
  audit?: AuditRecorder;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  const { repos } = deps.uow;

  /** The organization, every membership and the pending invitations, one budgeted request per page. */
  async function fetchState(id: string): Promise<ClerkOrganizationState> {
    let requests = 1;
    const answered = await deps.clerk.getOrganization(id);
    // the route names an id: an answer for a slug that happens to equal it is another organization
    const organization = answered && answered.id === id ? answered : null;
    const gone = { organization: null, memberships: [], pending: [], requests };
    if (!organization) return gone;
    const memberships = await walkOffsetPages((offset) => {
      requests++;
      return deps.clerk.organizationMembershipsPage(id, offset);
    });
    const pending =
      memberships &&
      (await walkOffsetPages((offset) => {
        requests++;
        return deps.clerk.organizationInvitationsPage(id, offset, 'pending');
      }));
    // deleted while its lists were read: as gone as a 404 for the organization itself
    if (!memberships || !pending) return { ...gone, requests };
    return { organization, memberships, pending, requests };
  }

  /** Labels for the members of both lists: the local user's email or name, else the membership's own. */
  async function memberLabels(differences: ListDifference<MembershipRow>[]): Promise<MemberDifference[]> {
    const userOf = (d: ListDifference<MembershipRow>): string | null => {
      const fromClerk = d.clerk ? obj(d.clerk.public_user_data ?? {}).user_id : undefined;
      return typeof fromClerk === 'string' ? fromClerk : (d.local?.userId ?? null);
    };
    const userIds = [...new Set(differences.map(userOf).filter((u): u is string => u !== null))];
    const [labels, held] = await Promise.all([repos.users.labels(userIds), repos.users.heldIds(userIds)]);
    return differences.map((d) => {
      const userId = userOf(d);
      const own = d.clerk ? publicUserLabelOf(d.clerk) : d.local ? publicUserLabelOf(storedObject(d.local.data)) : null;
      const liveLocal = d.local && !d.local.deleted ? d.local : null;
      return {
        membershipId: d.id,
        kind: d.kind,
        userId,
        userLabel: (userId ? labels.get(userId) : undefined) ?? own,
        userHeld: userId !== null && held.has(userId),
        localRole: liveLocal?.role ?? null,
        clerkRole: d.clerk && typeof d.clerk.role === 'string' ? d.clerk.role : null,
        endedLocally: d.kind === 'missing' && d.local !== null && d.local.deleted,
        diff: d.diff,
      };
    });
  }

  const invitationDifference = (d: ListDifference<InvitationRow>): InvitationDifference => {
    const email = d.clerk?.email_address ?? d.local?.emailAddress ?? null;
    return {
      invitationId: d.id,
      kind: d.kind,
      emailAddress: typeof email === 'string' ? email : null,
      localStatus: d.local?.status ?? null,
      clerkStatus: d.clerk ? 'pending' : null,
      diff: d.diff,
    };
  };

  /**
   * The resync rules for one organization, given Clerk's state fetched at `fetchedAt`, and (for the local pending
   * invitations Clerk's pending list lacks) Clerk's version of each, null when Clerk has none. Does not publish.
   */
  async function applyClerkState(
    id: string,
    state: ClerkOrganizationState,
    others: ReadonlyMap<string, ClerkOrganizationInvitationJson | null>,
    opts: { fetchedAt: Date; source?: OrganizationSource },
  ): Promise<Omit<OrganizationResyncResult, 'organization' | 'clerkRequests'>> {
    const source = opts.source ?? 'resync';
    const { fetchedAt } = opts;
    return deps.uow.transaction(
      async (tx) => {
        const now = clock();
        const members = noCounts();
        const pendingInvitations = noCounts();
        const local = await tx.organizations.get(id);
        const rows = await tx.memberships.allForOrganization(id);
        /** written by a webhook while Clerk was being asked: newer than the answer */
        const newerThanAnswer = (r: { updatedAt: Date; source?: string }) =>
          (r.source ?? 'webhook') === 'webhook' && r.updatedAt.getTime() >= fetchedAt.getTime();

        if (!state.organization) {
          if (!local && rows.length === 0)
            throw notFound(`Organization ${id} (neither Clerk nor the local copy knows it)`);
          members.ended = await tx.memberships.endForOrganization(id, local?.deletedAt ?? now, source);
          pendingInvitations.ended = await tx.invitations.revokePendingOfOrganization(id);
          if (local?.deleted) {
            await tx.organizations.setSyncStatus(id, 'deleted', now);
            return { organizationId: id, result: 'unchanged', changedFields: [], members, pendingInvitations };
          }
          await tx.organizations.tombstone(id, now, { source, comparedAt: now });
          return {
            organizationId: id,
            result: 'tombstoned',
            changedFields: ['deleted'],
            members,
            pendingInvitations,
          };
        }

        const clerk = obj(state.organization);
        const alive = local && !local.deleted ? local : null;
        const changed = diffOrganizations(alive ? storedObject(alive.data) : null, clerk).map((d) => d.path);
        const heldMs = alive?.clerkUpdatedAt ? alive.clerkUpdatedAt.getTime() : null;
        const clerkMs = state.organization.updated_at;
        let note: string | undefined;
        let keepOrganization = false;
        // NaN: a date PostgreSQL holds but the driver cannot read back (past year 9999), i.e. far in the future
        if (heldMs !== null && (Number.isNaN(heldMs) || heldMs > clerkMs)) {
          const versions = `held ${Number.isNaN(heldMs) ? 'a date past the year 9999' : alive!.clerkUpdatedAt!.toISOString()}, Clerk's ${new Date(clerkMs).toISOString()}`;
          if (!Number.isNaN(heldMs) && newerThanAnswer(alive!)) {
            keepOrganization = true;
            note = `kept a newer version a webhook delivered while Clerk was being asked (${versions})`;
          } else {
            note =
              Number.isNaN(heldMs) || heldMs > now.getTime()
                ? `overwrote a local version dated in the future (${versions})`
                : `overwrote a local version dated later than Clerk's (${versions})`;
          }
        }
        if (keepOrganization) await tx.organizations.setSyncStatus(id, 'never_compared', now);
        else await tx.organizations.putFromClerk(clerk, { source, syncStatus: 'in_sync', comparedAt: now });

        // memberships: Clerk's list is the whole truth
        const differences = diffMemberLists(rows, state.memberships.map(obj));
        members.unchanged = rows.filter((r) => !r.deleted).length;
        const backfill: Record<string, unknown>[] = [];
        for (const d of differences) {
          if (d.kind !== 'missing') members.unchanged--;
          if (!d.local) {
            backfill.push(d.clerk!);
            continue;
          }
          if (newerThanAnswer(d.local)) {
            members.kept++;
          } else if (d.kind === 'extra') {
            await tx.memberships.endHeld(d.id, { at: now, by: 'membership_deleted' }, source);
            members.ended++;
          } else {
            await tx.memberships.putFromClerk(d.clerk!, id, source);
            members.updated++;
          }
        }
        await tx.memberships.createFromClerk(backfill, id, source);
        members.created = backfill.length;

        // pending invitations: Clerk's pending list, and Clerk's version of those pending here but not there
        const invitationRows = await tx.invitations.pendingRowsForOrganization(id);
        const heldElsewhere = await tx.invitations.byIds(
          state.pending.filter((i) => !invitationRows.some((r) => r.id === i.id)).map((i) => i.id),
        );
        const invitationDifferences = diffPendingInvitations(
          [...invitationRows, ...heldElsewhere],
          state.pending.map(obj),
          now,
        );
        pendingInvitations.unchanged =
          invitationRows.filter((r) => isPendingNow(r.status, r.expiresAt?.getTime() ?? null, now)).length -
          invitationDifferences.filter((d) => d.kind !== 'missing').length;
        for (const d of invitationDifferences) {
          if (d.local && newerThanAnswer({ updatedAt: d.local.updatedAt })) {
            pendingInvitations.kept++;
            continue;
          }
          if (d.kind !== 'extra') {
            await tx.invitations.putFromClerk(d.clerk!, id);
            if (d.local) pendingInvitations.updated++;
            else pendingInvitations.created++;
            continue;
          }
          const theirs = others.get(d.id);
          if (theirs) {
            await tx.invitations.putFromClerk(obj(theirs), id);
            pendingInvitations.updated++;
          } else {
            await tx.invitations.revokeNotInClerk(d.id);
            pendingInvitations.ended++;
          }
        }

        const revived = local?.deleted ?? false;
        const result = !local
          ? 'created'
          : keepOrganization
            ? 'unchanged'
            : changed.length > 0 || revived
              ? 'updated'
              : 'unchanged';
        return {
          organizationId: id,
          result,
          changedFields: keepOrganization ? [] : revived ? ['deleted', ...changed] : changed,
          ...(note ? { note } : {}),
          members,
          pendingInvitations,
        };
      },
      [id],
    );
  }

  /**
   * Clerk's state and, for the invitations pending here that Clerk's pending list lacks, Clerk's version of each
   * (one more walk, of the whole invitation list, only when there are such).
   */
  async function fetchForResync(id: string) {
    const fetchedAt = clock();
    const state = await fetchState(id);
    const others = new Map<string, ClerkOrganizationInvitationJson | null>();
    if (state.organization) {
      const listed = new Set(state.pending.map((i) => i.id));
      const unlisted = (await repos.invitations.pendingRowsForOrganization(id)).filter((r) => !listed.has(r.id));
      if (unlisted.length > 0) {
        const all = await walkOffsetPages((offset) => {
          state.requests++;
          return deps.clerk.organizationInvitationsPage(id, offset);
        });
        const byId = new Map((all ?? []).map((i) => [i.id, i]));
        for (const r of unlisted) others.set(r.id, byId.get(r.id) ?? null);
      }
    }
    return { fetchedAt, state, others };
  }

  async function summaryOf(id: string) {
    const organization = await deps.organizations.get(id);
    const {
      data: _data,
      source: _s,
      lastEvent: _e,
      members: _m,
      membersTotal: _t,
      formerMembers: _f,
      pendingInvitations: _p,
      ...summary
    } = organization;
    return { organization, summary };
  }

  return {
    async compare(id: string): Promise<OrganizationComparison> {
      const state = await fetchState(id);
      const [local, memberRows, invitationRows] = await Promise.all([
        repos.organizations.get(id),
        repos.memberships.allForOrganization(id),
        repos.invitations.pendingRowsForOrganization(id),
      ]);
      if (!state.organization && !local && memberRows.length === 0)
        throw notFound(`Organization ${id} (neither Clerk nor the local copy knows it)`);
      const now = clock();
      const heldElsewhere = await repos.invitations.byIds(
        state.pending.filter((i) => !invitationRows.some((r) => r.id === i.id)).map((i) => i.id),
      );
      // both sides cut at the nesting limit, as a user's are
      const localData = local?.data ? storedObject(local.data) : null;
      const clerk = state.organization ? (capJsonDepth(state.organization) as Record<string, unknown>) : null;
      const localDeleted = local?.deleted ?? false;
      const bothAlive = localData && !localDeleted && clerk;
      const diff = localDeleted && !clerk ? [] : diffOrganizations(localDeleted ? null : localData, clerk);
      const members = await memberLabels(diffMemberLists(memberRows, state.memberships.map(obj)));
      const invitations = diffPendingInvitations(
        [...invitationRows, ...heldElsewhere],
        state.pending.map(obj),
        now,
      ).map(invitationDifference);
      const differences = diff.length + members.length + invitations.length;
      let status: SyncStatus;
      if (!clerk) status = localDeleted && differences === 0 ? 'deleted' : 'drifted';
      else status = !local || localDeleted || differences > 0 ? 'drifted' : 'in_sync';
      // A GET changes nothing: the status is answered, not stored (a resync stores what it finds).
      return {
        organizationId: id,
        local: localData,
        localDeleted,
        clerk,
        diff,
        volatile: bothAlive ? volatileOrganizationDiffs(localData, clerk) : [],
        members: {
          local: memberRows.filter((r) => !r.deleted).length,
          clerk: state.memberships.length,
          differences: members,
        },
        pendingInvitations: {
          local: invitationRows.filter((r) => isPendingNow(r.status, r.expiresAt?.getTime() ?? null, now)).length,
          clerk: state.pending.filter((i) => isPendingNow(i.status, i.expires_at ?? null, now)).length,
          differences: invitations,
        },
        status,
        comparedAt: now.toISOString(),
      };
    },

    applyClerkState,

    async resync(id: string, operator: OperatorDto): Promise<OrganizationResyncResult> {
      const { fetchedAt, state, others } = await fetchForResync(id);
      const outcome = await applyClerkState(id, state, others, { fetchedAt });
      const { organization, summary } = await summaryOf(id);
      const result: OrganizationResyncResult = { ...outcome, clerkRequests: state.requests, organization };
      deps.logger.info(
        {
          organizationId: id,
          operator: operator.email,
          result: outcome.result,
          members: outcome.members,
          requests: state.requests,
        },
        'organization resync',
      );
      deps.publisher.organizationChanged(summary);
      await deps.audit?.record(operator.email, 'organization_resync', id, {
        result: outcome.result,
        changedFields: outcome.changedFields,
        members: outcome.members,
        pendingInvitations: outcome.pendingInvitations,
        clerkRequests: state.requests,
        ...(outcome.note ? { note: outcome.note } : {}),
      });
      return result;
    },

    /**
     * Clerk's answer decides for one organization, with no operator behind it (a conflicting version at a tied
     * updated_at): the organization, its members and pending invitations, published like any change.
     */
    async refreshFromClerk(id: string): Promise<Pick<OrganizationResyncResult, 'result' | 'changedFields'>> {
      const { fetchedAt, state, others } = await fetchForResync(id);
      const outcome = await applyClerkState(id, state, others, { fetchedAt });
      deps.publisher.organizationChanged((await summaryOf(id)).summary);
      deps.logger.info(
        { organizationId: id, result: outcome.result, members: outcome.members },
        'conflicting organization versions resolved from Clerk',
      );
      return outcome;
    },
  };
}

export type OrganizationResyncService = ReturnType<typeof createOrganizationResyncService>;
