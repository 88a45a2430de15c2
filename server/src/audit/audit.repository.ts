// The audit trail in the database: append-only rows, read newest first with an id cursor.
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import type { AuditAction, AuditEntryDto, Page } from '../contract.ts';
import { toPage } from '../lib/cursor.ts';

export type AuditRow = Prisma.AuditEntryGetPayload<object>;

export interface AuditFilter {
  action?: AuditAction;
  actor?: string;
}

export function createAuditRepository(db: DbClient) {
  return {
    async add(entry: {
      actor: string;
      action: AuditAction;
      target: string | null;
      summary: Record<string, unknown>;
      at?: Date;
    }): Promise<AuditRow> {
      return db.auditEntry.create({
        data: {
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          summary: JSON.stringify(entry.summary),
          ...(entry.at ? { at: entry.at } : {}),
        },
      });
    },

    async list(filter: AuditFilter, cursor: number | null, limit: number): Promise<Page<AuditEntryDto>> {
      const rows = await db.auditEntry.findMany({
        where: {
          ...(filter.action ? { action: filter.action } : {}),
          ...(filter.actor ? { actor: filter.actor } : {}),
          ...(cursor !== null ? { id: { lt: cursor } } : {}),
        },
        orderBy: { id: 'desc' },
        take: limit + 1,
      });
      return toPage(rows, limit, toAuditEntryDto, (r) => [r.id]);
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;

export function toAuditEntryDto(r: AuditRow): AuditEntryDto {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action as AuditAction,
    target: r.target,
    summary: JSON.parse(r.summary) as Record<string, unknown>,
  };
}
