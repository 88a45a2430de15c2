import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';

export type OperatorRow = Prisma.OperatorGetPayload<object>;

export function createOperatorsRepository(db: DbClient) {
  return {
    async findByEmail(email: string): Promise<OperatorRow | null> {
      return db.operator.findUnique({ where: { email } });
    },
    async findById(id: number): Promise<OperatorRow | null> {
      return db.operator.findUnique({ where: { id } });
    },
    async count(): Promise<number> {
      return db.operator.count();
    },
    async countActiveAdmins(): Promise<number> {
      return db.operator.count({ where: { role: 'admin', disabled: false } });
    },
    async list(): Promise<OperatorRow[]> {
      return db.operator.findMany({ orderBy: { id: 'asc' }, take: 1000 });
    },
    async create(data: {
      email: string;
      passwordHash: string;
      role: string;
      mustChangePassword?: boolean;
    }): Promise<OperatorRow> {
      return db.operator.create({ data });
    },
    async update(
      id: number,
      data: { role?: string; disabled?: boolean; passwordHash?: string; mustChangePassword?: boolean },
    ): Promise<OperatorRow> {
      return db.operator.update({ where: { id }, data });
    },
    async createSession(tokenHash: string, operatorId: number, expiresAt: Date): Promise<void> {
      await db.operatorSession.create({ data: { tokenHash, operatorId, expiresAt } });
    },
    async findSession(tokenHash: string) {
      return db.operatorSession.findUnique({ where: { tokenHash }, include: { operator: true } });
    },
    async deleteSession(tokenHash: string): Promise<void> {
      await db.operatorSession.deleteMany({ where: { tokenHash } });
    },
    /** Deletes every session of an operator; answers the hashes deleted (their sockets are closed too). */
    async deleteSessionsOf(operatorId: number): Promise<string[]> {
      const rows = await db.operatorSession.findMany({ where: { operatorId }, select: { tokenHash: true } });
      await db.operatorSession.deleteMany({ where: { operatorId } });
      return rows.map((r) => r.tokenHash);
    },
    /** Every session of an operator but one (a password change keeps the session that made it). */
    async deleteSessionsOfExcept(operatorId: number, keepHash: string): Promise<string[]> {
      const rows = await db.operatorSession.findMany({
        where: { operatorId, tokenHash: { not: keepHash } },
        select: { tokenHash: true },
      });
      await db.operatorSession.deleteMany({ where: { operatorId, tokenHash: { not: keepHash } } });
      return rows.map((r) => r.tokenHash);
    },
    async deleteExpiredSessions(now: Date): Promise<number> {
      const r = await db.operatorSession.deleteMany({ where: { expiresAt: { lt: now } } });
      return r.count;
    },
  };
}

export type OperatorsRepository = ReturnType<typeof createOperatorsRepository>;
