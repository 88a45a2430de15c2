import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import type { ApiTokenDto, Role } from '../contract.ts';
import { iso } from '../lib/iso.ts';

export type ApiTokenRow = Prisma.ApiTokenGetPayload<object>;

export function createApiTokensRepository(db: DbClient) {
  return {
    async create(data: { name: string; tokenHash: string; role: string; createdBy: string }): Promise<ApiTokenRow> {
      return db.apiToken.create({ data });
    },
    async findByHash(tokenHash: string): Promise<ApiTokenRow | null> {
      return db.apiToken.findUnique({ where: { tokenHash } });
    },
    async list(): Promise<ApiTokenRow[]> {
      return db.apiToken.findMany({ orderBy: { id: 'desc' }, take: 1000 });
    },
    async revoke(id: number, at: Date): Promise<ApiTokenRow | null> {
      const r = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
      if (r.count === 0 && !(await db.apiToken.findUnique({ where: { id } }))) return null;
      return db.apiToken.findUnique({ where: { id } });
    },
    async touch(id: number, at: Date): Promise<void> {
      await db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: at } });
    },
  };
}

export type ApiTokensRepository = ReturnType<typeof createApiTokensRepository>;

export function toApiTokenDto(r: ApiTokenRow): ApiTokenDto {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: iso(r.lastUsedAt),
    revokedAt: iso(r.revokedAt),
  };
}
