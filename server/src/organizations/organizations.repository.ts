// The Organization table: its columns (derived from Clerk's organization JSON), its rows as the API shows them,
// and every statement on it. Prisma for the API; prepared SQL (lib/db/sql.ts) for the webhook hot path
// (`organizationsSql`), as for users.
import type { Prisma } from '../generated/sqlite/client.ts';
import { join } from '@prisma/client/runtime/client';
import type { DbClient } from '../lib/db/client.ts';
import { decodeRow, type SqlTx } from '../lib/db/sql.ts';
import { createdStretchArgs, withoutCreatedAtArgs, type CreatedStretch } from '../lib/db/created-stretch.ts';
import type { OrganizationSummary, Page, SyncStatus } from '../contract.ts';
import type { StoredVersion } from '../sync/rules.ts';
import { iso } from '../lib/iso.ts';
import { toPage } from '../lib/cursor.ts';
import { chunks, findInChunks } from '../lib/chunks.ts';

export type OrganizationRow = Prisma.OrganizationGetPayload<object>;

/** [updatedAt ISO, id] of the last organization of the previous page (lib/cursor.ts OrganizationCursor) */
export type OrganizationListCursor = [updatedAt: string, id: string];

/** The columns a summary shows (lists, links from memberships, the live push). */
export type OrganizationSummaryRow = Pick<
  OrganizationRow,
  | 'id'
  | 'deleted'
  | 'deletedAt'
  | 'name'
  | 'slug'
  | 'imageUrl'
  | 'membersCount'
  | 'syncStatus'
  | 'clerkCreatedAt'
  | 'clerkUpdatedAt'
  | 'lastComparedAt'
  | 'updatedAt'
>;

/** What the hot path reads to decide: the user rules' StoredVersion, and when a tombstone was deleted. */
export interface HeldOrganization extends StoredVersion {
  deletedAt: Date | null;
}

/** What reconcile compares of a local organization (its JSON and version; a tombstone's too). */
export type LocalOrganization = Pick<
  OrganizationRow,
  'id' | 'deleted' | 'clerkUpdatedAt' | 'clerkCreatedAt' | 'name' | 'slug' | 'data'
>;

export type { CreatedStretch };

export interface OrganizationFilter {
  /** an organization id, or part of a name or slug */
  q?: string;
  status?: SyncStatus;
}

/** How the held version arrived (the `source` column). */
export type OrganizationSource = 'webhook' | 'resync' | 'reconcile';

// ---- columns and rows ----------------------------------------------------------------------------------

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);

/** The searchable columns derived from a Clerk organization JSON; `data` keeps all of it. */
export function organizationColumnsOf(o: Record<string, unknown>) {
  const name = str(o.name);
  const slug = str(o.slug);
  return {
    id: String(o.id),
    clerkUpdatedAt: date(o.updated_at),
    clerkCreatedAt: date(o.created_at),
    name,
    slug,
    search: searchOf(name, slug),
    imageUrl: str(o.image_url),
    membersCount: count(o.members_count),
    data: JSON.stringify(o),
  };
}

const searchOf = (name: string | null, slug: string | null): string =>
  [name, slug]
    .filter((s): s is string => Boolean(s))
    .join(' ')
    .toLowerCase();

export function toOrganizationSummary(r: OrganizationSummaryRow): OrganizationSummary {
  return {
    id: r.id,
    deleted: r.deleted,
    deletedAt: iso(r.deletedAt),
    name: r.name,
    slug: r.slug,
    imageUrl: r.imageUrl,
    membersCount: r.membersCount,
    syncStatus: r.syncStatus as SyncStatus,
    clerkCreatedAt: iso(r.clerkCreatedAt),
    clerkUpdatedAt: iso(r.clerkUpdatedAt),
    lastComparedAt: iso(r.lastComparedAt),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const ORGANIZATION_TYPES = {
  dates: ['deletedAt', 'clerkUpdatedAt', 'clerkCreatedAt', 'lastComparedAt', 'createdAt', 'updatedAt'],
  bools: ['deleted'],
} as const;

/** A raw SQL row of the Organization table as Prisma would hand it back. */
export const decodeOrganizationRow = <T extends Partial<OrganizationRow>>(raw: Record<string, unknown>): T =>
  decodeRow<T>(raw, ORGANIZATION_TYPES);

// ---- Prisma ----------------------------------------------------------------------------------------------

const LOCAL_ORGANIZATION = {
  id: true,
  deleted: true,
  clerkUpdatedAt: true,
  clerkCreatedAt: true,
  name: true,
  slug: true,
  data: true,
} as const satisfies Prisma.OrganizationSelect;

export function createOrganizationsRepository(db: DbClient) {
  return {
    get: (id: string): Promise<OrganizationRow | null> => db.organization.findUnique({ where: { id } }),

    async list(
      filter: OrganizationFilter,
      cursor: OrganizationListCursor | null,
      limit: number,
    ): Promise<Page<OrganizationSummary>> {
      const where: Prisma.OrganizationWhereInput[] = [];
      const q = filter.q?.trim();
      if (q) where.push({ OR: [{ id: q }, { search: { contains: q.toLowerCase() } }] });
      if (filter.status) where.push({ syncStatus: filter.status });
      if (cursor) {
        const [at, id] = cursor;
        const d = new Date(at);
        where.push({ OR: [{ updatedAt: { lt: d } }, { updatedAt: d, id: { lt: id } }] });
      }
      const rows = await db.organization.findMany({
        where: { AND: where },
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        omit: { data: true },
      });
      return toPage(rows, limit, toOrganizationSummary, (r) => [r.updatedAt.toISOString(), r.id]);
    },

    async counts(): Promise<{ total: number; deleted: number; drifted: number }> {
      const [total, deleted, drifted] = await Promise.all([
        db.organization.count(),
        db.organization.count({ where: { deleted: true } }),
        db.organization.count({ where: { syncStatus: 'drifted' } }),
      ]);
      return { total, deleted, drifted };
    },

    // ---- reconcile: a page's local organizations, status marks, and writing Clerk's state ----

    /** Local organizations (tombstones too) whose Clerk created_at falls in the stretch, in (created_at, id) order. */
    inCreatedStretch(w: CreatedStretch): Promise<LocalOrganization[]> {
      return db.organization.findMany({ ...createdStretchArgs(w), select: LOCAL_ORGANIZATION });
    },
    /** Local organizations without a Clerk created_at (tombstones never seen alive), in id order after `afterId`. */
    withoutCreatedAt(afterId: string | null, take: number): Promise<LocalOrganization[]> {
      return db.organization.findMany({ ...withoutCreatedAtArgs(afterId, take), select: LOCAL_ORGANIZATION });
    },
    localOrganizations: (ids: readonly string[]): Promise<LocalOrganization[]> =>
      findInChunks(ids, (part) =>
        db.organization.findMany({ where: { id: { in: part } }, select: LOCAL_ORGANIZATION }),
      ),

    /** Organizations compared equal to Clerk's copy (those marked already keep their time). */
    async markInSync(ids: readonly string[], at: Date): Promise<void> {
      // plain SQL: `updatedAt` stays (Prisma would stamp it), the copy did not change, only what is known about it
      for (const part of chunks(ids)) {
        await db.$executeRaw`UPDATE "Organization" SET "syncStatus" = 'in_sync', "lastComparedAt" = ${at}
          WHERE "id" IN (${join(part)}) AND "syncStatus" <> 'in_sync'`;
      }
    },
    /** Live organizations that differ from Clerk's copy. */
    async markDrifted(ids: readonly string[], at: Date): Promise<void> {
      for (const part of chunks(ids)) {
        await db.$executeRaw`UPDATE "Organization" SET "syncStatus" = 'drifted', "lastComparedAt" = ${at}
          WHERE "id" IN (${join(part)}) AND "deleted" = ${false} AND "syncStatus" <> 'drifted'`;
      }
    },

    /**
     * Writes Clerk's organization JSON as the version held, alive (a tombstone of an organization Clerk still has
     * comes back: Clerk never reuses an id, so the tombstone was wrong). The caller has decided it is the truth.
     */
    putFromClerk(
      org: Record<string, unknown>,
      meta: { source: OrganizationSource; syncStatus: SyncStatus; comparedAt: Date },
    ): Promise<OrganizationRow> {
      const fields = organizationColumnsOf(org);
      const status = { syncStatus: meta.syncStatus, lastComparedAt: meta.comparedAt, source: meta.source };
      return db.organization.upsert({
        where: { id: fields.id },
        create: { ...fields, ...status },
        update: { ...fields, ...status, deleted: false, deletedAt: null },
      });
    },
    /** Marks it deleted for good, keeping the last version held (a resync found Clerk answers 404, or a reconcile that Clerk no longer has it);
     * its memberships are the caller's. */
    async tombstone(id: string, deletedAt: Date, meta: { source: OrganizationSource; comparedAt: Date }) {
      const fields = {
        deleted: true,
        deletedAt,
        syncStatus: 'deleted',
        lastComparedAt: meta.comparedAt,
        source: meta.source,
      };
      return db.organization.upsert({ where: { id }, create: { id, ...fields }, update: fields });
    },
    async setSyncStatus(id: string, syncStatus: SyncStatus, comparedAt: Date): Promise<void> {
      await db.$executeRaw`UPDATE "Organization" SET "syncStatus" = ${syncStatus}, "lastComparedAt" = ${comparedAt}
        WHERE "id" = ${id}`;
    },

    /** Summaries of these organizations (the ones held), by id: what memberships link to. */
    async summariesByIds(ids: readonly string[]): Promise<Map<string, OrganizationSummary>> {
      const rows = await findInChunks(ids, (part) =>
        db.organization.findMany({ where: { id: { in: part } }, omit: { data: true } }),
      );
      return new Map(rows.map((r) => [r.id, toOrganizationSummary(r)]));
    },
  };
}

export type OrganizationsRepository = ReturnType<typeof createOrganizationsRepository>;

// ---- prepared SQL: the webhook hot path ------------------------------------------------------------------

function summaryColumns(tx: SqlTx): string {
  return `"id", "deleted", ${tx.dateText('deletedAt')} AS "deletedAt", "name", "slug", "imageUrl", "membersCount", "syncStatus",
      ${tx.dateText('clerkCreatedAt')} AS "clerkCreatedAt", ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt",
      ${tx.dateText('lastComparedAt')} AS "lastComparedAt", ${tx.dateText('updatedAt')} AS "updatedAt"`;
}

async function returnedSummary(tx: SqlTx, sql: string, params: unknown[]): Promise<OrganizationSummary> {
  const raw = await tx.get<Record<string, unknown>>(sql, params);
  return toOrganizationSummary(decodeOrganizationRow<OrganizationSummaryRow>(raw!));
}

/**
 * What organization events (and the organization a membership event embeds) do to the row, inside the ingest
 * store's transaction (ingest/apply.ts): the rules in sync/rules.ts compare the incoming version with
 * `heldVersion`; `put` writes a newer version (a tombstone stays one: `deleted` and `deletedAt` are never
 * cleared), `tombstone` marks the organization deleted for good.
 */
export const organizationsSql = {
  async heldVersion(tx: SqlTx, id: string): Promise<HeldOrganization | null> {
    const raw = await tx.get<Record<string, unknown>>(
      `SELECT "deleted", ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt", ${tx.dateText('deletedAt')} AS "deletedAt"
       FROM "Organization" WHERE "id" = ?`,
      [id],
    );
    return raw ? decodeOrganizationRow<HeldOrganization>(raw) : null;
  },

  /** The JSON of the version held (read only when a tie must be decided by content). */
  async heldData(tx: SqlTx, id: string): Promise<string | null> {
    return (
      (await tx.get<{ data: string | null }>(`SELECT "data" FROM "Organization" WHERE "id" = ?`, [id]))?.data ?? null
    );
  },

  async summary(tx: SqlTx, id: string): Promise<OrganizationSummary | null> {
    const raw = await tx.get<Record<string, unknown>>(
      `SELECT ${summaryColumns(tx)} FROM "Organization" WHERE "id" = ?`,
      [id],
    );
    return raw ? toOrganizationSummary(decodeOrganizationRow<OrganizationSummaryRow>(raw)) : null;
  },

  put(tx: SqlTx, org: Record<string, unknown>, svixId: string): Promise<OrganizationSummary> {
    const c = organizationColumnsOf(org);
    const at = tx.date(new Date());
    return returnedSummary(
      tx,
      `INSERT INTO "Organization" ("id", "deleted", "deletedAt", "clerkUpdatedAt", "clerkCreatedAt", "name", "slug", "search",
         "imageUrl", "membersCount", "data", "lastEventSvixId", "syncStatus", "source", "createdAt", "updatedAt")
       VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'never_compared', 'webhook', ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "clerkUpdatedAt" = excluded."clerkUpdatedAt", "clerkCreatedAt" = excluded."clerkCreatedAt", "name" = excluded."name",
         "slug" = excluded."slug", "search" = excluded."search", "imageUrl" = excluded."imageUrl",
         "membersCount" = excluded."membersCount", "data" = excluded."data", "lastEventSvixId" = excluded."lastEventSvixId",
         "source" = 'webhook', "updatedAt" = excluded."updatedAt"
       RETURNING ${summaryColumns(tx)}`,
      [
        c.id,
        tx.bool(false),
        tx.date(c.clerkUpdatedAt),
        tx.date(c.clerkCreatedAt),
        c.name,
        c.slug,
        c.search,
        c.imageUrl,
        c.membersCount,
        c.data,
        svixId,
        at,
        at,
      ],
    );
  },

  /**
   * Keeps the row (and the last version held, for the record) but marks it deleted for good. A tombstone of an
   * organization never seen alive keeps the slug the deletion named, so it can still be found.
   */
  tombstone(tx: SqlTx, id: string, deletedAt: Date, slug: string | null, svixId: string): Promise<OrganizationSummary> {
    const at = tx.date(new Date());
    return returnedSummary(
      tx,
      `INSERT INTO "Organization" ("id", "deleted", "deletedAt", "slug", "search", "syncStatus", "source", "lastEventSvixId", "createdAt", "updatedAt")
       VALUES (?, ?, ?, ?, ?, 'deleted', 'webhook', ?, ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "deleted" = excluded."deleted", "deletedAt" = excluded."deletedAt", "syncStatus" = 'deleted',
         "source" = 'webhook', "lastEventSvixId" = excluded."lastEventSvixId", "updatedAt" = excluded."updatedAt"
       RETURNING ${summaryColumns(tx)}`,
      [id, tx.bool(true), tx.date(deletedAt), slug, searchOf(null, slug), svixId, at, at],
    );
  },
};
