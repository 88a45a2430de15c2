// Who started which resync, replay or reconcile, when, and what it changed. Recording never fails the
// operation it describes: that already happened; a lost audit row is logged loudly instead.
import type { AuditAction, AuditEntryDto, Page } from '../contract.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditFilter, AuditRepository } from './audit.repository.ts';

/** What other services depend on: just the write side. */
export interface AuditRecorder {
  record(
    actor: string,
    action: AuditAction,
    target: string | number | null,
    summary: Record<string, unknown>,
  ): Promise<void>;
}

export function createAuditService(deps: { repo: AuditRepository; logger: Logger; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  const record: AuditRecorder['record'] = async (actor, action, target, summary) => {
    try {
      await deps.repo.add({ actor, action, target: target === null ? null : String(target), summary, at: clock() });
    } catch (err) {
      deps.logger.error({ err, actor, action, target }, 'could not record an audit entry');
    }
  };
  return {
    record,

    list(filter: AuditFilter, cursor: number | null, limit: number): Promise<Page<AuditEntryDto>> {
      return deps.repo.list(filter, cursor, limit);
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
