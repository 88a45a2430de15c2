// Organizations as the operator API shows them: a searchable list, and one organization with its members, former
// members and pending invitations. Memberships link both ways: each names its organization and its member (the
// local user's email or name when held, else what the membership itself shows), so a user's page lists theirs.
import {
  ORGANIZATION_MEMBERS_SHOWN,
  type MembershipSummary,
  type OrganizationDetail,
  type OrganizationSummary,
  type Page,
} from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { OrganizationFilter, OrganizationListCursor } from './organizations.repository.ts';
import { toOrganizationSummary } from './organizations.repository.ts';
import { toMembershipSummary, type MembershipRow } from './memberships.repository.ts';
import { toEventSummary } from '../events/events.repository.ts';
import { notFound } from '../lib/errors.ts';
import { parseStoredJson } from '../lib/json-depth.ts';

/** How many of a user's live (and of their ended) memberships their page lists. */
export const USER_MEMBERSHIPS_SHOWN = 100;

/** Membership rows as summaries, with their organizations and users read once for all of them. */
export async function summarizeMemberships(
  repos: Pick<Repositories, 'organizations' | 'users'>,
  rows: readonly MembershipRow[],
): Promise<MembershipSummary[]> {
  const organizationIds = [...new Set(rows.map((r) => r.organizationId))];
  const userIds = [...new Set(rows.flatMap((r) => (r.userId === null ? [] : [r.userId])))];
  const [organizations, userLabels, heldUsers] = await Promise.all([
    repos.organizations.summariesByIds(organizationIds),
    repos.users.labels(userIds),
    repos.users.heldIds(userIds),
  ]);
  return rows.map((r) => toMembershipSummary(r, { organizations, userLabels, heldUsers }));
}

/** A user's memberships: live ones first (newest first), then ended ones (most recently ended first). */
export async function membershipsOfUser(
  repos: Pick<Repositories, 'organizations' | 'users' | 'memberships'>,
  userId: string,
): Promise<MembershipSummary[]> {
  const [live, ended] = await Promise.all([
    repos.memberships.listForUser(userId, false, USER_MEMBERSHIPS_SHOWN),
    repos.memberships.listForUser(userId, true, USER_MEMBERSHIPS_SHOWN),
  ]);
  return summarizeMemberships(repos, [...live, ...ended]);
}

export function createOrganizationsService(deps: { repos: Repositories }) {
  const { repos } = deps;
  return {
    list(
      filter: OrganizationFilter,
      cursor: OrganizationListCursor | null,
      limit: number,
    ): Promise<Page<OrganizationSummary>> {
      return repos.organizations.list(filter, cursor, limit);
    },

    async get(id: string): Promise<OrganizationDetail> {
      const row = await repos.organizations.get(id);
      if (!row) throw notFound(`Organization ${id}`);
      const [lastEvent, live, ended, membersTotal, pendingInvitations] = await Promise.all([
        row.lastEventSvixId ? repos.events.get(row.lastEventSvixId) : null,
        repos.memberships.listForOrganization(id, false, ORGANIZATION_MEMBERS_SHOWN),
        repos.memberships.listForOrganization(id, true, ORGANIZATION_MEMBERS_SHOWN),
        repos.memberships.countLive(id),
        repos.invitations.pendingForOrganization(id, ORGANIZATION_MEMBERS_SHOWN),
      ]);
      const members = await summarizeMemberships(repos, [...live, ...ended]);
      return {
        ...toOrganizationSummary(row),
        // cut at the nesting limit, as users' JSON is
        data: row.data ? parseStoredJson(row.data).value : null,
        source: row.source,
        lastEvent: lastEvent ? toEventSummary(lastEvent) : null,
        members: members.slice(0, live.length),
        membersTotal,
        formerMembers: members.slice(live.length),
        pendingInvitations,
      };
    },

    membershipsOfUser: (userId: string) => membershipsOfUser(repos, userId),
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
