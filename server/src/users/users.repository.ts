// The User table: its columns (derived from Clerk's user JSON), its rows as the API shows them, and every
// statement on it. Prisma for the API, resync, reconcile and retention; prepared SQL (lib/db/sql.ts) where
// Prisma's per-query cost is too high: the webhook hot path (`usersSql`) and reconcile's page-store worker
// (`usersSqlite`).
import type { Prisma } from '../generated/sqlite/client.ts';
// Prisma's SQL template helpers come from its runtime, shared by both providers' clients: taken from a generated
// client they would load that client even where the other provider is in use.
import { empty, join, sqltag as sql } from '@prisma/client/runtime/client';
import type { DbClient } from '../lib/db/client.ts';
import { decodeRow, sqliteDate, type SqlTx } from '../lib/db/sql.ts';
import type { CreatedStretch } from '../lib/db/created-stretch.ts';
import type { Page, SyncStatus, UserSummary } from '../contract.ts';
import type { StoredVersion } from '../sync/rules.ts';
import { iso } from '../lib/iso.ts';
import { toPage } from '../lib/cursor.ts';
import { chunks, findInChunks } from '../lib/chunks.ts';

export type UserRow = Prisma.UserGetPayload<object>;
export type UserSource = 'webhook' | 'resync' | 'reconcile';

/** [updatedAt ISO, id] of the last user of the previous page (validated by lib/cursor.ts UserCursor) */
export type UserListCursor = [updatedAt: string, id: string];

/** The columns a summary shows (lists, the live push). */
export type UserSummaryRow = Pick<
  UserRow,
  | 'id'
  | 'deleted'
  | 'primaryEmail'
  | 'firstName'
  | 'lastName'
  | 'username'
  | 'imageUrl'
  | 'syncStatus'
  | 'clerkUpdatedAt'
  | 'lastComparedAt'
  | 'updatedAt'
>;

/** A local user as a reconcile page's classification reads it. */
export type LocalUser = Pick<UserRow, 'id' | 'deleted' | 'data' | 'clerkUpdatedAt' | 'clerkCreatedAt' | 'primaryEmail'>;

/** Local users whose Clerk created_at falls in [from, to] (null: open), in (created_at, id) order after `after`. */
export type CreatedWindow = CreatedStretch;

export interface UserFilter {
  q?: string;
  status?: SyncStatus;
}

// ---- columns and rows ----------------------------------------------------------------------------------

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);

/** The searchable columns derived from a Clerk user JSON (CLERK.md §5); `data` keeps all of it. */
export function userColumnsOf(u: Record<string, unknown>) {
  const emails = Array.isArray(u.email_addresses)
    ? (u.email_addresses as { id?: unknown; email_address?: unknown }[])
    : [];
  const primary = emails.find((e) => e.id === u.primary_email_address_id) ?? emails[0];
  const firstName = str(u.first_name);
  const lastName = str(u.last_name);
  const username = str(u.username);
  const search = [
    ...emails.map((e) => str(e.email_address)),
    firstName,
    lastName,
    username,
    [firstName, lastName].filter(Boolean).join(' '),
  ]
    .filter((s): s is string => Boolean(s))
    .join(' ')
    .toLowerCase();
  return {
    id: String(u.id),
    clerkUpdatedAt: date(u.updated_at),
    clerkCreatedAt: date(u.created_at),
    primaryEmail: primary ? str(primary.email_address) : null,
    emails: search,
    firstName,
    lastName,
    username,
    imageUrl: str(u.image_url),
    data: JSON.stringify(u),
  };
}

/** What a purged tombstone keeps of those columns: nothing personal (retention). */
const CLEARED_PERSONAL_COLUMNS = {
  data: null,
  primaryEmail: null,
  emails: '',
  firstName: null,
  lastName: null,
  username: null,
  imageUrl: null,
};

export function toUserSummary(r: UserSummaryRow): UserSummary {
  return {
    id: r.id,
    deleted: r.deleted,
    primaryEmail: r.primaryEmail,
    firstName: r.firstName,
    lastName: r.lastName,
    username: r.username,
    imageUrl: r.imageUrl,
    syncStatus: r.syncStatus as SyncStatus,
    clerkUpdatedAt: iso(r.clerkUpdatedAt),
    lastComparedAt: iso(r.lastComparedAt),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The columns a user's label is made of. */
type LabelRow = Pick<UserRow, 'id' | 'primaryEmail' | 'firstName' | 'lastName' | 'username'>;

/** How a user is shown beside their id: email, else name, else username (none: no label). */
export function userLabelOf(r: Omit<LabelRow, 'id'>): string | null {
  const name = [r.firstName, r.lastName].filter(Boolean).join(' ');
  return r.primaryEmail ?? (name || r.username) ?? null;
}

function labelsOf(rows: readonly LabelRow[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows) {
    const label = userLabelOf(r);
    if (label) out.set(r.id, label);
  }
  return out;
}

/** Ids per label statement on the hot path: one statement text, padded with NULLs, so it is prepared once. */
const LABEL_SLOTS = 64;
const LABELS_SQL = `SELECT "id", "primaryEmail", "firstName", "lastName", "username" FROM "User" WHERE "id" IN (${Array.from({ length: LABEL_SLOTS }, () => '?').join(', ')})`;

const USER_TYPES = {
  dates: ['deletedAt', 'clerkUpdatedAt', 'clerkCreatedAt', 'lastComparedAt', 'createdAt', 'updatedAt'],
  bools: ['deleted'],
} as const;

/** A raw SQL row of the User table (stored values, or `dateText` columns) as Prisma would hand it back. */
export const decodeUserRow = <T extends Partial<UserRow>>(raw: Record<string, unknown>): T =>
  decodeRow<T>(raw, USER_TYPES);

// ---- Prisma ----------------------------------------------------------------------------------------------

// Plain SQL through Prisma for reconcile's pages ($queryRaw binds values the way each provider stores them):
// ~500 rows per page, where the model API's per-row mapping cost more than the database did.
const LOCAL_USER_COLUMNS = sql`"id", "deleted", "data", "clerkUpdatedAt", "clerkCreatedAt", "primaryEmail"`;

export function createUsersRepository(db: DbClient) {
  return {
    async get(id: string): Promise<UserRow | null> {
      return db.user.findUnique({ where: { id } });
    },

    /** Email, else name, else username of these users: shown beside their ids. */
    async labels(ids: readonly string[]): Promise<Map<string, string>> {
      const rows = await findInChunks(ids, (part) =>
        db.user.findMany({
          where: { id: { in: part } },
          select: { id: true, primaryEmail: true, firstName: true, lastName: true, username: true },
        }),
      );
      return labelsOf(rows);
    },

    /** Which of these users are held locally (tombstones included). */
    async heldIds(ids: readonly string[]): Promise<Set<string>> {
      const rows = await findInChunks(ids, (part) =>
        db.user.findMany({ where: { id: { in: part } }, select: { id: true } }),
      );
      return new Set(rows.map((r) => r.id));
    },

    /** Ids of users whose email, name or username contains `q` (lowercased): the user filter of other lists. */
    async idsMatching(q: string, limit: number): Promise<string[]> {
      const rows = await db.user.findMany({
        where: { emails: { contains: q.toLowerCase() } },
        select: { id: true },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    /** Writes a Clerk user JSON as the version held; the caller has decided it is newer. */
    async putVersion(
      user: Record<string, unknown>,
      meta: { svixId: string | null; source: UserSource; syncStatus?: SyncStatus; comparedAt?: Date },
    ): Promise<UserRow> {
      const fields = userColumnsOf(user);
      const status = meta.syncStatus ? { syncStatus: meta.syncStatus, lastComparedAt: meta.comparedAt ?? null } : {};
      return db.user.upsert({
        where: { id: fields.id },
        create: { ...fields, lastEventSvixId: meta.svixId, source: meta.source, ...status },
        update: {
          ...fields,
          deleted: false,
          deletedAt: null,
          lastEventSvixId: meta.svixId,
          source: meta.source,
          ...status,
        },
      });
    },

    /** Keeps the row (and the last version held, for the record) but marks it deleted for good. */
    async tombstone(
      id: string,
      deletedAt: Date,
      meta: { svixId: string | null; source: UserSource },
    ): Promise<UserRow> {
      return db.user.upsert({
        where: { id },
        create: {
          id,
          deleted: true,
          deletedAt,
          syncStatus: 'deleted',
          lastEventSvixId: meta.svixId,
          source: meta.source,
        },
        update: { deleted: true, deletedAt, syncStatus: 'deleted', lastEventSvixId: meta.svixId, source: meta.source },
      });
    },

    async setSyncStatus(id: string, syncStatus: SyncStatus, comparedAt: Date): Promise<void> {
      await db.user.updateMany({ where: { id }, data: { syncStatus, lastComparedAt: comparedAt } });
    },

    async list(filter: UserFilter, cursor: UserListCursor | null, limit: number): Promise<Page<UserSummary>> {
      const where: Prisma.UserWhereInput[] = [];
      if (filter.status) where.push({ syncStatus: filter.status });
      if (filter.q) {
        const q = filter.q.trim().toLowerCase();
        where.push({ OR: [{ id: filter.q.trim() }, { emails: { contains: q } }] });
      }
      if (cursor) {
        const [at, id] = cursor;
        const d = new Date(at);
        where.push({ OR: [{ updatedAt: { lt: d } }, { updatedAt: d, id: { lt: id } }] });
      }
      const rows = await db.user.findMany({
        where: { AND: where },
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
        take: limit + 1,
        omit: { data: true },
      });
      return toPage(rows, limit, toUserSummary, (r) => [r.updatedAt.toISOString(), r.id]);
    },

    async counts(): Promise<{ total: number; deleted: number; drifted: number }> {
      const [total, deleted, drifted] = await Promise.all([
        db.user.count(),
        db.user.count({ where: { deleted: true } }),
        db.user.count({ where: { syncStatus: 'drifted' } }),
      ]);
      return { total, deleted, drifted };
    },

    /** Rows without their JSON, for summaries (reconcile's fixes publish them). */
    summariesByIds: (ids: string[]) =>
      findInChunks(ids, (part) => db.user.findMany({ where: { id: { in: part } }, omit: { data: true } })),

    // ---- reconcile: a page's local users and status marks (reconcile/page-store.ts on SQLite files: usersSqlite) ----

    /** (In index order: ordered by id, SQLite sorted every row of the window, data and all.) */
    inCreatedWindow(w: CreatedWindow): Promise<LocalUser[]> {
      const from = w.from ? sql`AND "clerkCreatedAt" >= ${w.from}` : empty;
      const to = w.to ? sql`AND "clerkCreatedAt" <= ${w.to}` : empty;
      const after = w.after ? sql`AND ("clerkCreatedAt", "id") > (${w.after.createdAt}, ${w.after.id})` : empty;
      return db.$queryRaw<LocalUser[]>`SELECT ${LOCAL_USER_COLUMNS} FROM "User"
        WHERE "clerkCreatedAt" IS NOT NULL ${from} ${to} ${after} ORDER BY "clerkCreatedAt", "id" LIMIT ${w.take}`;
    },
    /** `parts − 1` created_at values cutting the local users into about equal parts (see reconcile/windows.ts). */
    async createdAtCuts(parts: number): Promise<{ counted: number; cuts: Date[] }> {
      const [{ n }] = await db.$queryRaw<
        [{ n: bigint | number }]
      >`SELECT COUNT(*) AS "n" FROM "User" WHERE "clerkCreatedAt" IS NOT NULL`;
      const counted = Number(n);
      const step = Math.floor(counted / parts);
      const cuts: Date[] = [];
      if (parts < 2 || step < 1) return { counted, cuts };
      // keyset steps: each cut is `step` rows past the previous one's millisecond, so a read never walks from the start
      let row = await db.$queryRaw<
        { c: Date }[]
      >`SELECT "clerkCreatedAt" AS "c" FROM "User" WHERE "clerkCreatedAt" IS NOT NULL
        ORDER BY "clerkCreatedAt" LIMIT 1 OFFSET ${step}`;
      while (row[0] && cuts.length < parts - 1) {
        cuts.push(new Date(row[0].c));
        row = await db.$queryRaw<
          { c: Date }[]
        >`SELECT "clerkCreatedAt" AS "c" FROM "User" WHERE "clerkCreatedAt" > ${row[0].c}
          ORDER BY "clerkCreatedAt" LIMIT 1 OFFSET ${step - 1}`;
      }
      return { counted, cuts };
    },
    /** Local users without a Clerk created_at, in id order after `afterId`. */
    withoutCreatedAt(afterId: string | null, take: number): Promise<LocalUser[]> {
      const after = afterId === null ? empty : sql`AND "id" > ${afterId}`;
      return db.$queryRaw<
        LocalUser[]
      >`SELECT ${LOCAL_USER_COLUMNS} FROM "User" WHERE "clerkCreatedAt" IS NULL ${after} ORDER BY "id" LIMIT ${take}`;
    },
    localUsers: (ids: string[]) =>
      findInChunks(
        ids,
        (part) => db.$queryRaw<LocalUser[]>`SELECT ${LOCAL_USER_COLUMNS} FROM "User" WHERE "id" IN (${join(part)})`,
      ),
    /** Users compared equal to Clerk's copy (those marked already keep their time). */
    async markInSync(ids: string[], at: Date): Promise<void> {
      // `updatedAt` stays: the copy did not change, only what is known about it
      for (const part of chunks(ids)) {
        await db.$executeRaw`UPDATE "User" SET "syncStatus" = 'in_sync', "lastComparedAt" = ${at}
          WHERE "id" IN (${join(part)}) AND "syncStatus" <> 'in_sync'`;
      }
    },
    /** Live users that differ from Clerk's copy. */
    async markDrifted(ids: string[], at: Date): Promise<void> {
      // Status only: `updatedAt` stays what it was, since the copy itself did not change (the users list
      // shows it as "updated … via <source>").
      for (const part of chunks(ids)) {
        await db.$executeRaw`UPDATE "User" SET "syncStatus" = 'drifted', "lastComparedAt" = ${at}
          WHERE "id" IN (${join(part)}) AND "deleted" = ${false} AND "syncStatus" <> 'drifted'`;
      }
    },

    // ---- retention: erasing a deleted user's personal data ----

    /** Every email address the held version lists (read before a purge clears it). */
    async emailAddressesOf(id: string): Promise<string[]> {
      const row = await db.user.findUnique({ where: { id }, select: { data: true, primaryEmail: true } });
      if (!row) return [];
      const out = new Set<string>(row.primaryEmail ? [row.primaryEmail] : []);
      try {
        const u = row.data ? (JSON.parse(row.data) as { email_addresses?: unknown }) : null;
        if (Array.isArray(u?.email_addresses))
          for (const e of u.email_addresses as { email_address?: unknown }[])
            if (typeof e?.email_address === 'string') out.add(e.email_address);
      } catch {
        // not JSON: the primary email is all there is
      }
      return [...out];
    },
    deletionState: (id: string): Promise<{ id: string; deleted: boolean } | null> =>
      db.user.findUnique({ where: { id }, select: { id: true, deleted: true } }),
    /** A tombstone keeps its id, deletion and version time; every personal field goes. */
    async clearTombstone(id: string): Promise<boolean> {
      const r = await db.user.updateMany({ where: { id, deleted: true }, data: CLEARED_PERSONAL_COLUMNS });
      return r.count > 0;
    },
    /** Deleted users whose row still holds personal fields. */
    async deletedWithPersonalFields(limit: number): Promise<string[]> {
      const rows = await db.user.findMany({
        where: {
          deleted: true,
          OR: [{ data: { not: null } }, { primaryEmail: { not: null } }, { emails: { not: '' } }],
        },
        select: { id: true },
        take: limit,
      });
      return rows.map((u) => u.id);
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;

// ---- prepared SQL: the webhook hot path ------------------------------------------------------------------

function summaryColumns(tx: SqlTx): string {
  return `"id", "deleted", "primaryEmail", "firstName", "lastName", "username", "imageUrl", "syncStatus",
      ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt", ${tx.dateText('lastComparedAt')} AS "lastComparedAt",
      ${tx.dateText('updatedAt')} AS "updatedAt"`;
}

/** Runs an upsert … RETURNING summaryColumns and maps the row (no second read). */
async function returnedSummary(tx: SqlTx, sql: string, params: unknown[]): Promise<UserSummary> {
  const raw = await tx.get<Record<string, unknown>>(sql, params);
  return toUserSummary(decodeUserRow<UserSummaryRow>(raw!));
}

/**
 * What a user event does to the row, inside the ingest store's transaction (ingest/apply.ts): the rules in
 * sync/rules.ts compare the incoming version with `heldVersion`; `put` writes a newer version Clerk sent
 * (user.created / user.updated), `tombstone` marks the user deleted for good (user.deleted). Both answer the
 * row as the live push shows it.
 */
export const usersSql = {
  /** The labels of these users (a batch's events, for the live push): one statement per 64 ids. */
  async labels(tx: SqlTx, ids: readonly string[]): Promise<Map<string, string>> {
    const rows: LabelRow[] = [];
    for (const part of chunks(ids, LABEL_SLOTS)) {
      const args = [...part, ...Array<null>(LABEL_SLOTS - part.length).fill(null)];
      rows.push(...(await tx.all<LabelRow>(LABELS_SQL, args)));
    }
    return labelsOf(rows);
  },

  async heldVersion(tx: SqlTx, id: string): Promise<StoredVersion | null> {
    const raw = await tx.get<Record<string, unknown>>(
      `SELECT "deleted", ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt" FROM "User" WHERE "id" = ?`,
      [id],
    );
    return raw ? decodeUserRow<StoredVersion>(raw) : null;
  },

  /** The JSON of the version held (read only when a tie must be decided by content). */
  async heldData(tx: SqlTx, id: string): Promise<string | null> {
    return (await tx.get<{ data: string | null }>(`SELECT "data" FROM "User" WHERE "id" = ?`, [id]))?.data ?? null;
  },

  put(tx: SqlTx, user: Record<string, unknown>, svixId: string): Promise<UserSummary> {
    const c = userColumnsOf(user);
    const at = tx.date(new Date());
    return returnedSummary(
      tx,
      `INSERT INTO "User" ("id", "deleted", "deletedAt", "clerkUpdatedAt", "clerkCreatedAt", "primaryEmail", "emails", "firstName", "lastName",
         "username", "imageUrl", "data", "lastEventSvixId", "syncStatus", "source", "createdAt", "updatedAt")
       VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'never_compared', 'webhook', ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "deleted" = excluded."deleted", "deletedAt" = NULL, "clerkUpdatedAt" = excluded."clerkUpdatedAt",
         "clerkCreatedAt" = excluded."clerkCreatedAt", "primaryEmail" = excluded."primaryEmail", "emails" = excluded."emails",
         "firstName" = excluded."firstName", "lastName" = excluded."lastName", "username" = excluded."username",
         "imageUrl" = excluded."imageUrl", "data" = excluded."data", "lastEventSvixId" = excluded."lastEventSvixId",
         "source" = 'webhook', "updatedAt" = excluded."updatedAt"
       RETURNING ${summaryColumns(tx)}`,
      [
        c.id,
        tx.bool(false),
        tx.date(c.clerkUpdatedAt),
        tx.date(c.clerkCreatedAt),
        c.primaryEmail,
        c.emails,
        c.firstName,
        c.lastName,
        c.username,
        c.imageUrl,
        c.data,
        svixId,
        at,
        at,
      ],
    );
  },

  tombstone(tx: SqlTx, id: string, deletedAt: Date, svixId: string): Promise<UserSummary> {
    const at = tx.date(new Date());
    return returnedSummary(
      tx,
      `INSERT INTO "User" ("id", "deleted", "deletedAt", "emails", "syncStatus", "source", "lastEventSvixId", "createdAt", "updatedAt")
       VALUES (?, ?, ?, '', 'deleted', 'webhook', ?, ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "deleted" = excluded."deleted", "deletedAt" = excluded."deletedAt", "syncStatus" = 'deleted',
         "source" = 'webhook', "lastEventSvixId" = excluded."lastEventSvixId", "updatedAt" = excluded."updatedAt"
       RETURNING ${summaryColumns(tx)}`,
      [id, tx.bool(true), tx.date(deletedAt), svixId, at, at],
    );
  },
};

// ---- prepared SQL: reconcile's page-store worker (its own SQLite connection) -----------------------------

/** SQL for a connection of its own, with the arguments of one run (`args`) or of one run per row (`each`). */
export type SqliteStatement = { sql: string; args: unknown[] } | { sql: string; each: unknown[][] };

const LOCAL_USER_SQL_COLUMNS = `"id", "deleted", "data", "clerkUpdatedAt", "clerkCreatedAt", "primaryEmail"`;

/**
 * The statements of `inCreatedWindow`, `withoutCreatedAt`, `localUsers` and `markInSync` above, as SQLite SQL
 * for reconcile/page-store.worker.mjs. Its rows are raw: decode them with `decodeUserRow`.
 */
export const usersSqlite = {
  inCreatedWindow(w: CreatedWindow): SqliteStatement {
    const where = ['"clerkCreatedAt" IS NOT NULL'];
    const args: unknown[] = [];
    if (w.from) {
      where.push('"clerkCreatedAt" >= ?');
      args.push(sqliteDate(w.from));
    }
    if (w.to) {
      where.push('"clerkCreatedAt" <= ?');
      args.push(sqliteDate(w.to));
    }
    if (w.after) {
      where.push('("clerkCreatedAt", "id") > (?, ?)');
      args.push(sqliteDate(w.after.createdAt), w.after.id);
    }
    return {
      sql: `SELECT ${LOCAL_USER_SQL_COLUMNS} FROM "User" WHERE ${where.join(' AND ')} ORDER BY "clerkCreatedAt", "id" LIMIT ?`,
      args: [...args, w.take],
    };
  },
  withoutCreatedAt(afterId: string | null, take: number): SqliteStatement {
    return {
      sql: `SELECT ${LOCAL_USER_SQL_COLUMNS} FROM "User" WHERE "clerkCreatedAt" IS NULL${afterId === null ? '' : ' AND "id" > ?'} ORDER BY "id" LIMIT ?`,
      args: afterId === null ? [take] : [afterId, take],
    };
  },
  /** One prepared lookup per id: no IN list of a new length to prepare each time. */
  localUsers(ids: string[]): SqliteStatement {
    return { sql: `SELECT ${LOCAL_USER_SQL_COLUMNS} FROM "User" WHERE "id" = ?`, each: ids.map((id) => [id]) };
  },
  markInSync(ids: string[], at: Date): SqliteStatement {
    // `updatedAt` stays: the copy did not change, only what is known about it
    const text = sqliteDate(at);
    return {
      sql: `UPDATE "User" SET "syncStatus" = 'in_sync', "lastComparedAt" = ? WHERE "id" = ? AND "syncStatus" <> 'in_sync'`,
      each: ids.map((id) => [text, id]),
    };
  },
};
