// Reconcile: page through Clerk's users (GET /v1/users, +created_at, starting_after) and classify each
// against the local copy — missing (backfill), stale (fields differ), deleted (alive here, gone in Clerk) —
// then fix findings in bulk with the single-resync rules. Runs in the background of one server at a time
// (a single-row lock with a heartbeat), commits page by page so a restart resumes at the cursor, and
// spends only its share of Clerk's rate limit (the client it gets is wrapped by rate-budget.ts).
// Memory stays flat: one page of Clerk users and ≤ 100 local ids at a time. See docs/decisions/006-reconcile.md.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DriftClass, DriftPoint, FieldDiff, Page, ReconcileFindingDto, ReconcileFixResult, ReconcileRunDto, ReconcileStatus, ResyncResult } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/factories.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { ResyncService } from '../resync/resync.service.ts';
import type { NewFinding, PageCommit, ReconcileRepository, RunRow } from './reconcile.repository.ts';
import { ClerkApiError } from '../clerk/clerk-client.ts';
import { diffUsers } from '../resync/diff.ts';
import { toUserSummary } from '../users/users.repository.ts';
import { AppError, notFound } from '../lib/errors.ts';
import { encodeCursor } from '../lib/cursor.ts';

export interface ReconcileSettings {
  /** Clerk users per page (Clerk's maximum is 500) */
  pageSize: number;
  /** a lock (and its run) whose holder has not said anything for this long is free to take over */
  lockTtlMs: number;
  heartbeatMs: number;
  /** start a run this long after the last one started; null: never on its own */
  intervalMs: number | null;
  /** at most one progress message per this many ms */
  progressEveryMs: number;
  /** how often an idle server looks for a run to resume or a scheduled one to start */
  watchMs: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  pageSize: 500,
  lockTtlMs: 30_000,
  heartbeatMs: 5_000,
  intervalMs: null,
  progressEveryMs: 250,
  watchMs: 10_000,
};

/** user_id[] accepts at most 100 values (CLERK.md §6) */
const ID_BATCH = 100;
/** last ids of a page kept as fallback cursors, in case Clerk deletes the cursor user between pages */
const ANCHORS = 20;

type PageResult = { users: ClerkUserJson[]; last: ClerkUserJson | undefined; full: boolean; anchors: string[] };

/**
 * What the next page's window must not ask about again: the page's last ANCHORS ids, and every user sharing
 * the last created_at (the next window starts at that instant, inclusive).
 */
function anchorsOf(page: ClerkUserJson[]): string[] {
  const last = page.at(-1);
  if (!last) return [];
  const tied = page.filter((u) => u.created_at === last.created_at).map((u) => u.id);
  return [...new Set([...page.slice(-ANCHORS).map((u) => u.id), ...tied])];
}

type StopReason = 'pause' | 'cancel' | 'cancelled_elsewhere' | 'lock_lost';

interface Job {
  runId: number;
  stop: StopReason | null;
  done: Promise<void>;
  /** pace since this server took the run: checked count and time at that point */
  since: { at: number; checked: number };
}

export function createReconcileService(deps: {
  repo: ReconcileRepository;
  /** already behind the reconcile's rate budget */
  clerk: ClerkClient;
  resync: Pick<ResyncService, 'applyClerkState'>;
  audit: AuditRecorder;
  publisher: Publisher;
  logger: Logger;
  settings?: Partial<ReconcileSettings>;
  instanceId?: string;
  clock?: () => Date;
}) {
  const { repo, clerk, logger } = deps;
  const settings: ReconcileSettings = { ...DEFAULT_RECONCILE_SETTINGS, ...deps.settings };
  const clock = deps.clock ?? (() => new Date());
  const instance = deps.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  let job: Job | null = null;
  // Starting (by an operator) and watching (resume, schedule) take turns: an operator's start must not be
  // refused because the watch happens to be looking at the database.
  let gate: Promise<unknown> = Promise.resolve();
  let starting = false;
  function inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const turn = gate.then(async () => {
      starting = true;
      try {
        return await fn();
      } finally {
        starting = false;
      }
    });
    gate = turn.catch(() => undefined);
    return turn;
  }
  let stopped = false;
  let watchTimer: NodeJS.Timeout | null = null;
  /** runs being fixed here (a double click must not apply, and count, the same findings twice) */
  const fixing = new Set<number>();

  // ---- progress, throttled ----
  let lastEmit = 0;
  let pendingRow: RunRow | null = null;
  let emitTimer: NodeJS.Timeout | null = null;
  function progress(row: RunRow) {
    pendingRow = row;
    if (emitTimer) return;
    const wait = lastEmit + settings.progressEveryMs - Date.now();
    if (wait <= 0) void emitProgress();
    else emitTimer = setTimeout(() => void emitProgress(), wait);
  }
  async function emitProgress() {
    emitTimer = null;
    const row = pendingRow;
    pendingRow = null;
    if (!row) return;
    lastEmit = Date.now();
    try {
      deps.publisher.reconcileProgress(await toDto(row));
    } catch (err) {
      logger.warn({ err }, 'reconcile progress not published');
    }
  }
  function dropPendingProgress() {
    if (emitTimer) clearTimeout(emitTimer);
    emitTimer = null;
    pendingRow = null;
  }

  async function toDto(row: RunRow, unfixed?: number): Promise<ReconcileRunDto> {
    const left = unfixed ?? (await repo.unfixedCounts([row.id])).get(row.id) ?? 0;
    const total = row.totalEstimate;
    const running = row.status === 'running';
    let etaSeconds: number | null = null;
    if (running && total !== null && row.checked > 0) {
      // the pace this server observed, else the whole run's
      const pace = job?.runId === row.id && row.checked > job.since.checked
        ? (Date.now() - job.since.at) / (row.checked - job.since.checked)
        : (clock().getTime() - row.startedAt.getTime()) / row.checked;
      etaSeconds = Math.max(0, Math.round((Math.max(0, total - row.checked) * pace) / 1000));
    }
    return {
      id: row.id,
      status: row.status as ReconcileStatus,
      startedBy: row.startedBy,
      startedAt: row.startedAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      pages: row.pages,
      checked: row.checked,
      totalEstimate: total,
      found: { missing: row.missing, stale: row.stale, deleted: row.deleted },
      inSync: row.inSync,
      unfixed: left,
      progress: row.status === 'completed' ? 1 : total ? Math.min(1, row.checked / total) : null,
      etaSeconds,
      error: row.error,
    };
  }

  const conflict = (runId: number | undefined) =>
    new AppError('reconcile_running', 409, `A reconcile is already running${runId ? ` (run ${runId})` : ''}; wait for it or cancel it`, {
      details: { runId: runId ?? null },
    });

  // ---- paging through Clerk ----
  const isClientError = (err: unknown) => err instanceof ClerkApiError && err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 429;
  const list = (after: string | null) =>
    clerk.listUsers({ limit: settings.pageSize, orderBy: '+created_at', ...(after ? { startingAfter: after } : {}) });

  /** The next page after `cursor`, the page's last user (where to continue) and whether it was full. */
  async function nextPage(cursor: string | null, anchors: string[]): Promise<PageResult> {
    let users: ClerkUserJson[];
    try {
      users = await list(cursor);
    } catch (err) {
      if (!cursor || !isClientError(err)) throw err;
      users = [];
    }
    if (users.length > 0 || !cursor) return { users, last: users.at(-1), full: users.length === settings.pageSize, anchors: anchorsOf(users) };
    // Empty after a cursor: the end — unless Clerk deleted the cursor user meanwhile, leaving starting_after
    // nothing to start after. Then continue from an earlier user of that page, skipping what was done.
    if (await clerk.getUser(cursor)) return { users: [], last: undefined, full: false, anchors: [] };
    for (const anchor of [...anchors].reverse()) {
      if (anchor === cursor) continue;
      const page = await list(anchor).catch((err: unknown) => {
        if (isClientError(err)) return [] as ClerkUserJson[];
        throw err;
      });
      if (page.length > 0) {
        const done = new Set(anchors);
        return { users: page.filter((u) => !done.has(u.id)), last: page.at(-1), full: page.length === settings.pageSize, anchors: anchorsOf(page) };
      }
    }
    return { users: [], last: undefined, full: false, anchors: [] };
  }

  const parse = (data: string | null) => (data ? (JSON.parse(data) as Record<string, unknown>) : null);
  const labelOf = (u: ClerkUserJson): string | null =>
    u.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ??
    u.email_addresses[0]?.email_address ??
    ([u.first_name, u.last_name].filter(Boolean).join(' ') || u.username || null);

  /**
   * Classifies one page, and finds the local users alive here that Clerk no longer has: those whose
   * created_at falls in this page's stretch of the list [from, to] but that the page did not return are
   * asked about with user_id[] (≤ 100 per request); absent from the answer = deleted in Clerk.
   */
  async function classify(users: ClerkUserJson[], w: { from: Date | null; to: Date | null; exclude: string[] }, at: Date): Promise<PageCommit> {
    const ids = users.map((u) => u.id);
    const locals = new Map((ids.length ? await repo.localUsers(ids) : []).map((l) => [l.id, l]));
    const findings: NewFinding[] = [];
    const driftedIds: string[] = [];
    const inSyncIds: string[] = [];
    let inSync = 0;
    for (const u of users) {
      const local = locals.get(u.id);
      if (!local) {
        findings.push({ userId: u.id, class: 'missing', diff: [], label: labelOf(u) });
        continue;
      }
      if (local.deleted) {
        const diff: FieldDiff[] = [{ path: 'deleted', kind: 'changed', local: true, clerk: false }];
        findings.push({ userId: u.id, class: 'stale', diff, label: labelOf(u) });
        continue;
      }
      // A webhook wrote a newer version than this page shows: not drift (resync would not step back either).
      if (local.clerkUpdatedAt && local.clerkUpdatedAt.getTime() > u.updated_at) {
        inSync++;
        continue;
      }
      const diff = diffUsers(parse(local.data), u as unknown as Record<string, unknown>);
      if (diff.length === 0) {
        inSync++;
        inSyncIds.push(u.id);
      } else {
        findings.push({ userId: u.id, class: 'stale', diff, label: labelOf(u) });
        driftedIds.push(u.id);
      }
    }

    const exclude = [...ids, ...w.exclude];
    let afterId: string | null = null;
    for (;;) {
      const batch = await repo.aliveInWindow({ from: w.from, to: w.to, exclude, afterId, take: ID_BATCH });
      if (batch.length === 0) break;
      const present = new Set((await clerk.listUsers({ userIds: batch.map((b) => b.id), limit: ID_BATCH })).map((u) => u.id));
      for (const b of batch) {
        if (present.has(b.id)) continue;
        findings.push({ userId: b.id, class: 'deleted', diff: [], label: b.primaryEmail });
        driftedIds.push(b.id);
      }
      if (batch.length < ID_BATCH) break;
      afterId = batch[batch.length - 1]!.id;
    }
    return { checked: users.length, inSync, findings, driftedIds, inSyncIds, cursor: null, instance, at };
  }

  // ---- the job ----
  async function runJob(initial: RunRow, self: Job): Promise<void> {
    let run = initial;
    let status: Exclude<ReconcileStatus, 'running'> | null = null;
    let error: string | null = null;
    const heartbeat = setInterval(() => {
      const at = clock();
      void Promise.all([repo.heartbeatLock(instance, at), repo.heartbeatRun(run.id, instance, at)])
        .then(([lock, alive]) => {
          if (!alive) self.stop ??= 'cancelled_elsewhere';
          else if (!lock) self.stop ??= 'lock_lost';
        })
        .catch((err: unknown) => logger.warn({ err }, 'reconcile heartbeat failed'));
    }, settings.heartbeatMs);
    heartbeat.unref();
    try {
      if (run.totalEstimate === null) run = await repo.setTotalEstimate(run.id, await clerk.countUsers());
      let from = run.cursorCreatedAt;
      let anchors = JSON.parse(run.anchors) as string[];
      progress(run);
      // The next page is fetched while this one is classified and committed, so the rate budget, not the
      // local work, sets the pace.
      let pending: Promise<PageResult> | null = self.stop ? null : nextPage(run.cursor, anchors);
      try {
        while (pending) {
          const page = await pending;
          pending = null;
          if (self.stop) break; // not committed: fetched again on resume
          if (page.full && page.last) pending = nextPage(page.last.id, page.anchors);
          // half-open windows [from, to): a user created at `to` belongs to the next window
          const to = pending && page.last ? new Date(page.last.created_at) : null;
          const commit = await classify(page.users, { from, to, exclude: anchors }, clock());
          if (page.last) commit.cursor = { id: page.last.id, createdAt: new Date(page.last.created_at), anchors: page.anchors };
          run = await repo.commitPage(run.id, commit);
          if (commit.cursor) {
            from = commit.cursor.createdAt;
            anchors = commit.cursor.anchors;
          }
          progress(run);
          if (self.stop) break;
        }
      } finally {
        // a page fetched ahead and not used: let it settle quietly (resume fetches it again)
        await (pending as Promise<PageResult> | null)?.catch(() => undefined);
      }
      if (!self.stop) status = 'completed';
      else if (self.stop === 'cancel') status = 'cancelled';
      // pause (shutdown) and a lost lock leave the run `running`: whoever holds the lock next resumes it
    } catch (err) {
      status = 'failed';
      error = err instanceof Error ? err.message : String(err);
      logger.error({ err, runId: run.id }, 'reconcile failed');
    } finally {
      clearInterval(heartbeat);
    }
    if (status) await repo.finishRun(run.id, status, clock(), error);
    if (self.stop !== 'lock_lost') await repo.releaseLock(instance);
    dropPendingProgress();
    const final = await repo.getRun(run.id);
    if (final) {
      const dto = await toDto(final);
      logger.info({ runId: run.id, status: dto.status, checked: dto.checked, found: dto.found, stop: self.stop }, 'reconcile stopped');
      deps.publisher.reconcileFinished(dto);
    }
  }

  function launch(run: RunRow) {
    const self: Job = { runId: run.id, stop: null, done: Promise.resolve(), since: { at: Date.now(), checked: run.checked } };
    job = self;
    self.done = runJob(run, self)
      .catch((err: unknown) => logger.error({ err, runId: run.id }, 'reconcile job crashed'))
      .finally(() => {
        if (job === self) job = null;
      });
  }

  /** Takes the lock and starts a new run, or resumes an orphaned one; null when another instance holds it. */
  async function takeOver(actor: string, opts: { create: boolean }): Promise<{ run: RunRow; resumed: boolean } | null> {
    const now = clock();
    if (!(await repo.acquireLock(instance, null, now, settings.lockTtlMs))) return null;
    try {
      const orphan = await repo.findRunning();
      if (!orphan && !opts.create) {
        await repo.releaseLock(instance);
        return null;
      }
      const run = orphan ? await repo.claimRun(orphan.id, instance, now) : await repo.createRun({ startedBy: actor, instance, at: now });
      await repo.setLockRun(instance, run.id);
      return { run, resumed: Boolean(orphan) };
    } catch (err) {
      await repo.releaseLock(instance);
      throw err;
    }
  }

  async function watch() {
    if (stopped || job || starting) return;
    await inTurn(() => watchTurn());
  }

  async function watchTurn() {
    if (stopped || job) return;
    try {
      const running = await repo.findRunning();
      if (running) {
        const took = await takeOver('schedule', { create: false });
        if (took && !stopped) {
          logger.info({ runId: took.run.id, cursor: took.run.cursor }, 'resuming reconcile');
          launch(took.run);
        } else if (took) await repo.releaseLock(instance);
        return;
      }
      if (settings.intervalMs === null) return;
      const last = await repo.latestRun();
      if (last && clock().getTime() - last.startedAt.getTime() < settings.intervalMs) return;
      const took = await takeOver('schedule', { create: true });
      if (!took) return;
      if (stopped) return void (await repo.releaseLock(instance));
      await deps.audit.record('schedule', 'reconcile_start', took.run.id, { resumed: took.resumed, intervalMs: settings.intervalMs });
      launch(took.run);
    } catch (err) {
      logger.warn({ err }, 'reconcile watch failed');
    }
  }

  async function fixRun(id: number, userIds: string[] | undefined, actor: string): Promise<ReconcileFixResult> {
    const results: Record<ResyncResult['result'], number> = { created: 0, updated: 0, unchanged: 0, tombstoned: 0 };
    let afterId = 0;
    for (;;) {
      const batch = await repo.unfixedBatch(id, userIds ?? null, afterId, ID_BATCH);
      if (batch.length === 0) break;
      const current = new Map((await clerk.listUsers({ userIds: batch.map((f) => f.userId), limit: ID_BATCH })).map((u) => [u.id, u]));
      const byResult = new Map<ResyncResult['result'], number[]>();
      for (const f of batch) {
        let result: ResyncResult['result'];
        try {
          result = (await deps.resync.applyClerkState(f.userId, current.get(f.userId) ?? null, { source: 'reconcile' })).result;
        } catch (err) {
          // gone from Clerk before we ever held it: nothing to write
          if (!(err instanceof AppError && err.code === 'not_found')) throw err;
          result = 'unchanged';
        }
        results[result]++;
        byResult.set(result, [...(byResult.get(result) ?? []), f.id]);
      }
      await repo.markFixed(byResult, clock());
      for (const row of await repo.userSummaries(batch.map((f) => f.userId))) deps.publisher.userChanged(toUserSummary(row));
      afterId = batch[batch.length - 1]!.id;
      if (batch.length < ID_BATCH) break;
    }
    const fixed = Object.values(results).reduce((a, b) => a + b, 0);
    const run = await requireRun(id);
    const dto = await toDto(run);
    await deps.audit.record(actor, 'reconcile_fix', id, { runId: id, requested: userIds ?? 'all', fixed, results });
    deps.publisher.reconcileProgress(dto);
    return { runId: id, fixed, results, unfixed: dto.unfixed };
  }

  async function requireRun(id: number): Promise<RunRow> {
    const run = await repo.getRun(id);
    if (!run) throw notFound(`Reconcile run ${id}`);
    return run;
  }

  return {
    instanceId: instance,

    /** Starts a run in the background (or resumes an orphaned one); 409 while one is running anywhere. */
    async start(actor: string): Promise<ReconcileRunDto> {
      if (stopped) throw new AppError('shutting_down', 503, 'The server is shutting down');
      return inTurn(async () => {
        if (stopped) throw new AppError('shutting_down', 503, 'The server is shutting down');
        if (job) throw conflict(job.runId);
        const took = await takeOver(actor, { create: true });
        if (!took) throw conflict((await repo.findRunning())?.id);
        await deps.audit.record(actor, 'reconcile_start', took.run.id, took.resumed ? { resumed: true } : {});
        launch(took.run);
        return toDto(took.run, 0);
      });
    },

    async cancel(id: number): Promise<ReconcileRunDto> {
      const run = await requireRun(id);
      if (run.status !== 'running') throw new AppError('reconcile_not_running', 409, `Reconcile run ${id} is ${run.status}, not running`);
      if (job?.runId === id) {
        job.stop = 'cancel';
        await job.done;
      } else {
        // held by another instance (its heartbeat notices), or orphaned
        await repo.finishRun(id, 'cancelled', clock(), null);
      }
      return toDto(await requireRun(id));
    },

    async getRun(id: number): Promise<ReconcileRunDto> {
      return toDto(await requireRun(id));
    },

    async listRuns(cursor: number | null, limit: number): Promise<Page<ReconcileRunDto>> {
      const { rows, nextCursor } = await repo.listRuns(cursor, limit);
      const unfixed = await repo.unfixedCounts(rows.map((r) => r.id));
      const items = await Promise.all(rows.map((r) => toDto(r, unfixed.get(r.id) ?? 0)));
      return { items, nextCursor: nextCursor === null ? null : encodeCursor([nextCursor]) };
    },

    async findings(id: number, filter: { class?: DriftClass; unfixed?: boolean }, cursor: number | null, limit: number): Promise<Page<ReconcileFindingDto>> {
      await requireRun(id);
      return repo.listFindings(id, filter, cursor, limit);
    },

    driftHistory(limit = 100): Promise<DriftPoint[]> {
      return repo.driftHistory(limit);
    },

    /**
     * Resyncs the run's unfixed findings (all, or those of `userIds`) with the single-resync rules, fetching
     * Clerk's current state 100 users per request; users Clerk no longer has are tombstoned.
     */
    async fix(id: number, userIds: string[] | undefined, actor: string): Promise<ReconcileFixResult> {
      await requireRun(id);
      if (fixing.has(id)) throw new AppError('fix_running', 409, `Run ${id} is being fixed already; wait for it to finish`);
      fixing.add(id);
      try {
        return await fixRun(id, userIds, actor);
      } finally {
        fixing.delete(id);
      }
    },

    /** Resumes an orphaned run and runs the schedule, from now on. */
    startBackground() {
      if (watchTimer || stopped) return;
      watchTimer = setInterval(() => void watch(), settings.watchMs);
      watchTimer.unref();
      void watch();
    },

    /** Pauses a running job (it stays `running` and resumes on the next start) and stops the watch. */
    async stop(): Promise<void> {
      stopped = true;
      if (watchTimer) clearInterval(watchTimer);
      watchTimer = null;
      await gate;
      const current = job;
      if (current) {
        current.stop ??= 'pause';
        await current.done;
      }
      dropPendingProgress();
    },

    /** Resolves when no job runs here (tests). */
    async idle(): Promise<void> {
      do {
        await gate;
        await job?.done;
      } while (job || starting);
    },
  };
}

export type ReconcileService = ReturnType<typeof createReconcileService>;
