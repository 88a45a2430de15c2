import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/unit-of-work.ts';
import type { SessionDto } from '../contract.ts';
import { iso } from '../lib/iso.ts';

export type SessionRow = Prisma.SessionGetPayload<object>;

const date = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function createSessionsRepository(db: DbClient) {
  return {
    async listForUser(userId: string): Promise<SessionDto[]> {
      const rows = await db.session.findMany({ where: { userId }, orderBy: { clerkUpdatedAt: 'desc' }, take: 100 });
      return rows.map(toSessionDto);
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
