// The Session table: its columns (derived from Clerk's session JSON), its rows as the API shows them, and every
// statement on it. Prisma for the API and retention; prepared SQL (lib/db/sql.ts) for the webhook hot path
// (`sessionsSql`).
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import { decodeRow, type SqlTx } from '../lib/db/sql.ts';
import type { SessionDto } from '../contract.ts';
import { iso } from '../lib/iso.ts';

export type SessionRow = Prisma.SessionGetPayload<object>;

const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** What a purged session keeps of its Clerk JSON (retention). */
const PURGED_DATA = '{}';

export function createSessionsRepository(db: DbClient) {
  return {
    async listForUser(userId: string): Promise<SessionDto[]> {
      const rows = await db.session.findMany({ where: { userId }, orderBy: { clerkUpdatedAt: 'desc' }, take: 100 });
      return rows.map(toSessionDto);
    },

    /** Retention: erases the stored JSON of a user's sessions; the count of rows changed. */
    async purgeDataOfUser(userId: string): Promise<number> {
      return (await db.session.updateMany({ where: { userId, data: { not: PURGED_DATA } }, data: { data: PURGED_DATA } })).count;
    },
  };
}

/** The columns derived from a Clerk session JSON; `data` keeps all of it. */
export function sessionColumnsOf(s: Record<string, unknown>) {
  return {
    userId: String(s.user_id),
    clientId: str(s.client_id),
    status: String(s.status),
    clerkUpdatedAt: new Date(s.updated_at as number),
    clerkCreatedAt: date(s.created_at),
    lastActiveAt: date(s.last_active_at),
    expireAt: date(s.expire_at),
    data: JSON.stringify(s),
  };
}

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;

export function toSessionDto(r: SessionRow): SessionDto {
  return {
    id: r.id,
    userId: r.userId,
    status: r.status,
    clientId: r.clientId,
    lastActiveAt: iso(r.lastActiveAt),
    expireAt: iso(r.expireAt),
    clerkUpdatedAt: r.clerkUpdatedAt.toISOString(),
  };
}

const SESSION_TYPES = { dates: ['clerkUpdatedAt', 'clerkCreatedAt', 'lastActiveAt', 'expireAt', 'updatedAt'], bools: [] } as const;

/**
 * What a session event does to the row, inside the ingest store's transaction (ingest/apply.ts): the rules in
 * sync/rules.ts compare the incoming version with `heldVersion`; `put` writes a newer version Clerk sent.
 */
export const sessionsSql = {
  async heldVersion(tx: SqlTx, id: string): Promise<{ clerkUpdatedAt: Date } | null> {
    const raw = await tx.get<Record<string, unknown>>(`SELECT ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt" FROM "Session" WHERE "id" = ?`, [id]);
    return raw ? decodeRow<{ clerkUpdatedAt: Date }>(raw, SESSION_TYPES) : null;
  },

  async put(tx: SqlTx, session: Record<string, unknown>, svixId: string): Promise<void> {
    const c = sessionColumnsOf(session);
    await tx.run(
      `INSERT INTO "Session" ("id", "userId", "clientId", "status", "clerkUpdatedAt", "clerkCreatedAt", "lastActiveAt", "expireAt", "data", "lastEventSvixId", "updatedAt")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "userId" = excluded."userId", "clientId" = excluded."clientId", "status" = excluded."status",
         "clerkUpdatedAt" = excluded."clerkUpdatedAt", "clerkCreatedAt" = excluded."clerkCreatedAt", "lastActiveAt" = excluded."lastActiveAt",
         "expireAt" = excluded."expireAt", "data" = excluded."data", "lastEventSvixId" = excluded."lastEventSvixId", "updatedAt" = excluded."updatedAt"`,
      [String(session.id), c.userId, c.clientId, c.status, tx.date(c.clerkUpdatedAt), tx.date(c.clerkCreatedAt), tx.date(c.lastActiveAt), tx.date(c.expireAt), c.data, svixId, tx.date(new Date())],
    );
  },
};
