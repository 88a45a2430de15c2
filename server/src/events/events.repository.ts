import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/unit-of-work.ts';
import type { EventOutcome, EventSummary, Page } from '../contract.ts';
import { iso } from '../lib/iso.ts';
import { toPage } from '../lib/cursor.ts';

export type EventRow = Prisma.EventGetPayload<object>;

export interface EventFilter {
  type?: string;
  outcome?: EventOutcome;
  userId?: string;
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

    async list(filter: EventFilter, cursor: number | null, limit: number): Promise<Page<EventSummary>> {
      const { q, ...rest } = filter;
      const page = { ...(cursor !== null ? { id: { lt: cursor } } : {}) };
      const find = (where: Prisma.EventWhereInput) =>
        db.event.findMany({ where: { AND: [whereOf(rest), page, where] }, orderBy: { id: 'desc' }, take: limit + 1, omit: { payload: true } });
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

    async listAfter(afterId: number, limit: number): Promise<Omit<EventRow, 'payload'>[]> {
      return db.event.findMany({ where: { id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit, omit: { payload: true } });
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
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;

/** How many of the newest events a text search reads; ids (svix, object, user) match in all of history. */
export const TEXT_SEARCH_WINDOW = 50_000;

function whereOf(f: Omit<EventFilter, 'q'>): Prisma.EventWhereInput {
  return {
    ...(f.type ? { type: f.type } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.userId ? { userId: f.userId } : {}),
    ...(f.from || f.to ? { receivedAt: { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) } } : {}),
  };
}

export function toEventSummary(r: Omit<EventRow, 'payload'>): EventSummary {
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
