import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import type { ApiTokenDto, Role } from '../contract.ts';
import { iso } from '../lib/iso.ts';

export type ApiTokenRow = Prisma.ApiTokenGetPayload<object>;
const withOwner = { owner: { select: { id: true, email: true, role: true, disabled: true } } } as const;
export type ApiTokenWithOwner = Prisma.ApiTokenGetPayload<{ include: typeof withOwner }>;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** The lower of two roles: what a token may do is its own role capped by its owner's. */
export function lowerRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

/**
 * What a token may do at `now`: its role capped by its owner's current role; null when it may do nothing
 * (revoked, expired, its owner disabled or deleted).
 */
export function effectiveRole(t: ApiTokenWithOwner, now: Date): Role | null {
  if (t.revokedAt || (t.expiresAt && t.expiresAt.getTime() <= now.getTime())) return null;
  if (!t.owner || t.owner.disabled) return null;
  return lowerRole(t.role as Role, t.owner.role as Role);
}

export function createApiTokensRepository(db: DbClient) {
  return {
    async create(data: {
      name: string;
      tokenHash: string;
      role: string;
      createdBy: string;
      ownerId: number;
      expiresAt: Date | null;
    }): Promise<ApiTokenWithOwner> {
      return db.apiToken.create({ data, include: withOwner });
    },
    async findByHash(tokenHash: string): Promise<ApiTokenWithOwner | null> {
      return db.apiToken.findUnique({ where: { tokenHash }, include: withOwner });
    },
    async list(): Promise<ApiTokenWithOwner[]> {
      return db.apiToken.findMany({ orderBy: { id: 'desc' }, take: 1000, include: withOwner });
    },
    async revoke(id: number, at: Date): Promise<ApiTokenWithOwner | null> {
      const r = await db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
      if (r.count === 0 && !(await db.apiToken.findUnique({ where: { id } }))) return null;
      return db.apiToken.findUnique({ where: { id }, include: withOwner });
    },
    /** Revokes every live token of an operator; answers how many. */
    async revokeOwnedBy(ownerId: number, at: Date): Promise<number> {
      return (await db.apiToken.updateMany({ where: { ownerId, revokedAt: null }, data: { revokedAt: at } })).count;
    },
    async touch(id: number, at: Date): Promise<void> {
      await db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: at } });
    },
  };
}

export type ApiTokensRepository = ReturnType<typeof createApiTokensRepository>;

export function toApiTokenDto(r: ApiTokenWithOwner, now: Date): ApiTokenDto {
  return {
    id: r.id,
    name: r.name,
    role: r.role as Role,
    effectiveRole: effectiveRole(r, now),
    owner: r.owner?.email ?? null,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: iso(r.lastUsedAt),
    revokedAt: iso(r.revokedAt),
    expiresAt: iso(r.expiresAt),
  };
}
