// Apply: what a verified event does to the local copy, inside the ingest store's transaction. The pure rules
// (sync/rules.ts) decide from the version held; the reads and writes are the tables' own (`usersSql` in
// users/users.repository.ts, `sessionsSql` in sessions/sessions.repository.ts, `organizationsSql`,
// `membershipsSql` and `invitationsSql` in organizations/).
//
// Organizations (README "Organizations"): an organization.deleted tombstones the organization, ends its live
// memberships (endedBy organization_deleted) and revokes its pending invitations, all under the organization's
// lock. Nothing brings it back: a later version of the organization is recorded on the tombstone, and a membership
// or invitation that arrives for it is stored ended (revoked), never live — whichever comes first, the rows end
// the same. Memberships and invitations link to users and
// organizations by id, so one that arrives before its user or organization is kept and links up later.
import type { EventOutcome, OrganizationSummary, UserSummary } from '../contract.ts';
import type { SqlTx } from '../lib/db/sql.ts';
import type { OrganizationVersion, ParsedEvent, UserVersion } from '../webhooks/clerk-event.ts';
import {
  decideInvitationVersion,
  decideMembershipDeletion,
  decideMembershipVersion,
  decideOrganizationDeletion,
  decideOrganizationVersion,
  decideSessionVersion,
  decideUserDeletion,
  decideUserVersion,
  type Decision,
} from '../sync/rules.ts';
import { diffUsers } from '../resync/diff.ts';
import { usersSql } from '../users/users.repository.ts';
import { sessionsSql } from '../sessions/sessions.repository.ts';
import { organizationsSql } from '../organizations/organizations.repository.ts';
import { membershipsSql } from '../organizations/memberships.repository.ts';
import { invitationsSql } from '../organizations/invitations.repository.ts';
import { diffMemberships, diffOrganizations } from '../organizations/organizations-diff.ts';

export interface Applied {
  outcome: EventOutcome;
  /** the local user after the change, when one changed (the live push sends it) */
  user: UserSummary | null;
  /** a user whose held version and an incoming one disagree at the same updated_at: resync it from Clerk */
  resyncUserId: string | null;
  /** the organization after the change, when it, its memberships or its invitations changed (the live push) */
  organization: OrganizationSummary | null;
  /** an organization whose held version and an incoming one disagree at the same updated_at */
  conflictOrganizationId: string | null;
}

const nothing = { user: null, resyncUserId: null, organization: null, conflictOrganizationId: null };

const parsed = (text: string | null): Record<string, unknown> | null =>
  text ? (JSON.parse(text) as Record<string, unknown>) : null;

/** A user version through the ordering rules: applied when newer; at a tie, the same content is a duplicate. */
async function applyUserVersion(
  tx: SqlTx,
  v: UserVersion,
  svixId: string,
): Promise<{ outcome: EventOutcome; user: UserSummary | null }> {
  const held = await usersSql.heldVersion(tx, v.userId);
  let heldData: Record<string, unknown> | null = null;
  if (held && !held.deleted && held.clerkUpdatedAt?.getTime() === v.updatedAt.getTime()) {
    // Only a tie reads the held JSON. Content, not bytes: the Backend API's JSON and a webhook's for the same
    // version need not be byte-identical, and volatile fields (last_active_at, …) do not make a new version.
    heldData = parsed(await usersSql.heldData(tx, v.userId));
  }
  const decision = decideUserVersion(
    held,
    v.updatedAt,
    () => heldData !== null && diffUsers(heldData, v.data).length === 0,
  );
  if (decision !== 'apply') return { outcome: decision, user: null };
  return { outcome: 'applied', user: await usersSql.put(tx, v.data, svixId) };
}

/** An organization version (its own event's, or one a membership embeds) through the same rules as users. */
async function applyOrganizationVersion(
  tx: SqlTx,
  v: OrganizationVersion,
  svixId: string,
): Promise<{ outcome: EventOutcome; organization: OrganizationSummary | null }> {
  const held = await organizationsSql.heldVersion(tx, v.organizationId);
  let heldData: Record<string, unknown> | null = null;
  if (held && held.clerkUpdatedAt?.getTime() === v.updatedAt.getTime())
    heldData = parsed(await organizationsSql.heldData(tx, v.organizationId));
  const decision = decideOrganizationVersion(
    held,
    v.updatedAt,
    () => heldData !== null && diffOrganizations(heldData, v.data).length === 0,
  );
  if (decision !== 'apply') return { outcome: decision, organization: null };
  return { outcome: 'applied', organization: await organizationsSql.put(tx, v.data, svixId) };
}

type MembershipEvent = Extract<ParsedEvent, { kind: 'membership.upsert' | 'membership.delete' }>;

async function applyMembership(tx: SqlTx, e: MembershipEvent, svixId: string): Promise<Applied> {
  // The embedded organization is a version of its own: it goes through the organization rules whatever the
  // membership's fate.
  const embedded = e.organization ? await applyOrganizationVersion(tx, e.organization, svixId) : null;
  const conflictOrganizationId = embedded?.outcome === 'conflict' ? e.organizationId : null;
  const held = await membershipsSql.heldVersion(tx, e.membershipId);
  let decision: Decision;
  if (e.kind === 'membership.delete') {
    decision = decideMembershipDeletion(held);
  } else {
    let heldData: Record<string, unknown> | null = null;
    if (held && held.clerkUpdatedAt.getTime() === e.updatedAt.getTime())
      heldData = parsed(await membershipsSql.heldData(tx, e.membershipId));
    decision = decideMembershipVersion(
      held,
      e.updatedAt,
      () => heldData !== null && diffMemberships(heldData, e.data).length === 0,
    );
  }
  if (decision !== 'apply')
    return { ...nothing, outcome: decision, organization: embedded?.organization ?? null, conflictOrganizationId };
  const org = await organizationsSql.heldVersion(tx, e.organizationId);
  const ending =
    e.kind === 'membership.delete'
      ? { by: 'membership_deleted' as const, at: e.occurredAt }
      : org?.deleted
        ? // ended as of the organization's deletion, as if it had been live when the deletion came
          { by: 'organization_deleted' as const, at: org.deletedAt ?? e.occurredAt }
        : null;
  await membershipsSql.put(tx, e.data, e.organizationId, svixId, ending);
  return {
    ...nothing,
    outcome: 'applied',
    organization: (await organizationsSql.summary(tx, e.organizationId)) ?? null,
    conflictOrganizationId,
  };
}

export async function applyEvent(tx: SqlTx, e: ParsedEvent, svixId: string): Promise<Applied> {
  switch (e.kind) {
    case 'user.upsert': {
      const r = await applyUserVersion(tx, e, svixId);
      return { ...nothing, ...r, resyncUserId: r.outcome === 'conflict' ? e.userId : null };
    }
    case 'user.delete': {
      const decision = decideUserDeletion(await usersSql.heldVersion(tx, e.userId));
      if (decision !== 'apply') return { ...nothing, outcome: decision };
      return { ...nothing, outcome: 'applied', user: await usersSql.tombstone(tx, e.userId, e.deletedAt, svixId) };
    }
    case 'session.upsert': {
      // The embedded user is a version of its own: it goes through the user rules whatever the session's fate.
      const embedded = e.user ? await applyUserVersion(tx, e.user, svixId) : null;
      const resyncUserId = embedded?.outcome === 'conflict' ? e.userId : null;
      const user = embedded?.user ?? null;
      const decision = decideSessionVersion(await sessionsSql.heldVersion(tx, e.sessionId), e.updatedAt, e.status);
      if (decision !== 'apply') return { ...nothing, outcome: decision, user, resyncUserId };
      await sessionsSql.put(tx, e.data, svixId);
      return { ...nothing, outcome: 'applied', user, resyncUserId };
    }
    case 'organization.upsert': {
      const r = await applyOrganizationVersion(tx, e, svixId);
      return { ...nothing, ...r, conflictOrganizationId: r.outcome === 'conflict' ? e.organizationId : null };
    }
    case 'organization.delete': {
      const decision = decideOrganizationDeletion(await organizationsSql.heldVersion(tx, e.organizationId));
      if (decision !== 'apply') return { ...nothing, outcome: decision };
      const organization = await organizationsSql.tombstone(tx, e.organizationId, e.deletedAt, e.slug, svixId);
      await membershipsSql.endForOrganization(tx, e.organizationId, e.deletedAt);
      await invitationsSql.revokePendingOfOrganization(tx, e.organizationId);
      return { ...nothing, outcome: 'applied', organization };
    }
    case 'membership.upsert':
    case 'membership.delete':
      return applyMembership(tx, e, svixId);
    case 'invitation.upsert': {
      const decision = decideInvitationVersion(
        await invitationsSql.heldVersion(tx, e.invitationId),
        e.updatedAt,
        e.status,
      );
      if (decision !== 'apply') return { ...nothing, outcome: decision };
      const org = e.organizationId ? await organizationsSql.heldVersion(tx, e.organizationId) : null;
      await invitationsSql.put(tx, e.data, e.status, org?.deleted ?? false, svixId);
      return {
        ...nothing,
        outcome: 'applied',
        organization: e.organizationId ? await organizationsSql.summary(tx, e.organizationId) : null,
      };
    }
    case 'not_projected':
      return { ...nothing, outcome: 'not_projected' };
  }
}
