// Bulk replay as a background job, the way a reconcile runs (reconcile/job.ts): POST starts it, it walks its
// selection page by page (bulk-replay.ts) replaying one delivery at a time, pushes its figures live (throttled),
// saves them at each page, and can be cancelled between two replays. One runs at a time across instances (the
// table's running key); a job whose server went quiet is ended as interrupted by whoever looks next. At every
// moment its figures add up: matched = replayed + skipped + notRun + remaining.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { BulkReplayJobDto, ReplayJobStatus, ReplayResult } from '../contract.ts';
import { REPLAY_JOB_FAILURES_KEPT } from '../contract.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { Logger } from '../lib/logger.ts';
import { AppError, notFound } from '../lib/errors.ts';
import { throttleLatest } from '../lib/throttle.ts';
import type { DeliveryRow } from './deliveries.repository.ts';
import type { ReplayJobFigures, ReplayJobRow, ReplayJobsRepository } from './replay-jobs.repository.ts';
import { emptySkips, type BulkReplay, type ReplayScope, type Selection } from './bulk-replay.ts';

export interface ReplayJobSettings {
  /** at most one progress message per this many ms */
  progressEveryMs: number;
  /** how often a running job says it is alive, and looks for a cancel asked on another server */
  heartbeatMs: number;
  /** a running job not heard of for this long is taken for dead (its server stopped): ended as interrupted */
  staleAfterMs: number;
}

export const DEFAULT_REPLAY_JOB_SETTINGS: ReplayJobSettings = {
  progressEveryMs: 250,
  heartbeatMs: 5_000,
  staleAfterMs: 30_000,
};

/** cancel: an operator asked; shutdown: this server is stopping; lost: another server ended it (it went quiet) */
type StopReason = 'cancel' | 'shutdown' | 'lost';

interface RunningJob {
  row: ReplayJobRow;
  figures: ReplayJobFigures;
  stop: StopReason | null;
  cancelledBy: string | null;
  done: Promise<void>;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function parseFigures(row: ReplayJobRow): ReplayJobFigures {
  return {
    cursor: row.cursor,
    replayed: row.replayed,
    skippedBy: { ...emptySkips(), ...(JSON.parse(row.skippedBy) as Partial<ReplayJobFigures['skippedBy']>) },
    outcomes: JSON.parse(row.outcomes) as ReplayJobFigures['outcomes'],
    failures: JSON.parse(row.failures) as ReplayResult[],
  };
}

/** A job as the API shows it: the row, or while it runs here, the figures it holds in memory (fresher). */
function toDto(row: ReplayJobRow, live: RunningJob | null): BulkReplayJobDto {
  const running = row.status === 'running';
  const mine = running && live?.row.id === row.id ? live : null;
  const f = mine ? mine.figures : parseFigures(row);
  const skipped = sum(f.skippedBy);
  const looked = f.replayed + skipped;
  return {
    id: row.id,
    status: row.status as ReplayJobStatus,
    startedBy: row.startedBy,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    request: JSON.parse(row.request) as ReplayScope,
    matched: row.matched,
    replayed: f.replayed,
    skipped,
    skippedBy: { ...f.skippedBy },
    notRun: running ? 0 : row.notRun,
    remaining: running ? Math.max(0, row.matched - looked) : 0,
    progress: row.matched === 0 ? 1 : Math.min(1, looked / row.matched),
    outcomes: { ...f.outcomes },
    failures: [...f.failures],
    cancelledBy: mine?.cancelledBy ?? row.cancelledBy,
    error: row.error,
  };
}

const conflict = (job: BulkReplayJobDto | null) =>
  new AppError(
    'replay_running',
    409,
    job
      ? `A bulk replay is already running (job ${job.id}, started by ${job.startedBy}); wait for it or cancel it`
      : 'A bulk replay is already running; wait for it or cancel it',
    { details: { job } },
  );

export function createReplayJobs(deps: {
  repo: ReplayJobsRepository;
  bulk: Pick<BulkReplay, 'select' | 'page' | 'classify'>;
  /** replays one delivery through the webhook pipeline, as `actor` */
  replay: (row: DeliveryRow, actor: string) => Promise<ReplayResult>;
  audit: AuditRecorder;
  publisher: Publisher;
  logger: Logger;
  settings?: Partial<ReplayJobSettings>;
  instanceId?: string;
  clock?: () => Date;
}) {
  const { repo, bulk, audit, publisher, logger } = deps;
  const settings: ReplayJobSettings = { ...DEFAULT_REPLAY_JOB_SETTINGS, ...deps.settings };
  const clock = deps.clock ?? (() => new Date());
  const instance = deps.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let current: RunningJob | null = null;
  let stopped = false;

  const progress = throttleLatest<RunningJob>(settings.progressEveryMs, (job) => {
    try {
      publisher.replayProgress(toDto(job.row, job));
    } catch (err) {
      logger.warn({ err, jobId: job.row.id }, 'bulk replay progress not published');
    }
  });

  /** Ends a job's row with its figures (notRun: what it never reached), audits and announces the end. */
  async function end(
    row: ReplayJobRow,
    status: Exclude<ReplayJobStatus, 'running'>,
    figures: ReplayJobFigures,
    error: string | null,
    cancelledBy?: string | null,
  ): Promise<BulkReplayJobDto> {
    const notRun = Math.max(0, row.matched - figures.replayed - sum(figures.skippedBy));
    const ended = await repo.finish(row.id, {
      status,
      figures,
      notRun,
      error,
      at: clock(),
      ...(cancelledBy !== undefined ? { cancelledBy } : {}),
    });
    const dto = toDto(ended, null);
    await audit.record(ended.startedBy, 'replay_bulk', ended.id, {
      status,
      ...dto.request,
      matched: dto.matched,
      replayed: dto.replayed,
      skipped: dto.skipped,
      skippedBy: dto.skippedBy,
      notRun: dto.notRun,
      outcomes: dto.outcomes,
      ...(dto.cancelledBy ? { cancelledBy: dto.cancelledBy } : {}),
      ...(error ? { error } : {}),
    });
    logger.info(
      { jobId: dto.id, status, matched: dto.matched, replayed: dto.replayed, skipped: dto.skipped, notRun },
      'bulk replay ended',
    );
    publisher.replayFinished(dto);
    return dto;
  }

  const isStale = (row: ReplayJobRow) =>
    clock().getTime() - (row.heartbeatAt ?? row.startedAt).getTime() >= settings.staleAfterMs;

  /** A running job no server has spoken for within staleAfterMs (not this one's): ended as interrupted. */
  async function reapStale(): Promise<void> {
    const row = await repo.running();
    if (!row || current?.row.id === row.id || !isStale(row)) return;
    const heard = (row.heartbeatAt ?? row.startedAt).toISOString();
    logger.warn({ jobId: row.id, lockedBy: row.lockedBy, heard }, 'bulk replay went quiet: interrupted');
    await end(
      row,
      'interrupted',
      parseFigures(row),
      `Its server stopped answering (last heard ${heard}). Start a bulk replay again for the rest: what was replayed is skipped as already applied.`,
    );
  }

  /** What the row says of the job: ended elsewhere, or an operator on another server asked to cancel. */
  function notice(job: RunningJob, row: ReplayJobRow | null) {
    if (!row || row.status !== 'running') job.stop ??= 'lost';
    else if (row.cancelledBy) {
      job.cancelledBy ??= row.cancelledBy;
      job.stop ??= 'cancel';
    }
  }

  async function replayOne(job: RunningJob, row: DeliveryRow, actor: string): Promise<void> {
    const f = job.figures;
    try {
      const r = await deps.replay(row, actor);
      f.replayed++;
      f.outcomes[r.outcome] = (f.outcomes[r.outcome] ?? 0) + 1;
      if (r.outcome === 'failed' && f.failures.length < REPLAY_JOB_FAILURES_KEPT) f.failures.push(r);
    } catch (err) {
      // its payload was erased (retention, a privacy purge) since its page was read
      if (err instanceof AppError && err.code === 'not_replayable') f.skippedBy.payload_unavailable++;
      else throw err;
    }
  }

  async function run(job: RunningJob, sel: Selection): Promise<void> {
    const { id, startedBy } = job.row;
    const heartbeat = setInterval(() => {
      repo
        .heartbeat(id, instance, clock())
        .then((row) => notice(job, row))
        .catch((err: unknown) => logger.warn({ err, jobId: id }, 'bulk replay heartbeat failed'));
    }, settings.heartbeatMs);
    heartbeat.unref();
    let status: Exclude<ReplayJobStatus, 'running'>;
    let error: string | null = null;
    try {
      // one attempt per message across pages: the messages taken so far
      const seen = new Set<string>();
      let after = 0;
      while (!job.stop) {
        const page = await bulk.page(sel, after);
        if (!page) break;
        for (const { row, reason } of await bulk.classify(page.rows, seen)) {
          if (job.stop) break;
          if (reason) job.figures.skippedBy[reason]++;
          else await replayOne(job, row, startedBy);
          job.figures.cursor = row.id;
          progress.report(job);
        }
        if (job.stop) break;
        after = page.lastId;
        job.figures.cursor = after;
        notice(job, await repo.saveProgress(id, job.figures, instance, clock()));
      }
      status = job.stop === 'cancel' ? 'cancelled' : job.stop ? 'interrupted' : 'completed';
      if (job.stop === 'shutdown') error = 'The server shut down. Start a bulk replay again for the rest.';
    } catch (err) {
      status = 'failed';
      error = err instanceof Error ? err.message : String(err);
      logger.error({ err, jobId: id }, 'bulk replay failed');
    } finally {
      clearInterval(heartbeat);
      progress.drop();
    }
    try {
      await end(job.row, status, job.figures, error, job.cancelledBy);
    } catch (err) {
      // the row stays running until its heartbeat is stale, then whoever looks ends it as interrupted
      logger.error({ err, jobId: id }, 'bulk replay could not record its end');
    }
  }

  function launch(row: ReplayJobRow, sel: Selection): void {
    const job: RunningJob = {
      row,
      figures: parseFigures(row),
      stop: null,
      cancelledBy: null,
      done: Promise.resolve(),
    };
    current = job;
    job.done = run(job, sel)
      .catch((err: unknown) => logger.error({ err, jobId: row.id }, 'bulk replay crashed'))
      .finally(() => {
        if (current === job) current = null;
      });
  }

  async function requireJob(id: number): Promise<ReplayJobRow> {
    const row = await repo.get(id);
    if (!row) throw notFound(`Bulk replay job ${id}`);
    return row;
  }

  return {
    instanceId: instance,

    /** Starts a job over `scope` as the operator confirmed it after a dry run; 409 while one runs anywhere. */
    async start(scope: ReplayScope, actor: string): Promise<BulkReplayJobDto> {
      if (stopped) throw new AppError('shutting_down', 503, 'The server is shutting down');
      await reapStale();
      const running = await repo.running();
      if (running) throw conflict(toDto(running, current));
      const sel = await bulk.select(scope);
      const row = await repo.create({
        startedBy: actor,
        request: JSON.stringify({ filter: scope.filter, outstandingOnly: scope.outstandingOnly }),
        maxDeliveryId: sel.maxId,
        matched: sel.matched,
        instance,
        at: clock(),
      });
      if (!row) {
        // another start won the race (here or on another server)
        const other = await repo.running();
        throw conflict(other ? toDto(other, current) : null);
      }
      await audit.record(actor, 'replay_bulk_start', row.id, {
        filter: scope.filter,
        outstandingOnly: scope.outstandingOnly,
        matched: sel.matched,
      });
      if (stopped) {
        await end(row, 'interrupted', parseFigures(row), 'The server shut down before it began.');
        throw new AppError('shutting_down', 503, 'The server is shutting down');
      }
      launch(row, sel);
      return toDto(row, current);
    },

    /**
     * Stops a running job between two replays and answers it as it ended. A job on another server is asked to
     * stop (it does at its next page or heartbeat): the answer shows it running, with `cancelledBy` set.
     */
    async cancel(id: number, actor: string): Promise<BulkReplayJobDto> {
      const row = await requireJob(id);
      if (row.status !== 'running')
        throw new AppError('replay_not_running', 409, `Bulk replay job ${id} is ${row.status}, not running`);
      await audit.record(actor, 'replay_bulk_cancel', id, { here: current?.row.id === id });
      const job = current;
      if (job?.row.id === id) {
        job.cancelledBy ??= actor;
        job.stop ??= 'cancel';
        await job.done;
        return toDto(await requireJob(id), null);
      }
      // nobody runs it any more: it ends here
      if (isStale(row)) return end(row, 'cancelled', parseFigures(row), null, actor);
      await repo.requestCancel(id, actor);
      return toDto(await requireJob(id), current);
    },

    /** The running job, else the last one; null before the first. */
    async latest(): Promise<BulkReplayJobDto | null> {
      await reapStale();
      const row = await repo.latest();
      return row ? toDto(row, current) : null;
    },

    async get(id: number): Promise<BulkReplayJobDto> {
      return toDto(await requireJob(id), current);
    },

    /** Shutdown: the job here stops between two replays (interrupted); no new one starts. */
    async stop(): Promise<void> {
      stopped = true;
      const job = current;
      if (job) {
        job.stop ??= 'shutdown';
        await job.done;
      }
    },

    /** Resolves when no job runs here (tests). */
    async idle(): Promise<void> {
      while (current) await current.done;
    },
  };
}

export type ReplayJobs = ReturnType<typeof createReplayJobs>;
