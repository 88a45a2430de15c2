// Fixes a run's findings in bulk with the single-resync rules: Clerk's current state of each user, fetched
// ID_BATCH users per request, is written as a resync would (users Clerk no longer has are tombstoned); then the
// organizations' and memberships' (fix-organizations.ts), organizations first so a deleted one has ended its
// memberships before they are looked at.
import type { DriftSubject, ReconcileFixRequest, ReconcileFixResult, ResyncResult } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { ResyncService } from '../resync/resync.service.ts';
import type { UnitOfWork } from '../data/unit-of-work.ts';
import type { ReconcileRepository } from './reconcile.repository.ts';
import type { RunView } from './run-view.ts';
import { ID_BATCH } from './classify.ts';
import { CLERK_PAGE_LIMIT } from '../clerk/clerk-client.ts';
import { createOrganizationFixer } from './fix-organizations.ts';
import { toUserSummary } from '../users/users.repository.ts';
import { AppError } from '../lib/errors.ts';

const NOTES_KEPT = 100;
/** membership findings fixed per batch: one walk of the membership list serves them all (their ids held meanwhile) */
const MEMBERSHIPS_PER_WALK = 20_000;

export function createFixer(deps: {
  repo: ReconcileRepository;
  /** already behind the reconcile's rate budget */
  clerk: ClerkClient;
  resync: Pick<ResyncService, 'applyClerkState'>;
  uow: UnitOfWork;
  audit: AuditRecorder;
  publisher: Publisher;
  clock: () => Date;
  view: RunView;
}) {
  const { repo, clerk, clock, view } = deps;
  const organizationFixer = createOrganizationFixer({ uow: deps.uow, clerk, clock });
  /** runs being fixed here (a double click must not apply, and count, the same findings twice) */
  const fixing = new Set<number>();

  async function fixRun(id: number, request: ReconcileFixRequest, actor: string): Promise<ReconcileFixResult> {
    const results: Record<ResyncResult['result'], number> = { created: 0, updated: 0, unchanged: 0, tombstoned: 0 };
    const bySubject: Record<DriftSubject, number> = { user: 0, organization: 0, membership: 0 };
    // nothing named: everything; otherwise only what is named
    const all = !request.userIds && !request.organizationIds && !request.membershipIds;
    const userIds = request.userIds;
    // users whose local version was dated later than Clerk's (the audit entry lists the first NOTES_KEPT)
    const notes: { userId: string; note: string }[] = [];
    let noted = 0;
    let afterId = 0;
    for (; all || userIds;) {
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
        bySubject.user++;
        byResult.set(result, [...(byResult.get(result) ?? []), f.id]);
      }
      await repo.markFixed(byResult, clock());
      for (const row of await repo.userSummaries(batch.map((f) => f.userId)))
        deps.publisher.userChanged(toUserSummary(row));
      afterId = batch[batch.length - 1]!.id;
      if (batch.length < ID_BATCH) break;
    }
    // one walk of every membership costs this many requests (a page per 500); one list per organization costs one
    // request per organization a batch touches: whichever is fewer
    const runRow = await view.requireRun(id);
    const walkPages = Math.max(1, Math.ceil((runRow.membershipsTotal ?? Infinity) / CLERK_PAGE_LIMIT));
    for (const subject of ['organization', 'membership'] as const) {
      const ids = subject === 'organization' ? request.organizationIds : request.membershipIds;
      if (!all && !ids) continue;
      const size = subject === 'organization' ? ID_BATCH : MEMBERSHIPS_PER_WALK;
      for (let after = 0; ;) {
        const batch = await repo.unfixedOrganizationBatch(id, subject, ids ?? null, after, size);
        if (batch.length === 0) break;
        const done =
          subject === 'organization'
            ? await organizationFixer.organizations(batch)
            : new Set(batch.map((f) => f.organizationId)).size > walkPages
              ? await organizationFixer.membershipsByWalk(batch)
              : await organizationFixer.memberships(batch);
        const byResult = new Map<ResyncResult['result'], number[]>();
        done.forEach((result, i) => {
          results[result]++;
          bySubject[subject]++;
          byResult.set(result, [...(byResult.get(result) ?? []), batch[i]!.id]);
        });
        await repo.markOrganizationFindingsFixed(byResult, clock());
        const changed = [...new Set(batch.map((f) => f.organizationId))];
        for (const summary of (await deps.uow.repos.organizations.summariesByIds(changed)).values())
          deps.publisher.organizationChanged(summary);
        after = batch[batch.length - 1]!.id;
        if (batch.length < size) break;
      }
    }
    const fixed = Object.values(results).reduce((a, b) => a + b, 0);
    const run = await view.requireRun(id);
    const dto = await view.toDto(run);
    await deps.audit.record(actor, 'reconcile_fix', id, {
      runId: id,
      requested: all
        ? 'all'
        : {
            ...(request.userIds ? { userIds: request.userIds } : {}),
            ...(request.organizationIds ? { organizationIds: request.organizationIds } : {}),
            ...(request.membershipIds ? { membershipIds: request.membershipIds } : {}),
          },
      fixed,
      results,
      bySubject,
      ...(noted ? { notes, noted } : {}),
    });
    deps.publisher.reconcileProgress(dto);
    return { runId: id, fixed, results, bySubject, unfixed: dto.unfixed };
  }

  return {
    /**
     * Fixes the run's unfixed findings (all, or only those of the users, organizations and memberships named); 409
     * while this server fixes that run already.
     */
    async fix(id: number, request: ReconcileFixRequest, actor: string): Promise<ReconcileFixResult> {
      await view.requireRun(id);
      if (fixing.has(id))
        throw new AppError('fix_running', 409, `Run ${id} is being fixed already; wait for it to finish`);
      fixing.add(id);
      try {
        return await fixRun(id, request, actor);
      } finally {
        fixing.delete(id);
      }
    },
  };
}
