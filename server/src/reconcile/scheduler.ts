// Decides when a run starts on this server: an operator's start, the interval schedule, and taking over a
// run whose holder went quiet (a stopped or dead instance) to resume it. Only one server runs a reconcile at
// a time: whoever takes the single-row lock (reconcile.repository.ts) launches the job (job.ts).
import type { ReconcileRunDto } from '../contract.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { ReconcileRepository, RunRow } from './reconcile.repository.ts';
import type { JobRunner, JobSlot } from './job.ts';
import type { RunView } from './run-view.ts';
import { AppError } from '../lib/errors.ts';

export interface ScheduleSettings {
  /** a lock (and its run) whose holder has not said anything for this long is free to take over */
  lockTtlMs: number;
  /** start a run this long after the last one started; null: never on its own */
  intervalMs: number | null;
  /** how often an idle server looks for a run to resume or a scheduled one to start */
  watchMs: number;
}

const conflict = (runId: number | undefined) =>
  new AppError(
    'reconcile_running',
    409,
    `A reconcile is already running${runId ? ` (run ${runId})` : ''}; wait for it or cancel it`,
    {
      details: { runId: runId ?? null },
    },
  );

export function createScheduler(deps: {
  repo: ReconcileRepository;
  audit: AuditRecorder;
  logger: Logger;
  settings: ScheduleSettings;
  instance: string;
  clock: () => Date;
  /** read only here: the runner fills it */
  slot: Readonly<JobSlot>;
  jobs: Pick<JobRunner, 'launch'>;
  view: Pick<RunView, 'toDto'>;
}) {
  const { repo, logger, settings, instance, clock, slot, jobs } = deps;

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
      const run = orphan
        ? await repo.claimRun(orphan.id, instance, now)
        : await repo.createRun({ startedBy: actor, instance, at: now });
      await repo.setLockRun(instance, run.id);
      return { run, resumed: Boolean(orphan) };
    } catch (err) {
      await repo.releaseLock(instance);
      throw err;
    }
  }

  async function watch() {
    if (stopped || slot.current || starting) return;
    await inTurn(() => watchTurn());
  }

  async function watchTurn() {
    if (stopped || slot.current) return;
    try {
      const running = await repo.findRunning();
      if (running) {
        const took = await takeOver('schedule', { create: false });
        if (took && !stopped) {
          logger.info({ runId: took.run.id, pages: took.run.pages }, 'resuming reconcile');
          jobs.launch(took.run);
        } else if (took) await repo.releaseLock(instance);
        return;
      }
      if (settings.intervalMs === null) return;
      const last = await repo.latestRun();
      if (last && clock().getTime() - last.startedAt.getTime() < settings.intervalMs) return;
      const took = await takeOver('schedule', { create: true });
      if (!took) return;
      if (stopped) return void (await repo.releaseLock(instance));
      await deps.audit.record('schedule', 'reconcile_start', took.run.id, {
        resumed: took.resumed,
        intervalMs: settings.intervalMs,
      });
      jobs.launch(took.run);
    } catch (err) {
      logger.warn({ err }, 'reconcile watch failed');
    }
  }

  return {
    /** Starts a run in the background (or resumes an orphaned one); 409 while one is running anywhere. */
    async start(actor: string): Promise<ReconcileRunDto> {
      if (stopped) throw new AppError('shutting_down', 503, 'The server is shutting down');
      return inTurn(async () => {
        if (stopped) throw new AppError('shutting_down', 503, 'The server is shutting down');
        if (slot.current) throw conflict(slot.current.runId);
        const took = await takeOver(actor, { create: true });
        if (!took) throw conflict((await repo.findRunning())?.id);
        await deps.audit.record(actor, 'reconcile_start', took.run.id, took.resumed ? { resumed: true } : {});
        jobs.launch(took.run);
        return deps.view.toDto(took.run, 0);
      });
    },

    /** Resumes an orphaned run and runs the schedule, from now on. */
    startBackground(): void {
      if (watchTimer || stopped) return;
      watchTimer = setInterval(() => void watch(), settings.watchMs);
      watchTimer.unref();
      void watch();
    },

    /** Stops the watch and refuses starts from now on; resolves once the start or watch under way is done. */
    async stop(): Promise<void> {
      stopped = true;
      if (watchTimer) clearInterval(watchTimer);
      watchTimer = null;
      await gate;
    },

    /** Resolves when no start or watch is under way and no job runs here (tests). */
    async idle(): Promise<void> {
      do {
        await gate;
        await slot.current?.done;
      } while (slot.current || starting);
    },
  };
}
