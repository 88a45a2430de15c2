// The OrganizationInvitation table: its columns (derived from Clerk's invitation JSON), its rows as the API shows
// them, and every statement on it. Prisma for the API and retention; prepared SQL (lib/db/sql.ts) for the webhook
// hot path (`invitationsSql`).
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import { decodeRow, type SqlTx } from '../lib/db/sql.ts';
import { INVITATION_END_REASONS, type InvitationEndReason, type InvitationSummary } from '../contract.ts';
import { effectiveInvitationStatus } from '../sync/rules.ts';
import { iso } from '../lib/iso.ts';
import { findInChunks } from '../lib/chunks.ts';
import { withoutKeys } from './memberships.repository.ts';

export type InvitationRow = Prisma.OrganizationInvitationGetPayload<object>;

/** Revoked here because its organization was deleted while it was pending. */
export const ENDED_BY_ORGANIZATION = 'organization_deleted';
/** Revoked here because a resync found that Clerk no longer lists it at all. */
export const ENDED_NOT_IN_CLERK = 'not_in_clerk';

const endReason = (v: string | null): InvitationEndReason | null =>
  (INVITATION_END_REASONS as readonly string[]).includes(v ?? '') ? (v as InvitationEndReason) : null;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);

/** The columns derived from a Clerk invitation JSON; `data` keeps all of it. */
export function invitationColumnsOf(i: Record<string, unknown>) {
  return {
    id: String(i.id),
    organizationId: str(i.organization_id),
    emailAddress: str(i.email_address),
    role: String(i.role),
    roleName: str(i.role_name),
    userId: str(i.user_id),
    inviterId: str(i.inviter_id),
    expiresAt: date(i.expires_at),
    clerkUpdatedAt: new Date(i.updated_at as number),
    clerkCreatedAt: date(i.created_at),
    data: JSON.stringify(i),
  };
}

export function toInvitationSummary(r: InvitationRow, now: Date = new Date()): InvitationSummary {
  return {
    id: r.id,
    organizationId: r.organizationId,
    emailAddress: r.emailAddress,
    role: r.role,
    roleName: r.roleName,
    status: effectiveInvitationStatus(r, now),
    endedBy: endReason(r.endedBy),
    userId: r.userId,
    inviterId: r.inviterId,
    expiresAt: iso(r.expiresAt),
    clerkCreatedAt: iso(r.clerkCreatedAt),
    clerkUpdatedAt: r.clerkUpdatedAt.toISOString(),
  };
}

// ---- Prisma ----------------------------------------------------------------------------------------------

export function createInvitationsRepository(db: DbClient) {
  return {
    /** Invitations of the organization pending now (not past expires_at), newest first. */
    async pendingForOrganization(organizationId: string, take: number, now: Date = new Date()) {
      const rows = await db.organizationInvitation.findMany({
        where: { organizationId, status: 'pending', OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
        orderBy: [{ clerkCreatedAt: 'desc' }, { id: 'desc' }],
        take,
      });
      return rows.map((r) => toInvitationSummary(r, now));
    },

    /** Every invitation of the organization held as pending (expired ones included): what a compare reads. */
    pendingRowsForOrganization(organizationId: string): Promise<InvitationRow[]> {
      return db.organizationInvitation.findMany({
        where: { organizationId, status: 'pending' },
        orderBy: [{ clerkCreatedAt: 'asc' }, { id: 'asc' }],
      });
    },

    byIds(ids: readonly string[]): Promise<InvitationRow[]> {
      return findInChunks(ids, (part) => db.organizationInvitation.findMany({ where: { id: { in: part } } }));
    },

    /**
     * Writes Clerk's version of an invitation (a resync: the caller decided it is the truth), with Clerk's status;
     * `organizationId` is the organization asked about, for an answer that leaves organization_id out.
     */
    async putFromClerk(invitation: Record<string, unknown>, organizationId: string): Promise<void> {
      const c = invitationColumnsOf(invitation);
      const fields = {
        ...c,
        organizationId: c.organizationId ?? organizationId,
        status: String(invitation.status),
        endedBy: null,
      };
      await db.organizationInvitation.upsert({ where: { id: c.id }, create: fields, update: fields });
    },

    /** Revokes a pending invitation Clerk no longer lists at all (a resync found it). */
    async revokeNotInClerk(id: string): Promise<void> {
      await db.organizationInvitation.updateMany({
        where: { id, status: 'pending' },
        data: { status: 'revoked', endedBy: ENDED_NOT_IN_CLERK },
      });
    },

    /** Revokes the organization's pending invitations, as of its deletion (a resync's 404 or a reconcile); how many. */
    async revokePendingOfOrganization(organizationId: string): Promise<number> {
      const r = await db.organizationInvitation.updateMany({
        where: { organizationId, status: 'pending' },
        data: { status: 'revoked', endedBy: ENDED_BY_ORGANIZATION },
      });
      return r.count;
    },

    // ---- retention: erasing a user's personal fields ----

    /** The addresses of the invitations the user accepted: read before erasing them. */
    async emailsAcceptedBy(userId: string): Promise<string[]> {
      const rows = await db.organizationInvitation.findMany({
        where: { userId, emailAddress: { not: null } },
        select: { emailAddress: true },
      });
      return [...new Set(rows.map((r) => r.emailAddress!))];
    },

    /**
     * Erases the email address of every invitation the user accepted or that was sent to one of `emails`, and the
     * inviter's public data of those the user sent. Answers the ids of the invitations addressed to the user (their
     * events hold the address too) and how many rows changed.
     */
    async eraseForUser(userId: string, emails: readonly string[]): Promise<{ changed: number; addressedTo: string[] }> {
      const addresses = [...new Set(emails.flatMap((e) => [e, e.toLowerCase()]))];
      const to = await db.organizationInvitation.findMany({
        where: { OR: [{ userId }, ...(addresses.length ? [{ emailAddress: { in: addresses } }] : [])] },
        select: { id: true, data: true, emailAddress: true },
      });
      const sent = await db.organizationInvitation.findMany({
        where: { inviterId: userId, data: { contains: '"public_inviter_data"' } },
        select: { id: true, data: true },
      });
      let changed = 0;
      for (const r of to) {
        const data = withoutKeys(r.data, ['email_address']);
        if (data === r.data && r.emailAddress === null) continue;
        await db.organizationInvitation.updateMany({ where: { id: r.id }, data: { emailAddress: null, data } });
        changed++;
      }
      for (const r of sent) {
        if (to.some((t) => t.id === r.id)) continue;
        const data = withoutKeys(r.data, ['public_inviter_data']);
        if (data === r.data) continue;
        await db.organizationInvitation.updateMany({ where: { id: r.id }, data: { data } });
        changed++;
      }
      return { changed, addressedTo: to.map((r) => r.id) };
    },
  };
}

export type InvitationsRepository = ReturnType<typeof createInvitationsRepository>;

// ---- prepared SQL: the webhook hot path ------------------------------------------------------------------

const INVITATION_TYPES = {
  dates: ['clerkUpdatedAt', 'clerkCreatedAt', 'expiresAt', 'createdAt', 'updatedAt'],
  bools: [],
} as const;

/**
 * What invitation events do to the row, inside the ingest store's transaction (ingest/apply.ts): the rules in
 * sync/rules.ts compare the incoming version with `heldVersion` (Clerk's status of it, not a local revocation);
 * `put` writes a version; `revokePendingOfOrganization` revokes the pending invitations of a deleted organization.
 */
export const invitationsSql = {
  async heldVersion(tx: SqlTx, id: string): Promise<{ clerkUpdatedAt: Date; status: string } | null> {
    const raw = await tx.get<Record<string, unknown>>(
      `SELECT ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt", "status", "endedBy" FROM "OrganizationInvitation" WHERE "id" = ?`,
      [id],
    );
    if (!raw) return null;
    const held = decodeRow<{ clerkUpdatedAt: Date; status: string; endedBy: string | null }>(raw, INVITATION_TYPES);
    // only pending invitations are revoked locally (either reason): Clerk's status of that version was pending
    return {
      clerkUpdatedAt: held.clerkUpdatedAt,
      status: endReason(held.endedBy) !== null ? 'pending' : held.status,
    };
  },

  /**
   * Writes a version with Clerk's status; a pending one of a deleted organization is written revoked (its
   * organization's deletion revoked it here, whichever event came first).
   */
  async put(
    tx: SqlTx,
    invitation: Record<string, unknown>,
    clerkStatus: string,
    organizationDeleted: boolean,
    svixId: string,
  ): Promise<void> {
    const c = invitationColumnsOf(invitation);
    const revokedHere = organizationDeleted && clerkStatus === 'pending';
    const at = tx.date(new Date());
    await tx.run(
      `INSERT INTO "OrganizationInvitation" ("id", "organizationId", "emailAddress", "role", "roleName", "status", "endedBy", "userId",
         "inviterId", "expiresAt", "clerkUpdatedAt", "clerkCreatedAt", "data", "lastEventSvixId", "createdAt", "updatedAt")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "organizationId" = excluded."organizationId", "emailAddress" = excluded."emailAddress",
         "role" = excluded."role", "roleName" = excluded."roleName", "status" = excluded."status", "endedBy" = excluded."endedBy",
         "userId" = excluded."userId", "inviterId" = excluded."inviterId", "expiresAt" = excluded."expiresAt",
         "clerkUpdatedAt" = excluded."clerkUpdatedAt", "clerkCreatedAt" = excluded."clerkCreatedAt", "data" = excluded."data",
         "lastEventSvixId" = excluded."lastEventSvixId", "updatedAt" = excluded."updatedAt"`,
      [
        c.id,
        c.organizationId,
        c.emailAddress,
        c.role,
        c.roleName,
        revokedHere ? 'revoked' : clerkStatus,
        revokedHere ? ENDED_BY_ORGANIZATION : null,
        c.userId,
        c.inviterId,
        tx.date(c.expiresAt),
        tx.date(c.clerkUpdatedAt),
        tx.date(c.clerkCreatedAt),
        c.data,
        svixId,
        at,
        at,
      ],
    );
  },

  async revokePendingOfOrganization(tx: SqlTx, organizationId: string): Promise<void> {
    await tx.run(
      `UPDATE "OrganizationInvitation" SET "status" = 'revoked', "endedBy" = ?, "updatedAt" = ?
       WHERE "organizationId" = ? AND "status" = 'pending'`,
      [ENDED_BY_ORGANIZATION, tx.date(new Date()), organizationId],
    );
  },
};
