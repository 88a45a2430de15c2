// The Prisma side of retention and privacy purges: small, bounded statements (ids first, then the
// change by id) so a purge never holds the write lock for long while webhooks arrive.
import type { DbClient } from '../lib/unit-of-work.ts';

export const PURGE_KINDS = ['deliveries', 'payloads', 'users'] as const;
export type PurgeKind = (typeof PURGE_KINDS)[number];

/** What an erased payload is stored as: the row stays (svix-id dedupe, timeline), its content goes. */
export const PURGED = '';

export function createRetentionRepository(db: DbClient) {
  return {
    async oldDeliveryIds(before: Date, limit: number): Promise<number[]> {
      const rows = await db.delivery.findMany({ where: { receivedAt: { lt: before } }, select: { id: true }, orderBy: { id: 'asc' }, take: limit });
      return rows.map((r) => r.id);
    },
    async deleteDeliveries(ids: number[]): Promise<number> {
      return (await db.delivery.deleteMany({ where: { id: { in: ids } } })).count;
    },
    async oldPayloadEventIds(before: Date, limit: number): Promise<number[]> {
      const rows = await db.event.findMany({
        where: { receivedAt: { lt: before }, payload: { not: PURGED } },
        select: { id: true },
        orderBy: { id: 'asc' },
        take: limit,
      });
      return rows.map((r) => r.id);
    },
    async blankEventPayloads(ids: number[]): Promise<number> {
      return (await db.event.updateMany({ where: { id: { in: ids }, payload: { not: PURGED } }, data: { payload: PURGED } })).count;
    },

    // ---- one user's stored payloads ----
    async userEvents(userId: string): Promise<{ id: number; svixId: string }[]> {
      return db.event.findMany({ where: { userId }, select: { id: true, svixId: true }, orderBy: { id: 'asc' } });
    },
    async blankDeliveryBodies(eventIds: number[], svixIds: string[]): Promise<number> {
      const r = await db.delivery.updateMany({
        where: { OR: [{ eventId: { in: eventIds } }, { svixId: { in: svixIds } }], body: { not: PURGED } },
        data: { body: PURGED },
      });
      return r.count;
    },
    async blankSessions(userId: string): Promise<number> {
      return (await db.session.updateMany({ where: { userId, data: { not: '{}' } }, data: { data: '{}' } })).count;
    },
    async findUser(userId: string): Promise<{ id: string; deleted: boolean } | null> {
      return db.user.findUnique({ where: { id: userId }, select: { id: true, deleted: true } });
    },
    /** A tombstone keeps its id, deletion and version time; every personal field goes. */
    async clearTombstone(userId: string): Promise<boolean> {
      const r = await db.user.updateMany({
        where: { id: userId, deleted: true },
        data: { data: null, primaryEmail: null, emails: '', firstName: null, lastName: null, username: null, imageUrl: null },
      });
      return r.count > 0;
    },
    /** Deleted users that still hold personal data or stored payloads (the sweep's work list). */
    async deletedUsersToPurge(limit: number): Promise<string[]> {
      const withFields = await db.user.findMany({
        where: { deleted: true, OR: [{ data: { not: null } }, { primaryEmail: { not: null } }, { emails: { not: '' } }] },
        select: { id: true },
        take: limit,
      });
      const withPayloads = await db.$queryRaw<{ id: string }[]>`
        SELECT DISTINCT e."userId" AS id FROM "Event" e JOIN "User" u ON u."id" = e."userId"
        WHERE u."deleted" = ${true} AND e."payload" <> ${PURGED} LIMIT ${limit}`;
      return [...new Set([...withFields.map((u) => u.id), ...withPayloads.map((u) => u.id)])];
    },

    // ---- counters ----
    async addToCounter(kind: PurgeKind, n: number, at: Date): Promise<void> {
      if (n <= 0) return;
      await db.purgeCounter.upsert({ where: { kind }, create: { kind, count: n, lastAt: at }, update: { count: { increment: n }, lastAt: at } });
    },
    async counters(): Promise<Record<PurgeKind, { count: number; lastAt: Date | null }>> {
      const rows = await db.purgeCounter.findMany();
      const out = Object.fromEntries(PURGE_KINDS.map((k) => [k, { count: 0, lastAt: null as Date | null }])) as Record<PurgeKind, { count: number; lastAt: Date | null }>;
      for (const r of rows) if ((PURGE_KINDS as readonly string[]).includes(r.kind)) out[r.kind as PurgeKind] = { count: r.count, lastAt: r.lastAt };
      return out;
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;
