// Reconcile: page through Clerk's users (GET /v1/users, +created_at; pager.ts keeps several pages in flight)
// and classify each against the local copy — missing (backfill), stale (fields differ), deleted (alive here,
// gone in Clerk) — then fix findings in bulk with the single-resync rules. Runs in the background of one
// server at a time (a single-row lock with a heartbeat), commits page by page so a restart resumes at the
// cursor, and spends only its share of Clerk's rate limit (the clients it gets are wrapped by rate-budget.ts).
// Memory stays flat: the pages requested ahead, and ≤ 1,000 local rows at a time. See docs/decisions/006-reconcile.md.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DriftClass, DriftPoint, FieldDiff, Page, ReconcileFindingDto, ReconcileFixResult, ReconcileRunDto, ReconcileStatus, ResyncResult } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { ResyncService } from '../resync/resync.service.ts';
import type { NewFinding, PageCommit, ReconcileRepository, RunRow } from './reconcile.repository.ts';
import type { LocalUser, PageStore } from './page-store.ts';
import { createUserPager, type UserPage } from './pager.ts';
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
  /** page requests issued ahead of the page being classified (hides Clerk's latency; each held page is ~1 MB of JSON) */
  pagesAhead: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  pageSize: 500,
  lockTtlMs: 30_000,
  heartbeatMs: 5_000,
  intervalMs: null,
  progressEveryMs: 250,
  watchMs: 10_000,
  pagesAhead: 8,
};

/** user_id[] accepts at most 100 values (CLERK.md §6) */
const ID_BATCH = 100;
/** user_id[] requests a page keeps open at once (candidates are unbounded after a mass deletion; memory is not) */
const ASKS_AT_ONCE = 8;
/** local rows read per query of a page's window (a page's worth, and room for users Clerk no longer lists) */
const WINDOW_BATCH = 1000;
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
  /** the same behind the same budget, for requests made ahead of need (queued behind `clerk`'s); default `clerk` */
  clerkAhead?: ClerkClient;
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

  const parse = (data: string | null) => (data ? (JSON.parse(data) as Record<string, unknown>) : null);
  const labelOf = (u: ClerkUserJson): string | null =>
    u.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ??
    u.email_addresses[0]?.email_address ??
    ([u.first_name, u.last_name].filter(Boolean).join(' ') || u.username || null);

  /**
   * Classifies one page, and finds the local users alive here that Clerk no longer has: those whose
   * created_at falls in this page's stretch of the list [from, to) but that the page did not return are
   * asked about with user_id[] (≤ 100 per request); absent from the answer = deleted in Clerk. One read of
   * the window [from, to] gives both the page's users as held here and those candidates.
   */
  async function classify(
    store: PageStore,
    users: ClerkUserJson[],
    w: { from: Date | null; to: Date | null; exclude: string[] },
    at: Date,
  ): Promise<{ commit: PageCommit; inSyncIds: string[] }> {
    const page = new Map(users.map((u) => [u.id, u]));
    const skip = new Set(w.exclude);
    const findings: NewFinding[] = [];
    const driftedIds: string[] = [];
    const inSyncIds: string[] = [];
    const locals = new Map<string, LocalUser>();
    // Candidates are asked about ID_BATCH at a time, a few requests open at once so their latency overlaps
    // (the budget still spaces them); answers are used in the order asked.
    const asked: Promise<NewFinding[]>[] = [];
    const ask = async (batch: { id: string; primaryEmail: string | null }[]) => {
      if (asked.length >= ASKS_AT_ONCE) await asked[asked.length - ASKS_AT_ONCE];
      const answer = clerk.listUsers({ userIds: batch.map((b) => b.id), limit: ID_BATCH }).then((found) => {
        const present = new Set(found.map((u) => u.id));
        return batch.filter((b) => !present.has(b.id)).map((b): NewFinding => ({ userId: b.id, class: 'deleted', diff: [], label: b.primaryEmail }));
      });
      answer.catch(() => undefined); // rethrown below, where they are all awaited
      asked.push(answer);
    };
    let candidates: { id: string; primaryEmail: string | null }[] = [];
    const take = async (rows: LocalUser[]) => {
      for (const r of rows) {
        if (page.has(r.id)) locals.set(r.id, r);
        // the window is half-open for this question: a user created at `to` belongs to the next one
        else if (!r.deleted && !skip.has(r.id) && !(w.to && r.clerkCreatedAt && r.clerkCreatedAt.getTime() >= w.to.getTime())) {
          candidates.push({ id: r.id, primaryEmail: r.primaryEmail });
          if (candidates.length === ID_BATCH) {
            await ask(candidates);
            candidates = [];
          }
        }
      }
      return rows.length === WINDOW_BATCH ? rows.at(-1) : undefined;
    };
    let after: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const last = await take(await store.usersInWindow({ from: w.from, to: w.to, after, take: WINDOW_BATCH }));
      if (!last) break;
      after = { createdAt: last.clerkCreatedAt!, id: last.id };
    }
    // the last window is open: it also holds the users kept here without a created_at
    for (let afterId: string | null = null; w.to === null; ) {
      const last = await take(await store.usersWithoutCreatedAt(afterId, WINDOW_BATCH));
      if (!last) break;
      afterId = last.id;
    }
    if (candidates.length) await ask(candidates);
    const gone = (await Promise.all(asked)).flat();
    for (const g of gone) driftedIds.push(g.userId);
    // page users the window did not hold: not here at all, or held with another created_at
    const rest = users.filter((u) => !locals.has(u.id)).map((u) => u.id);
    if (rest.length) for (const r of await store.localUsers(rest)) locals.set(r.id, r);

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
      // The same bytes are the same user: only a copy that differs is parsed and diffed (most of a page is
      // neither stale nor touched since its copy was written, and parse + diff cost 4× the comparison).
      const diff = local.data === JSON.stringify(u) ? [] : diffUsers(parse(local.data), u as unknown as Record<string, unknown>);
      if (diff.length === 0) {
        inSync++;
        inSyncIds.push(u.id);
      } else {
        findings.push({ userId: u.id, class: 'stale', diff, label: labelOf(u) });
        driftedIds.push(u.id);
      }
    }
    findings.push(...gone);
    return { commit: { checked: users.length, inSync, findings, driftedIds, cursor: null, instance, at }, inSyncIds };
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
    // opened first: its worker threads start while Clerk counts
    const store = repo.openPageStore();
    try {
      if (run.totalEstimate === null) run = await repo.setTotalEstimate(run.id, await clerk.countUsers());
      let from = run.cursorCreatedAt;
      let anchors = JSON.parse(run.anchors) as string[];
      progress(run);
      // Pages are requested ahead (several in flight, the budget spacing their starts) while this one is
      // classified and committed, so the rate budget, not Clerk's latency or the local work, sets the pace.
      const pager = createUserPager(
        { ahead: deps.clerkAhead ?? clerk, now: clerk },
        {
          pageSize: settings.pageSize,
          ahead: settings.pagesAhead,
          cursor: run.cursor,
          anchors,
          position: Math.max(0, run.checked - 1),
          total: run.totalEstimate ?? 0,
        },
      );
      // A page classified, its in-sync marks being written, and not committed yet: it is committed once the
      // next page is classified, so the marks' writing overlaps that (page-store.ts).
      let held: { commit: PageCommit; marked: Promise<void> } | null = null;
      const commitHeld = async () => {
        if (!held) return;
        const { commit, marked } = held;
        held = null;
        await marked;
        run = await repo.commitPage(run.id, commit);
        progress(run);
      };
      let pending: Promise<UserPage> | null = self.stop ? null : pager.next();
      try {
        while (pending) {
          const page = await pending;
          pending = null;
          if (self.stop) break; // not committed: fetched again on resume
          if (page.full && page.last) pending = pager.next();
          // half-open windows [from, to): a user created at `to` belongs to the next window
          const to = pending && page.last ? new Date(page.last.created_at) : null;
          const { commit, inSyncIds } = await classify(store, page.users, { from, to, exclude: anchors }, clock());
          if (page.last) {
            commit.cursor = { id: page.last.id, createdAt: new Date(page.last.created_at), anchors: page.anchors };
            from = commit.cursor.createdAt;
            anchors = commit.cursor.anchors;
          }
          await commitHeld();
          held = { commit, marked: store.markInSync(inSyncIds, commit.at) };
          // a page's marks that fail must not leave the page "committed" without them: commitHeld rethrows
          held.marked.catch(() => undefined);
          if (self.stop) break;
        }
        // the last page classified — unless this server no longer owns the run
        if (self.stop !== 'lock_lost' && self.stop !== 'cancelled_elsewhere') await commitHeld();
      } finally {
        // pages requested ahead and not used: let them settle quietly (resume asks again)
        pager.close();
        await (pending as Promise<UserPage> | null)?.catch(() => undefined);
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
      await store.close();
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
