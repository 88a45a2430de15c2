// The OrganizationMembership table: its columns (derived from Clerk's membership JSON), its rows as the API shows
// them, and every statement on it. Prisma for the API and retention; prepared SQL (lib/db/sql.ts) for the webhook
// hot path (`membershipsSql`). Rows link to their user and organization by id only: either may arrive later.
import type { Prisma } from '../generated/sqlite/client.ts';
import { createdStretchArgs, withoutCreatedAtArgs, type CreatedStretch } from '../lib/db/created-stretch.ts';
import { findInChunks } from '../lib/chunks.ts';
import type { DbClient } from '../lib/db/client.ts';
import { decodeRow, type SqlTx } from '../lib/db/sql.ts';
import type { MembershipEndReason, MembershipSummary, OrganizationSummary } from '../contract.ts';
import type { HeldMembership, MembershipEnd } from '../sync/rules.ts';
import { iso } from '../lib/iso.ts';
import { chunks } from '../lib/chunks.ts';

export type MembershipRow = Prisma.OrganizationMembershipGetPayload<object>;

/** How the held version arrived (the `source` column). */
export type MembershipSource = 'webhook' | 'resync' | 'reconcile';

/** What a membership links to, read once for a whole list. */
export interface MembershipLinks {
  organizations: ReadonlyMap<string, OrganizationSummary>;
  /** email or name of the users held locally */
  userLabels: ReadonlyMap<string, string>;
  heldUsers: ReadonlySet<string>;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);
const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The columns derived from a Clerk membership JSON; `data` keeps it, without the organization it embeds. */
export function membershipColumnsOf(membership: Record<string, unknown>, organizationId: string) {
  // The embedded organization is a version of the organization: kept once, in Organization.
  const { organization: _organization, ...m } = membership;
  const permissions = Array.isArray(m.permissions) ? m.permissions.filter((p) => typeof p === 'string') : [];
  return {
    id: String(m.id),
    organizationId,
    userId: str(obj(m.public_user_data)?.user_id),
    role: String(m.role),
    roleName: str(m.role_name),
    permissions: JSON.stringify(permissions),
    clerkUpdatedAt: new Date(m.updated_at as number),
    clerkCreatedAt: date(m.created_at),
    data: JSON.stringify(m),
  };
}

/** The member as the membership itself shows them (public_user_data), for users not held locally. */
export function publicUserLabel(data: string): string | null {
  let m: Record<string, unknown> | null;
  try {
    m = obj(JSON.parse(data));
  } catch {
    return null;
  }
  return m ? publicUserLabelOf(m) : null;
}

/** The same, from a membership JSON already parsed (one Clerk answered). */
export function publicUserLabelOf(m: Record<string, unknown>): string | null {
  const u = obj(m.public_user_data);
  if (!u) return null;
  const name = [str(u.first_name), str(u.last_name)].filter(Boolean).join(' ');
  return str(u.identifier) || name || str(u.username) || null;
}

export function toMembershipSummary(r: MembershipRow, links: MembershipLinks): MembershipSummary {
  const org = links.organizations.get(r.organizationId);
  const userHeld = r.userId !== null && links.heldUsers.has(r.userId);
  let permissions: string[] = [];
  try {
    const parsed: unknown = JSON.parse(r.permissions);
    if (Array.isArray(parsed)) permissions = parsed.filter((p): p is string => typeof p === 'string');
  } catch {
    // a column this module always writes as a JSON array; anything else shows as no permissions
  }
  return {
    id: r.id,
    organizationId: r.organizationId,
    organizationName: org?.name ?? null,
    organizationSlug: org?.slug ?? null,
    organizationDeleted: org?.deleted ?? false,
    userId: r.userId,
    userLabel: (r.userId !== null ? links.userLabels.get(r.userId) : undefined) ?? publicUserLabel(r.data),
    userHeld,
    role: r.role,
    roleName: r.roleName,
    permissions,
    deleted: r.deleted,
    deletedAt: iso(r.deletedAt),
    endedBy: r.endedBy as MembershipEndReason | null,
    clerkCreatedAt: iso(r.clerkCreatedAt),
    clerkUpdatedAt: r.clerkUpdatedAt.toISOString(),
  };
}

/** What reconcile compares of a local membership (ended ones too). */
export type LocalMembership = Pick<
  MembershipRow,
  'id' | 'organizationId' | 'userId' | 'deleted' | 'endedBy' | 'clerkUpdatedAt' | 'clerkCreatedAt' | 'data'
>;

// ---- Prisma ----------------------------------------------------------------------------------------------

const LOCAL_MEMBERSHIP = {
  id: true,
  organizationId: true,
  userId: true,
  deleted: true,
  endedBy: true,
  clerkUpdatedAt: true,
  clerkCreatedAt: true,
  data: true,
} as const satisfies Prisma.OrganizationMembershipSelect;

export function createMembershipsRepository(db: DbClient) {
  return {
    get: (id: string): Promise<MembershipRow | null> => db.organizationMembership.findUnique({ where: { id } }),

    /** Live members oldest first; ended ones most recently ended first. */
    listForOrganization(organizationId: string, ended: boolean, take: number): Promise<MembershipRow[]> {
      return db.organizationMembership.findMany({
        where: { organizationId, deleted: ended },
        orderBy: ended ? [{ deletedAt: 'desc' }, { id: 'desc' }] : [{ clerkCreatedAt: 'asc' }, { id: 'asc' }],
        take,
      });
    },

    /** Every membership of the organization held locally, live and ended (what a compare reads). */
    allForOrganization(organizationId: string): Promise<MembershipRow[]> {
      return db.organizationMembership.findMany({
        where: { organizationId },
        orderBy: [{ clerkCreatedAt: 'asc' }, { id: 'asc' }],
      });
    },

    /**
     * Inserts Clerk's versions of memberships the local copy holds no row of (a resync's backfill), many rows per
     * statement: an organization of thousands of members must fit the resync's transaction.
     */
    async createFromClerk(
      memberships: readonly Record<string, unknown>[],
      organizationId: string,
      source: MembershipSource,
    ): Promise<void> {
      const rows = memberships.map((m) => ({ ...membershipColumnsOf(m, organizationId), source }));
      // 16 columns a row: 50 rows stay under SQLite's 999 bound parameters
      for (const part of chunks(rows, 50)) await db.organizationMembership.createMany({ data: part });
    },

    countLive: (organizationId: string): Promise<number> =>
      db.organizationMembership.count({ where: { organizationId, deleted: false } }),

    /** A user's memberships: live ones newest first, or ended ones most recently ended first. */
    listForUser(userId: string, ended: boolean, take: number): Promise<MembershipRow[]> {
      return db.organizationMembership.findMany({
        where: { userId, deleted: ended },
        orderBy: ended ? [{ deletedAt: 'desc' }, { id: 'desc' }] : [{ clerkCreatedAt: 'desc' }, { id: 'desc' }],
        take,
      });
    },

    countAllLive: (): Promise<number> => db.organizationMembership.count({ where: { deleted: false } }),

    // ---- reconcile: a page's local memberships, and writing Clerk's state ----

    /** Local memberships (ended ones too) whose Clerk created_at falls in the stretch, in (created_at, id) order. */
    inCreatedStretch(w: CreatedStretch): Promise<LocalMembership[]> {
      return db.organizationMembership.findMany({ ...createdStretchArgs(w), select: LOCAL_MEMBERSHIP });
    },
    /** Local memberships without a Clerk created_at, in id order after `afterId`. */
    withoutCreatedAt(afterId: string | null, take: number): Promise<LocalMembership[]> {
      return db.organizationMembership.findMany({ ...withoutCreatedAtArgs(afterId, take), select: LOCAL_MEMBERSHIP });
    },
    localMemberships: (ids: readonly string[]): Promise<LocalMembership[]> =>
      findInChunks(ids, (part) =>
        db.organizationMembership.findMany({ where: { id: { in: part } }, select: LOCAL_MEMBERSHIP }),
      ),

    /**
     * Writes Clerk's membership JSON (its embedded organization left out) as the version held, live: one Clerk lists
     * is live whatever ended it here (Clerk never reuses a membership id). The caller has decided it is the truth.
     */
    putFromClerk(
      membership: Record<string, unknown>,
      organizationId: string,
      source: MembershipSource,
    ): Promise<MembershipRow> {
      const fields = membershipColumnsOf(membership, organizationId);
      const live = { deleted: false, deletedAt: null, endedBy: null, source };
      return db.organizationMembership.upsert({
        where: { id: fields.id },
        create: { ...fields, ...live },
        update: { ...fields, ...live },
      });
    },
    /**
     * Ends a live membership Clerk no longer has (a resync or a reconcile found it gone, its event never arrived);
     * false when it was not live.
     */
    async endHeld(id: string, ending: MembershipEnding, source: MembershipSource): Promise<boolean> {
      const r = await db.organizationMembership.updateMany({
        where: { id, deleted: false },
        data: { deleted: true, deletedAt: ending.at, endedBy: ending.by, source },
      });
      return r.count === 1;
    },
    /** Ends the organization's live memberships, as of its deletion (found by a resync's 404 or a reconcile). */
    async endForOrganization(organizationId: string, deletedAt: Date, source: MembershipSource): Promise<number> {
      const r = await db.organizationMembership.updateMany({
        where: { organizationId, deleted: false },
        data: { deleted: true, deletedAt, endedBy: 'organization_deleted', source },
      });
      return r.count;
    },

    // ---- retention: erasing a user's personal fields ----

    /** The identifiers (emails, usernames, phone numbers) the user's memberships show: read before erasing them. */
    async identifiersOfUser(userId: string): Promise<string[]> {
      const rows = await db.organizationMembership.findMany({
        where: { userId, data: { contains: PUBLIC_USER_DATA } },
        select: { data: true },
      });
      const out = new Set<string>();
      for (const r of rows) {
        try {
          const id = str(obj(obj(JSON.parse(r.data))?.public_user_data)?.identifier);
          if (id) out.add(id);
        } catch {
          // not JSON: nothing to read
        }
      }
      return [...out];
    },

    /** Erases public_user_data (name, image, identifier) from the user's memberships; the count of rows changed. */
    async erasePublicUserData(userId: string): Promise<number> {
      const rows = await db.organizationMembership.findMany({
        where: { userId, data: { contains: PUBLIC_USER_DATA } },
        select: { id: true, data: true },
      });
      let n = 0;
      for (const r of rows) {
        const data = withoutKeys(r.data, ['public_user_data']);
        if (data === r.data) continue;
        // `updatedAt` stays: the membership did not change, only what is kept of it
        await db.organizationMembership.updateMany({ where: { id: r.id, data: r.data }, data: { data } });
        n++;
      }
      return n;
    },

    /** Deleted users whose memberships still hold their public_user_data (the retention sweep's work list). */
    async deletedUsersWithPersonalData(limit: number): Promise<string[]> {
      const rows = await db.$queryRaw<{ id: string }[]>`
        SELECT DISTINCT m."userId" AS id FROM "OrganizationMembership" m JOIN "User" u ON u."id" = m."userId"
        WHERE u."deleted" = ${true} AND m."data" LIKE ${`%${PUBLIC_USER_DATA}%`} LIMIT ${limit}`;
      return rows.map((r) => r.id);
    },
  };
}

export type MembershipsRepository = ReturnType<typeof createMembershipsRepository>;

/** How the key appears in stored JSON (JSON.stringify writes no spaces). */
const PUBLIC_USER_DATA = '"public_user_data"';

/** The stored JSON without these top-level keys (the same text when it has none of them, or is not JSON). */
export function withoutKeys(json: string, keys: readonly string[]): string {
  let o: Record<string, unknown> | null;
  try {
    o = obj(JSON.parse(json));
  } catch {
    return json;
  }
  if (!o || !keys.some((k) => k in o)) return json;
  for (const k of keys) delete o[k];
  return JSON.stringify(o);
}

// ---- prepared SQL: the webhook hot path ------------------------------------------------------------------

const MEMBERSHIP_TYPES = {
  dates: ['deletedAt', 'clerkUpdatedAt', 'clerkCreatedAt', 'createdAt', 'updatedAt'],
  bools: ['deleted'],
} as const;

/** How a membership ends, when the version written is not (or no longer) live. */
export interface MembershipEnding {
  by: MembershipEnd;
  at: Date;
}

/**
 * What membership events do to the row, inside the ingest store's transaction (ingest/apply.ts): the rules in
 * sync/rules.ts compare the incoming version with `heldVersion`; `put` writes a version (live, or ended with
 * `ending`); `endForOrganization` ends every live membership of a deleted organization.
 */
export const membershipsSql = {
  async heldVersion(tx: SqlTx, id: string): Promise<HeldMembership | null> {
    const raw = await tx.get<Record<string, unknown>>(
      `SELECT ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt", "endedBy" FROM "OrganizationMembership" WHERE "id" = ?`,
      [id],
    );
    return raw ? decodeRow<HeldMembership>(raw, MEMBERSHIP_TYPES) : null;
  },

  /** The JSON of the version held (read only when a tie must be decided by content). */
  async heldData(tx: SqlTx, id: string): Promise<string | null> {
    return (
      (await tx.get<{ data: string }>(`SELECT "data" FROM "OrganizationMembership" WHERE "id" = ?`, [id]))?.data ?? null
    );
  },

  async put(
    tx: SqlTx,
    membership: Record<string, unknown>,
    organizationId: string,
    svixId: string,
    ending: MembershipEnding | null,
  ): Promise<void> {
    const c = membershipColumnsOf(membership, organizationId);
    const at = tx.date(new Date());
    await tx.run(
      `INSERT INTO "OrganizationMembership" ("id", "organizationId", "userId", "role", "roleName", "permissions", "deleted",
         "deletedAt", "endedBy", "clerkUpdatedAt", "clerkCreatedAt", "data", "lastEventSvixId", "source", "createdAt", "updatedAt")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'webhook', ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "organizationId" = excluded."organizationId", "userId" = excluded."userId",
         "role" = excluded."role", "roleName" = excluded."roleName", "permissions" = excluded."permissions",
         "deleted" = excluded."deleted", "deletedAt" = excluded."deletedAt", "endedBy" = excluded."endedBy",
         "clerkUpdatedAt" = excluded."clerkUpdatedAt", "clerkCreatedAt" = excluded."clerkCreatedAt", "data" = excluded."data",
         "lastEventSvixId" = excluded."lastEventSvixId", "source" = 'webhook', "updatedAt" = excluded."updatedAt"`,
      [
        c.id,
        c.organizationId,
        c.userId,
        c.role,
        c.roleName,
        c.permissions,
        tx.bool(ending !== null),
        tx.date(ending?.at ?? null),
        ending?.by ?? null,
        tx.date(c.clerkUpdatedAt),
        tx.date(c.clerkCreatedAt),
        c.data,
        svixId,
        at,
        at,
      ],
    );
  },

  /** Ends the organization's live memberships, as of its deletion. */
  async endForOrganization(tx: SqlTx, organizationId: string, deletedAt: Date): Promise<void> {
    await tx.run(
      `UPDATE "OrganizationMembership" SET "deleted" = ?, "deletedAt" = ?, "endedBy" = 'organization_deleted', "updatedAt" = ?
       WHERE "organizationId" = ? AND "deleted" = ?`,
      [tx.bool(true), tx.date(deletedAt), tx.date(new Date()), organizationId, tx.bool(false)],
    );
  },
};
