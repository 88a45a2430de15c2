// The Event table: one row per svix-id, its rows as the API shows them, and every statement on it. Prisma for
// the API and retention; prepared SQL (lib/db/sql.ts) for the webhook hot path (`eventsSql`).
import { findInChunks } from '../lib/chunks.ts';
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import { decodeRow, type SqlTx } from '../lib/db/sql.ts';
import type { EventOutcome, EventSummary, Page } from '../contract.ts';
import { iso } from '../lib/iso.ts';
import { toPage } from '../lib/cursor.ts';

export type EventRow = Prisma.EventGetPayload<object>;

/** The columns a summary shows (lists, the live push, catch-up). */
export type EventSummaryRow = Pick<
  EventRow,
  'id' | 'svixId' | 'type' | 'objectId' | 'userId' | 'outcome' | 'error' | 'occurredAt' | 'receivedAt'
>;

/** A verified event as the hot path stores it. */
export type NewEvent = Omit<EventRow, 'id'>;

/** What an erased payload is stored as: the row stays (svix-id dedupe, timeline), its content goes. */
export const PURGED = '';

export interface EventFilter {
  /** one type, or several separated by commas; an entry ending in "." is a prefix (`session.`) */
  type?: string;
  outcome?: EventOutcome;
  userId?: string;
  /** any of these users (the user filter given as an email or a name) */
  userIds?: string[];
  /** an organization's timeline */
  organizationId?: string;
  q?: string;
  from?: Date;
  to?: Date;
}

export const USER_VERSION_TYPES = ['user.created', 'user.updated'];

export function createEventsRepository(db: DbClient) {
  return {
    async getById(id: number): Promise<EventRow> {
      return db.event.findUniqueOrThrow({ where: { id } });
    },

    async get(svixId: string): Promise<EventRow | null> {
      return db.event.findUnique({ where: { svixId } });
    },

    /** What the failures view needs of these events: outcome and the user concerned. */
    async outcomesBySvixId(
      svixIds: readonly string[],
    ): Promise<{ svixId: string; outcome: string; userId: string | null; type: string }[]> {
      return findInChunks(svixIds, (part) =>
        db.event.findMany({
          where: { svixId: { in: part } },
          select: { svixId: true, outcome: true, userId: true, type: true },
        }),
      );
    },

    async list(filter: EventFilter, cursor: number | null, limit: number): Promise<Page<EventSummary>> {
      const { q, ...rest } = filter;
      const page = { ...(cursor !== null ? { id: { lt: cursor } } : {}) };
      const find = (where: Prisma.EventWhereInput) =>
        db.event.findMany({
          where: { AND: [whereOf(rest), page, where] },
          orderBy: { id: 'desc' },
          take: limit + 1,
          omit: { payload: true },
        });
      let rows;
      if (!q) {
        rows = await find({});
      } else {
        // Ids match in all of history through their indexes; text in payloads has none, so it is searched in
        // the newest TEXT_SEARCH_WINDOW events only (newest first, stopping at the page): a search costs the
        // same with a million events as with fifty thousand.
        const newest = (await db.event.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0;
        const [byId, byText] = await Promise.all([
          find({ OR: [{ svixId: q }, { userId: q }] }),
          find({ id: { gt: newest - TEXT_SEARCH_WINDOW }, OR: [{ objectId: q }, { payload: { contains: q } }] }),
        ]);
        const merged = new Map([...byId, ...byText].map((r) => [r.id, r]));
        rows = [...merged.values()].sort((x, y) => y.id - x.id).slice(0, limit + 1);
      }
      return toPage(rows, limit, toEventSummary, (r) => [r.id]);
    },

    /** The outcome of each of these events now (an incident's affected events; ids not found are left out). */
    async outcomesOf(ids: number[]): Promise<Map<number, EventOutcome>> {
      if (ids.length === 0) return new Map();
      const rows = await db.event.findMany({ where: { id: { in: ids } }, select: { id: true, outcome: true } });
      return new Map(rows.map((r) => [r.id, r.outcome as EventOutcome]));
    },

    /** Catch-up after a reconnect: the events after `afterId`, oldest first. */
    async listAfter(afterId: number, limit: number): Promise<EventSummary[]> {
      const rows = await db.event.findMany({
        where: { id: { gt: afterId } },
        orderBy: { id: 'asc' },
        take: limit,
        omit: { payload: true },
      });
      return rows.map(toEventSummary);
    },

    /** The user version applied before event `beforeId` (for the event detail's diff). */
    async previousUserVersion(userId: string, beforeId: number): Promise<string | null> {
      const row = await db.event.findFirst({
        where: { userId, id: { lt: beforeId }, type: { in: USER_VERSION_TYPES }, outcome: 'applied' },
        orderBy: { id: 'desc' },
        select: { payload: true },
      });
      return row?.payload ?? null;
    },

    async latestReceivedAt(): Promise<Date | null> {
      const row = await db.event.findFirst({ orderBy: { id: 'desc' }, select: { receivedAt: true } });
      return row?.receivedAt ?? null;
    },

    // ---- retention: erasing payloads ----

    async idsWithPayloadReceivedBefore(before: Date, limit: number): Promise<number[]> {
      const rows = await db.event.findMany({
        where: { receivedAt: { lt: before }, payload: { not: PURGED } },
        select: { id: true },
        orderBy: { id: 'asc' },
        take: limit,
      });
      return rows.map((r) => r.id);
    },
    async purgePayloads(ids: number[]): Promise<number> {
      return (
        await db.event.updateMany({ where: { id: { in: ids }, payload: { not: PURGED } }, data: { payload: PURGED } })
      ).count;
    },
    /** The events of these objects among events of these types (the type index narrows the scan). */
    idsOfObjects: (types: readonly string[], objectIds: readonly string[]): Promise<{ id: number; svixId: string }[]> =>
      findInChunks(objectIds, (part) =>
        db.event.findMany({
          where: { type: { in: [...types] }, objectId: { in: part } },
          select: { id: true, svixId: true },
          orderBy: { id: 'asc' },
        }),
      ),
    idsOfUser: (userId: string): Promise<{ id: number; svixId: string }[]> =>
      db.event.findMany({ where: { userId }, select: { id: true, svixId: true }, orderBy: { id: 'asc' } }),
    /** Deleted users whose events still hold payloads. */
    async deletedUsersWithPayloads(limit: number): Promise<string[]> {
      const rows = await db.$queryRaw<{ id: string }[]>`
        SELECT DISTINCT e."userId" AS id FROM "Event" e JOIN "User" u ON u."id" = e."userId"
        WHERE u."deleted" = ${true} AND e."payload" <> ${PURGED} LIMIT ${limit}`;
      return rows.map((u) => u.id);
    },
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;

/** How many of the newest events a text search reads; ids (svix, object, user) match in all of history. */
export const TEXT_SEARCH_WINDOW = 50_000;

/** `user.created,session.` → exact `user.created` or any `session.*`. */
export function typeFilter(types: string): Prisma.EventWhereInput[] {
  return types
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => (t.endsWith('.') ? { type: { startsWith: t } } : { type: t }));
}

function whereOf(f: Omit<EventFilter, 'q'>): Prisma.EventWhereInput {
  return {
    ...(f.type ? { OR: typeFilter(f.type) } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.userIds ? { userId: { in: f.userIds } } : f.userId ? { userId: f.userId } : {}),
    ...(f.organizationId ? { organizationId: f.organizationId } : {}),
    ...(f.from || f.to ? { receivedAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

export function toEventSummary(r: EventSummaryRow): EventSummary {
  return {
    id: r.id,
    svixId: r.svixId,
    type: r.type,
    objectId: r.objectId,
    userId: r.userId,
    outcome: r.outcome as EventOutcome,
    error: r.error,
    occurredAt: iso(r.occurredAt),
    receivedAt: r.receivedAt.toISOString(),
  };
}

const EVENT_TYPES = { dates: ['occurredAt', 'receivedAt', 'appliedAt'], bools: [] } as const;

/**
 * The event rows of the webhook hot path, inside the ingest store's transaction (ingest/records.ts): `held`
 * finds the row of a svix-id seen before (deduplication), `insert` stores a verified event, `markApplied` and
 * `markFailed` record what applying it again did, `summary` reads a row as the live push shows it.
 */
export const eventsSql = {
  held: (tx: SqlTx, svixId: string) =>
    tx.get<{ id: number; outcome: string; userId: string | null }>(
      'SELECT "id", "outcome", "userId" FROM "Event" WHERE "svixId" = ?',
      [svixId],
    ),

  async insert(tx: SqlTx, e: NewEvent): Promise<EventSummary> {
    const row = await tx.get<{ id: number }>(
      `INSERT INTO "Event" ("svixId", "type", "objectId", "userId", "organizationId", "occurredAt", "payload", "outcome", "error", "receivedAt", "appliedAt")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      [
        e.svixId,
        e.type,
        e.objectId,
        e.userId,
        e.organizationId,
        tx.date(e.occurredAt),
        e.payload,
        e.outcome,
        e.error,
        tx.date(e.receivedAt),
        tx.date(e.appliedAt),
      ],
    );
    return toEventSummary({ ...e, id: Number(row!.id) });
  },

  markApplied: (tx: SqlTx, id: number, outcome: EventOutcome) =>
    tx.run('UPDATE "Event" SET "outcome" = ?, "error" = NULL, "appliedAt" = ? WHERE "id" = ?', [
      outcome,
      tx.date(new Date()),
      id,
    ]),

  markFailed: (tx: SqlTx, id: number, error: string, outcome: 'failed' | 'quarantined' = 'failed') =>
    tx.run('UPDATE "Event" SET "outcome" = ?, "error" = ?, "appliedAt" = NULL WHERE "id" = ?', [outcome, error, id]),

  async summary(tx: SqlTx, id: number): Promise<EventSummary> {
    const raw = await tx.get<Record<string, unknown>>(
      `SELECT "id", "svixId", "type", "objectId", "userId", "outcome", "error", ${tx.dateText('occurredAt')} AS "occurredAt",
         ${tx.dateText('receivedAt')} AS "receivedAt" FROM "Event" WHERE "id" = ?`,
      [id],
    );
    return toEventSummary(decodeRow<EventSummaryRow>(raw!, EVENT_TYPES));
  },
};
