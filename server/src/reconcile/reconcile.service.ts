// Reconcile: walk Clerk's users (GET /v1/users by cursor, in created_at windows walked in parallel: windows.ts)
// and classify each against the local copy — missing (backfill), stale (fields differ), deleted (alive here,
// gone in Clerk) — then its organizations and every membership (organizations-walk.ts: missing, stale, deleted;
// missing, extra, role, stale) — and fix findings in bulk with the single-resync rules. Runs in the background of one
// server at a time (a single-row lock with a heartbeat), commits page by page so a restart resumes at the
// cursor, and spends only its share of Clerk's rate limit (the clients it gets are wrapped by rate-budget.ts).
// Memory stays flat: a page per window walked, and ≤ 1,000 local rows at a time. See docs/decisions/006-reconcile.md.
//
// This facade composes the parts: classify.ts (a page against the local rows), job.ts (a run: pages,
// heartbeat, progress), scheduler.ts (operator starts, the schedule, resuming a dead instance's run),
// fix.ts (fixing findings) and run-view.ts (a run as the API shows it).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type {
  DriftClass,
  DriftPoint,
  DriftSubject,
  OrganizationFindingClass,
  Page,
  ReconcileFindingDto,
  ReconcileFixRequest,
  ReconcileFixResult,
  ReconcileOrganizationFindingDto,
  ReconcileRunDto,
} from '../contract.ts';
import type { UnitOfWork } from '../data/unit-of-work.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { ResyncService } from '../resync/resync.service.ts';
import type { ReconcileRepository } from './reconcile.repository.ts';
import { createJobRunner, type JobSettings, type JobSlot } from './job.ts';
import { createScheduler, type ScheduleSettings } from './scheduler.ts';
import { createFixer } from './fix.ts';
import { createRunView } from './run-view.ts';
import { AppError } from '../lib/errors.ts';
import { encodeCursor } from '../lib/cursor.ts';

export interface ReconcileSettings extends JobSettings, ScheduleSettings {}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  pageSize: 500,
  lockTtlMs: 30_000,
  heartbeatMs: 5_000,
  intervalMs: null,
  progressEveryMs: 250,
  watchMs: 10_000,
  parallelWindows: 8,
  pagesPerWindow: 16,
};

export function createReconcileService(deps: {
  repo: ReconcileRepository;
  /** already behind the reconcile's rate budget */
  clerk: ClerkClient;
  /** the same behind the same budget, for the windows' page requests (queued behind `clerk`'s); default `clerk` */
  clerkAhead?: ClerkClient;
  resync: Pick<ResyncService, 'applyClerkState'>;
  /** the organization tables, which fixes write through */
  uow: UnitOfWork;
  audit: AuditRecorder;
  publisher: Publisher;
  logger: Logger;
  settings?: Partial<ReconcileSettings>;
  instanceId?: string;
  clock?: () => Date;
}) {
  const { repo, clerk, audit, publisher, logger } = deps;
  const settings: ReconcileSettings = { ...DEFAULT_RECONCILE_SETTINGS, ...deps.settings };
  const clock = deps.clock ?? (() => new Date());
  const instance = deps.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  const slot: JobSlot = { current: null };
  const view = createRunView({ repo, clock, slot });
  const jobs = createJobRunner({
    repo,
    clerk,
    clerkAhead: deps.clerkAhead ?? clerk,
    publisher,
    logger,
    settings,
    instance,
    clock,
    slot,
    view,
  });
  const scheduler = createScheduler({ repo, audit, logger, settings, instance, clock, slot, jobs, view });
  const fixer = createFixer({ repo, clerk, resync: deps.resync, uow: deps.uow, audit, publisher, clock, view });

  return {
    instanceId: instance,

    /** Starts a run in the background (or resumes an orphaned one); 409 while one is running anywhere. */
    start(actor: string): Promise<ReconcileRunDto> {
      return scheduler.start(actor);
    },

    async cancel(id: number): Promise<ReconcileRunDto> {
      const run = await view.requireRun(id);
      if (run.status !== 'running')
        throw new AppError('reconcile_not_running', 409, `Reconcile run ${id} is ${run.status}, not running`);
      // held by another instance (its heartbeat notices), or orphaned
      if (!(await jobs.cancel(id))) await repo.finishRun(id, 'cancelled', clock(), null);
      return view.toDto(await view.requireRun(id));
    },

    async getRun(id: number): Promise<ReconcileRunDto> {
      return view.toDto(await view.requireRun(id));
    },

    async listRuns(cursor: number | null, limit: number): Promise<Page<ReconcileRunDto>> {
      const { rows, nextCursor } = await repo.listRuns(cursor, limit);
      const unfixed = await repo.unfixedCounts(rows.map((r) => r.id));
      const items = await Promise.all(rows.map((r) => view.toDto(r, unfixed.get(r.id) ?? 0)));
      return { items, nextCursor: nextCursor === null ? null : encodeCursor([nextCursor]) };
    },

    async findings(
      id: number,
      filter: { class?: DriftClass; unfixed?: boolean },
      cursor: number | null,
      limit: number,
    ): Promise<Page<ReconcileFindingDto>> {
      await view.requireRun(id);
      return repo.listFindings(id, filter, cursor, limit);
    },

    async organizationFindings(
      id: number,
      filter: { subject?: Exclude<DriftSubject, 'user'>; class?: OrganizationFindingClass; unfixed?: boolean },
      cursor: number | null,
      limit: number,
    ): Promise<Page<ReconcileOrganizationFindingDto>> {
      await view.requireRun(id);
      return repo.listOrganizationFindings(id, filter, cursor, limit);
    },

    driftHistory(limit = 100): Promise<DriftPoint[]> {
      return repo.driftHistory(limit);
    },

    /**
     * Resyncs the run's unfixed findings (all, or those of the users, organizations and memberships named) with the
     * single-resync rules, fetching Clerk's current state 100 users or organizations per request (memberships
     * through their organization's list); what Clerk no longer has is tombstoned (a membership ended).
     */
    fix(id: number, request: ReconcileFixRequest, actor: string): Promise<ReconcileFixResult> {
      return fixer.fix(id, request, actor);
    },

    /** Resumes an orphaned run and runs the schedule, from now on. */
    startBackground(): void {
      scheduler.startBackground();
    },

    /** Pauses a running job (it stays `running` and resumes on the next start) and stops the watch. */
    async stop(): Promise<void> {
      await scheduler.stop();
      await jobs.pause();
    },

    /** Resolves when no job runs here (tests). */
    idle(): Promise<void> {
      return scheduler.idle();
    },
  };
}

export type ReconcileService = ReturnType<typeof createReconcileService>;
