import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/unit-of-work.ts';

export type OperatorRow = Prisma.OperatorGetPayload<object>;

export function createOperatorsRepository(db: DbClient) {
  return {
    async findByEmail(email: string): Promise<OperatorRow | null> {
      return db.operator.findUnique({ where: { email } });
    },
    async count(): Promise<number> {
      return db.operator.count();
    },
    async create(data: { email: string; passwordHash: string; role: string }): Promise<OperatorRow> {
      return db.operator.create({ data });
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
    async deleteExpiredSessions(now: Date): Promise<number> {
      const r = await db.operatorSession.deleteMany({ where: { expiresAt: { lt: now } } });
      return r.count;
    },
  };
}

export type OperatorsRepository = ReturnType<typeof createOperatorsRepository>;
