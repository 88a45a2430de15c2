// Fixes a run's findings in bulk with the single-resync rules: Clerk's current state of each user, fetched
// ID_BATCH users per request, is written as a resync would (users Clerk no longer has are tombstoned).
import type { ReconcileFixResult, ResyncResult } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { ResyncService } from '../resync/resync.service.ts';
import type { ReconcileRepository } from './reconcile.repository.ts';
import type { RunView } from './run-view.ts';
import { ID_BATCH } from './classify.ts';
import { toUserSummary } from '../users/users.repository.ts';
import { AppError } from '../lib/errors.ts';

const NOTES_KEPT = 100;

export function createFixer(deps: {
  repo: ReconcileRepository;
  /** already behind the reconcile's rate budget */
  clerk: ClerkClient;
  resync: Pick<ResyncService, 'applyClerkState'>;
  audit: AuditRecorder;
  publisher: Publisher;
  clock: () => Date;
  view: RunView;
}) {
  const { repo, clerk, clock, view } = deps;
  /** runs being fixed here (a double click must not apply, and count, the same findings twice) */
  const fixing = new Set<number>();

  async function fixRun(id: number, userIds: string[] | undefined, actor: string): Promise<ReconcileFixResult> {
    const results: Record<ResyncResult['result'], number> = { created: 0, updated: 0, unchanged: 0, tombstoned: 0 };
    // users whose local version was dated later than Clerk's (the audit entry lists the first NOTES_KEPT)
    const notes: { userId: string; note: string }[] = [];
    let noted = 0;
    let afterId = 0;
    for (;;) {
      const batch = await repo.unfixedBatch(id, userIds ?? null, afterId, ID_BATCH);
      if (batch.length === 0) break;
      const fetchedAt = clock();
      const current = new Map(
        (await clerk.listUsers({ userIds: batch.map((f) => f.userId), limit: ID_BATCH })).map((u) => [u.id, u]),
      );
      const byResult = new Map<ResyncResult['result'], number[]>();
      for (const f of batch) {
        let result: ResyncResult['result'];
        try {
          const applied = await deps.resync.applyClerkState(f.userId, current.get(f.userId) ?? null, {
            source: 'reconcile',
            fetchedAt,
          });
          result = applied.result;
          if (applied.note) {
            noted++;
            if (notes.length < NOTES_KEPT) notes.push({ userId: f.userId, note: applied.note });
          }
        } catch (err) {
          // gone from Clerk before we ever held it: nothing to write
          if (!(err instanceof AppError && err.code === 'not_found')) throw err;
          result = 'unchanged';
        }
        results[result]++;
        byResult.set(result, [...(byResult.get(result) ?? []), f.id]);
      }
      await repo.markFixed(byResult, clock());
      for (const row of await repo.userSummaries(batch.map((f) => f.userId)))
        deps.publisher.userChanged(toUserSummary(row));
      afterId = batch[batch.length - 1]!.id;
      if (batch.length < ID_BATCH) break;
    }
    const fixed = Object.values(results).reduce((a, b) => a + b, 0);
    const run = await view.requireRun(id);
    const dto = await view.toDto(run);
    await deps.audit.record(actor, 'reconcile_fix', id, {
      runId: id,
      requested: userIds ?? 'all',
      fixed,
      results,
      ...(noted ? { notes, noted } : {}),
    });
    deps.publisher.reconcileProgress(dto);
    return { runId: id, fixed, results, unfixed: dto.unfixed };
  }

  return {
    /** Fixes the run's unfixed findings (all, or those of `userIds`); 409 while this server fixes that run already. */
    async fix(id: number, userIds: string[] | undefined, actor: string): Promise<ReconcileFixResult> {
      await view.requireRun(id);
      if (fixing.has(id))
        throw new AppError('fix_running', 409, `Run ${id} is being fixed already; wait for it to finish`);
      fixing.add(id);
      try {
        return await fixRun(id, userIds, actor);
      } finally {
        fixing.delete(id);
      }
    },
  };
}
