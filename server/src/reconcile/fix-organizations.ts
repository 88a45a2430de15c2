// Fixing organization and membership findings: Clerk's current state of each, fetched in batches, written with the
// single-resync rules users follow (resync.service.ts applyClerkState): Clerk's answer is the truth when it was
// fetched, so it replaces whatever version was held — except one a webhook wrote after the fetch, which is newer.
// Organizations are fetched 100 a request (organization_id); memberships through their organization's list (Clerk
// has no lookup of one membership by id), one list per organization of the batch. Writes are the tables' own
// (organizations/), each in one transaction under the object's lock, as the webhook path takes it.
import type { ResyncResult } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ClerkOrganizationJson, ClerkOrganizationMembershipJson } from '../clerk/clerk-json.ts';
import type { UnitOfWork } from '../data/unit-of-work.ts';
import type { OrganizationFindingRow } from './reconcile.repository.ts';
import { CLERK_PAGE_LIMIT, ORGANIZATION_ID_BATCH } from '../clerk/clerk-client.ts';
import { diffMemberships, diffOrganizations } from '../organizations/organizations-diff.ts';
import { membershipColumnsOf } from '../organizations/memberships.repository.ts';

type Result = ResyncResult['result'];

const parse = (data: string | null) => (data ? (JSON.parse(data) as Record<string, unknown>) : null);

/** A held version dated after Clerk's answer that a webhook wrote after the answer was fetched: it stays. */
const keptNewer = (
  held: { clerkUpdatedAt: Date | null; source: string; updatedAt: Date } | null,
  clerkUpdatedAt: number,
  fetchedAt: Date,
) =>
  held !== null &&
  held.clerkUpdatedAt !== null &&
  held.clerkUpdatedAt.getTime() > clerkUpdatedAt &&
  held.source === 'webhook' &&
  held.updatedAt.getTime() >= fetchedAt.getTime();

export function createOrganizationFixer(deps: { uow: UnitOfWork; clerk: ClerkClient; clock: () => Date }) {
  const { uow, clerk, clock } = deps;

  /** One organization: Clerk's version (null: Clerk no longer has it, so a tombstone that ends its memberships). */
  function applyOrganization(id: string, now: ClerkOrganizationJson | null, fetchedAt: Date): Promise<Result> {
    return uow.transaction(
      async (tx) => {
        const at = clock();
        const local = await tx.organizations.get(id);
        if (!now) {
          if (!local) return 'unchanged';
          if (local.deleted) {
            await tx.organizations.setSyncStatus(id, 'deleted', at);
            return 'unchanged';
          }
          await tx.organizations.tombstone(id, at, { source: 'reconcile', comparedAt: at });
          // as an organization.deleted would: its memberships end, its pending invitations are revoked
          await tx.memberships.endForOrganization(id, at, 'reconcile');
          await tx.invitations.revokePendingOfOrganization(id);
          return 'tombstoned';
        }
        if (local && !local.deleted && keptNewer(local, now.updated_at, fetchedAt)) {
          await tx.organizations.setSyncStatus(id, 'never_compared', at);
          return 'unchanged';
        }
        const changed =
          !local || local.deleted || diffOrganizations(parse(local.data), now as Record<string, unknown>).length > 0;
        await tx.organizations.putFromClerk(now as Record<string, unknown>, {
          source: 'reconcile',
          syncStatus: 'in_sync',
          comparedAt: at,
        });
        return !local ? 'created' : changed ? 'updated' : 'unchanged';
      },
      [id],
    );
  }

  /**
   * One membership: Clerk's version (live), or — Clerk no longer lists it — ended (by its organization's deletion
   * when the organization is gone too).
   */
  function applyMembership(
    f: Pick<OrganizationFindingRow, 'objectId' | 'organizationId'>,
    now: ClerkOrganizationMembershipJson | null,
    organizationGone: boolean,
    fetchedAt: Date,
  ): Promise<Result> {
    return uow.transaction(
      async (tx) => {
        const at = clock();
        const local = await tx.memberships.get(f.objectId);
        if (!now) {
          if (!local || local.deleted) return 'unchanged';
          const by = organizationGone ? 'organization_deleted' : 'membership_deleted';
          return (await tx.memberships.endHeld(f.objectId, { by, at }, 'reconcile')) ? 'tombstoned' : 'unchanged';
        }
        if (local && !local.deleted && keptNewer(local, now.updated_at, fetchedAt)) return 'unchanged';
        const own = membershipColumnsOf(now as unknown as Record<string, unknown>, now.organization.id).data;
        const changed = !local || local.deleted || diffMemberships(parse(local.data), parse(own)).length > 0;
        await tx.memberships.putFromClerk(now as unknown as Record<string, unknown>, now.organization.id, 'reconcile');
        return !local ? 'created' : changed ? 'updated' : 'unchanged';
      },
      [f.objectId, f.organizationId],
    );
  }

  return {
    /** Fixes a batch (≤ 100) of organization findings; each finding's result, in order. */
    async organizations(batch: OrganizationFindingRow[]): Promise<Result[]> {
      if (batch.length > ORGANIZATION_ID_BATCH) throw new RangeError('at most 100 organizations a batch');
      const fetchedAt = clock();
      const answer = await clerk.organizationsPage(0, {
        organizationIds: batch.map((f) => f.objectId),
        limit: ORGANIZATION_ID_BATCH,
      });
      const current = new Map(answer.data.map((o) => [o.id, o]));
      const out: Result[] = [];
      for (const f of batch) out.push(await applyOrganization(f.objectId, current.get(f.objectId) ?? null, fetchedAt));
      return out;
    },

    /**
     * Fixes membership findings from one walk of every membership of the instance (GET /v1/organization_memberships):
     * cheaper than one list per organization when the findings span more organizations than that list has pages (a
     * first backfill). One a shift of the list hid, or that Clerk no longer has, is asked about through its
     * organization's list before it is ended: only that list tells "gone" for sure. Results in order.
     */
    async membershipsByWalk(batch: OrganizationFindingRow[]): Promise<Result[]> {
      const wanted = new Map(batch.map((f) => [f.objectId, f]));
      const results = new Map<number, Result>();
      for (let offset = 0; ; offset += CLERK_PAGE_LIMIT) {
        const fetchedAt = clock();
        const page = await clerk.allOrganizationMembershipsPage(offset);
        for (const m of page.data) {
          const f = wanted.get(m.id);
          if (f && !results.has(f.id)) results.set(f.id, await applyMembership(f, m, false, fetchedAt));
        }
        if (page.data.length < CLERK_PAGE_LIMIT || offset + page.data.length >= page.total_count) break;
      }
      const unseen = batch.filter((f) => !results.has(f.id));
      const confirmed = await this.memberships(unseen);
      unseen.forEach((f, i) => results.set(f.id, confirmed[i]!));
      return batch.map((f) => results.get(f.id)!);
    },

    /** Fixes a batch of membership findings, reading each organization's list once; results in order. */
    async memberships(batch: OrganizationFindingRow[]): Promise<Result[]> {
      const fetchedAt = clock();
      const lists = new Map<string, Map<string, ClerkOrganizationMembershipJson> | null>();
      for (const orgId of new Set(batch.map((f) => f.organizationId))) {
        const list = await clerk.listOrganizationMemberships(orgId);
        lists.set(orgId, list && new Map(list.map((m) => [m.id, m])));
      }
      const out: Result[] = [];
      for (const f of batch) {
        const list = lists.get(f.organizationId) ?? null;
        out.push(await applyMembership(f, list?.get(f.objectId) ?? null, list === null, fetchedAt));
      }
      return out;
    },
  };
}

export type OrganizationFixer = ReturnType<typeof createOrganizationFixer>;
