// The Session table: its columns (derived from Clerk's session JSON), its rows as the API shows them, and every
// statement on it. Prisma for the API and retention; prepared SQL (lib/db/sql.ts) for the webhook hot path
// (`sessionsSql`).
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import { decodeRow, type SqlTx } from '../lib/db/sql.ts';
import type { SessionDto } from '../contract.ts';
import { iso } from '../lib/iso.ts';
import { effectiveSessionStatus } from '../sync/rules.ts';

export type SessionRow = Prisma.SessionGetPayload<object>;

const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** What a purged session keeps of its Clerk JSON (retention). */
const PURGED_DATA = '{}';

export function createSessionsRepository(db: DbClient) {
  return {
    async listForUser(userId: string, now: Date = new Date()): Promise<SessionDto[]> {
      const rows = await db.session.findMany({ where: { userId }, orderBy: { clerkUpdatedAt: 'desc' }, take: 100 });
      return rows.map((r) => toSessionDto(r, now));
    },

    /**
     * Sessions by the status they have now: an active or pending one past its expire_at or abandon_at counts
     * as expired or abandoned (Clerk sends no event for either).
     */
    async countByStatus(now: Date = new Date()): Promise<Record<string, number>> {
      const [stored, due] = await Promise.all([
        db.session.groupBy({ by: ['status'], _count: { _all: true } }),
        db.session.findMany({
          where: {
            status: { in: ['active', 'pending'] },
            OR: [{ expireAt: { lte: now } }, { abandonAt: { lte: now } }],
          },
          select: { status: true, expireAt: true, abandonAt: true },
        }),
      ]);
      const counts: Record<string, number> = {};
      for (const g of stored) counts[g.status] = g._count._all;
      for (const s of due) {
        const status = effectiveSessionStatus(s, now);
        counts[s.status] = (counts[s.status] ?? 0) - 1;
        counts[status] = (counts[status] ?? 0) + 1;
      }
      for (const [k, v] of Object.entries(counts)) if (v === 0) delete counts[k];
      return counts;
    },

    /**
     * Writes down what Clerk did without an event: live sessions past a deadline become expired or abandoned
     * (the earlier deadline decides). Their Clerk version is unchanged, so any later event still applies.
     */
    async expireDue(now: Date = new Date()): Promise<number> {
      const live = { status: { in: ['active', 'pending'] } };
      // two disjoint sets (which deadline came first), so the order of the statements does not matter
      const expired = await db.session.updateMany({
        where: {
          ...live,
          expireAt: { lte: now },
          OR: [{ abandonAt: null }, { abandonAt: { gte: db.session.fields.expireAt } }],
        },
        data: { status: 'expired' },
      });
      const abandoned = await db.session.updateMany({
        where: {
          ...live,
          abandonAt: { lte: now },
          OR: [{ expireAt: null }, { expireAt: { gt: db.session.fields.abandonAt } }],
        },
        data: { status: 'abandoned' },
      });
      return expired.count + abandoned.count;
    },

    /** Does the local copy hold a session of this user that is still live (active or pending) as stored? */
    async hasLive(userId: string): Promise<boolean> {
      return (await db.session.count({ where: { userId, status: { in: ['active', 'pending'] } }, take: 1 })) > 0;
    },

    /** What Clerk answers for a user's sessions (a resync), each through the session ordering rules. */
    async putFromClerk(
      session: Record<string, unknown>,
      decide: (held: { clerkUpdatedAt: Date; status: string } | null) => boolean,
    ): Promise<boolean> {
      const id = String(session.id);
      const held = await db.session.findUnique({ where: { id }, select: { clerkUpdatedAt: true, status: true } });
      if (!decide(held)) return false;
      const c = sessionColumnsOf(session);
      await db.session.upsert({ where: { id }, create: { id, ...c }, update: c });
      return true;
    },

    /** Retention: erases the stored JSON of a user's sessions; the count of rows changed. */
    async purgeDataOfUser(userId: string): Promise<number> {
      return (
        await db.session.updateMany({ where: { userId, data: { not: PURGED_DATA } }, data: { data: PURGED_DATA } })
      ).count;
    },
  };
}

/** The columns derived from a Clerk session JSON; `data` keeps all of it. */
export function sessionColumnsOf(session: Record<string, unknown>) {
  // A session event embeds its whole user; that is kept once, in User, not in every session row.
  const { user: _user, ...s } = session;
  return {
    userId: String(s.user_id),
    clientId: str(s.client_id),
    status: String(s.status),
    clerkUpdatedAt: new Date(s.updated_at as number),
    clerkCreatedAt: date(s.created_at),
    lastActiveAt: date(s.last_active_at),
    expireAt: date(s.expire_at),
    abandonAt: date(s.abandon_at),
    data: JSON.stringify(s),
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;

/** A session row as shown: with the status it has at `now`, not only the last one Clerk sent. */
export function toSessionDto(r: SessionRow, now: Date = new Date()): SessionDto {
  return {
    id: r.id,
    userId: r.userId,
    status: effectiveSessionStatus(r, now),
    clientId: r.clientId,
    lastActiveAt: iso(r.lastActiveAt),
    expireAt: iso(r.expireAt),
    clerkUpdatedAt: r.clerkUpdatedAt.toISOString(),
  };
}

const SESSION_TYPES = {
  dates: ['clerkUpdatedAt', 'clerkCreatedAt', 'lastActiveAt', 'expireAt', 'abandonAt', 'updatedAt'],
  bools: [],
} as const;

/**
 * What a session event does to the row, inside the ingest store's transaction (ingest/apply.ts): the rules in
 * sync/rules.ts compare the incoming version with `heldVersion`; `put` writes a newer version Clerk sent.
 */
export const sessionsSql = {
  async heldVersion(tx: SqlTx, id: string): Promise<{ clerkUpdatedAt: Date; status: string } | null> {
    const raw = await tx.get<Record<string, unknown>>(
      `SELECT ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt", "status" FROM "Session" WHERE "id" = ?`,
      [id],
    );
    return raw ? decodeRow<{ clerkUpdatedAt: Date; status: string }>(raw, SESSION_TYPES) : null;
  },

  async put(tx: SqlTx, session: Record<string, unknown>, svixId: string): Promise<void> {
    const c = sessionColumnsOf(session);
    await tx.run(
      `INSERT INTO "Session" ("id", "userId", "clientId", "status", "clerkUpdatedAt", "clerkCreatedAt", "lastActiveAt", "expireAt", "abandonAt", "data", "lastEventSvixId", "updatedAt")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "userId" = excluded."userId", "clientId" = excluded."clientId", "status" = excluded."status",
         "clerkUpdatedAt" = excluded."clerkUpdatedAt", "clerkCreatedAt" = excluded."clerkCreatedAt", "lastActiveAt" = excluded."lastActiveAt",
         "expireAt" = excluded."expireAt", "abandonAt" = excluded."abandonAt", "data" = excluded."data", "lastEventSvixId" = excluded."lastEventSvixId",
         "updatedAt" = excluded."updatedAt"`,
      [
        String(session.id),
        c.userId,
        c.clientId,
        c.status,
        tx.date(c.clerkUpdatedAt),
        tx.date(c.clerkCreatedAt),
        tx.date(c.lastActiveAt),
        tx.date(c.expireAt),
        tx.date(c.abandonAt),
        c.data,
        svixId,
        tx.date(new Date()),
      ],
    );
  },
};
