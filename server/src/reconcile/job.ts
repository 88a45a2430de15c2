// Runs a reconcile on this server: walks Clerk's users by cursor in created_at windows (windows.ts),
// classifies each page (classify.ts) and commits it with every window's cursor, so whoever holds the lock next
// resumes where this run stopped; then Clerk's organizations and every membership, by offset
// (organizations-walk.ts), each page committed with where that walk stands. While it runs it heartbeats the lock and the run (and stops when either
// turns out to be someone else's), and publishes its progress, throttled. Which run to start or resume, and
// when, is the scheduler's (scheduler.ts).
import type { ReconcileStatus } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { Logger } from '../lib/logger.ts';
import type { PageCommit, ReconcileRepository, RunRow } from './reconcile.repository.ts';
import { checkedOf, type Pace, type RunView } from './run-view.ts';
import type { PageStore } from './page-store.ts';
import { evenCuts, planWindows, walkWindows, windowCount, type WindowState } from './windows.ts';
import { classifyPage } from './classify.ts';
import { throttleLatest } from '../lib/throttle.ts';
import { parseOrgWalk, startOrgWalk, walkOrganizations } from './organizations-walk.ts';

export interface JobSettings {
  /** Clerk users per page (Clerk's maximum is 500) */
  pageSize: number;
  heartbeatMs: number;
  /** at most one progress message per this many ms */
  progressEveryMs: number;
  /** created_at windows walked at once, one request open each (hides Clerk's latency; a held page is ~1 MB of JSON) */
  parallelWindows: number;
  /** about how many pages a window holds (fewer: more windows, each ending with a short page) */
  pagesPerWindow: number;
}

/** pages answered and not classified yet, besides one per window walked: the local work may lag that far */
const HELD = 1;

/**
 * Where the run's windows are cut: where the local copy's users are evenly spread (it rarely differs much from
 * Clerk's), or, when it holds less than half of Clerk's users, evenly between Clerk's oldest and newest.
 */
async function plan(
  clerk: ClerkClient,
  store: PageStore,
  total: number,
  settings: JobSettings,
): Promise<WindowState[]> {
  const parts = windowCount(total, {
    pageSize: settings.pageSize,
    pagesPerWindow: settings.pagesPerWindow,
    parallel: settings.parallelWindows,
  });
  if (parts < 2) return planWindows([]);
  const local = await store.createdAtCuts(parts);
  if (local.counted * 2 >= total) return planWindows(local.cuts.map((d) => d.getTime()));
  const [oldest] = await clerk.listUsers({ limit: 1, orderBy: '+created_at' });
  const [newest] = await clerk.listUsers({ limit: 1, orderBy: '-created_at' });
  return planWindows(oldest && newest ? evenCuts(oldest.created_at, newest.created_at, parts) : []);
}

type StopReason = 'pause' | 'cancel' | 'cancelled_elsewhere' | 'lock_lost';

export interface Job {
  runId: number;
  stop: StopReason | null;
  done: Promise<void>;
  /** pace since this server took the run */
  since: Pace;
}

/** The job running on this server, if any: the runner fills it; the scheduler and the run view read it. */
export interface JobSlot {
  current: Job | null;
}

/** Publishes a run's progress at most once per `everyMs`: the newest row waiting wins. */
function createProgress(deps: { everyMs: number; publisher: Publisher; view: Pick<RunView, 'toDto'>; logger: Logger }) {
  return throttleLatest<RunRow>(deps.everyMs, async (row) => {
    try {
      deps.publisher.reconcileProgress(await deps.view.toDto(row));
    } catch (err) {
      deps.logger.warn({ err }, 'reconcile progress not published');
    }
  });
}

export function createJobRunner(deps: {
  repo: ReconcileRepository;
  /** already behind the reconcile's rate budget */
  clerk: ClerkClient;
  /** the same behind the same budget, for requests made ahead of need (queued behind `clerk`'s) */
  clerkAhead: ClerkClient;
  publisher: Publisher;
  logger: Logger;
  settings: JobSettings;
  instance: string;
  clock: () => Date;
  slot: JobSlot;
  view: Pick<RunView, 'toDto'>;
}) {
  const { repo, clerk, logger, settings, instance, clock, slot, view } = deps;
  const progress = createProgress({ everyMs: settings.progressEveryMs, publisher: deps.publisher, view, logger });

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
      if (run.organizationsTotal === null || run.membershipsTotal === null) {
        // one-item pages, for their total_count: the run's progress counts organizations and memberships too
        const [organizations, memberships] = await Promise.all([
          clerk.organizationsPage(0, { limit: 1 }),
          clerk.allOrganizationMembershipsPage(0, 1),
        ]);
        run = await repo.setSubjectTotals(run.id, organizations.total_count, memberships.total_count);
      }
      if (!parseOrgWalk(run.orgWalk)) await walkUsers();
      // then the organizations and every membership, once the users are done (organizations-walk.ts)
      if (!self.stop) {
        let walk = parseOrgWalk(run.orgWalk);
        if (!walk) run = await repo.setOrgWalk(run.id, JSON.stringify((walk = startOrgWalk())));
        await walkOrganizations(
          {
            clerk,
            clerkAhead: deps.clerkAhead,
            store: repo,
            commit: async (c) => {
              run = await repo.commitOrganizationPage(run.id, c);
              progress.report(run);
            },
            stopped: () => self.stop !== null,
            clock,
            instance,
            pageSize: settings.pageSize,
            ahead: settings.parallelWindows,
            totals: { organizations: run.organizationsTotal, memberships: run.membershipsTotal },
          },
          walk,
        );
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

    /** Clerk's users, in created_at windows walked in parallel (windows.ts), a page committed at a time. */
    async function walkUsers(): Promise<void> {
      let windows = JSON.parse(run.windows) as WindowState[];
      if (windows.length === 0) {
        windows = await plan(clerk, store, run.totalEstimate ?? 0, settings);
        run = await repo.setWindows(run.id, JSON.stringify(windows));
      }
      progress.report(run);
      // Windows are walked in parallel (their requests in the budget's lane for requests made ahead) while a
      // page is classified and committed, so the rate budget, not Clerk's latency or the local work, sets the pace.
      const walk = walkWindows(windows, {
        list: deps.clerkAhead,
        check: clerk,
        pageSize: settings.pageSize,
        parallel: settings.parallelWindows,
        held: HELD,
      });
      /** every window as of the newest page classified: what that page's commit stores */
      const state = [...windows];
      // A page classified, its in-sync marks being written, and not committed yet: it is committed once the
      // next page is classified, so the marks' writing overlaps that (page-store.ts).
      let held: { commit: PageCommit; marked: Promise<void> } | null = null;
      const commitHeld = async () => {
        if (!held) return;
        const { commit, marked } = held;
        held = null;
        await marked;
        run = await repo.commitPage(run.id, commit);
        progress.report(run);
      };
      try {
        while (!self.stop) {
          const page = await walk.next();
          if (!page || self.stop) break; // a page not committed is fetched again on resume
          state[page.index] = page.next;
          const windowsNow = JSON.stringify(state);
          const { commit, inSyncIds } = page.local
            ? await classifyPage({ clerk, store, instance }, page.users, page.local, clock())
            : { commit: { checked: 0, inSync: 0, findings: [], driftedIds: [], instance, at: clock() }, inSyncIds: [] };
          await commitHeld();
          held = { commit: { ...commit, windows: windowsNow }, marked: store.markInSync(inSyncIds, commit.at) };
          // a page's marks that fail must not leave the page "committed" without them: commitHeld rethrows
          held.marked.catch(() => undefined);
        }
        // the last page classified — unless this server no longer owns the run
        if (self.stop !== 'lock_lost' && self.stop !== 'cancelled_elsewhere') await commitHeld();
      } finally {
        // requests in flight and pages not used: let them settle quietly (resume asks again)
        await walk.close();
      }
    }
    if (status) await repo.finishRun(run.id, status, clock(), error);
    if (self.stop !== 'lock_lost') await repo.releaseLock(instance);
    progress.drop();
    const final = await repo.getRun(run.id);
    if (final) {
      const dto = await view.toDto(final);
      logger.info(
        { runId: run.id, status: dto.status, checked: dto.checked, found: dto.found, stop: self.stop },
        'reconcile stopped',
      );
      deps.publisher.reconcileFinished(dto);
    }
  }

  return {
    /** Runs `run` in the background; the caller holds the lock, and the job releases it when it ends. */
    launch(run: RunRow): void {
      const self: Job = {
        runId: run.id,
        stop: null,
        done: Promise.resolve(),
        since: { at: Date.now(), checked: checkedOf(run) },
      };
      slot.current = self;
      self.done = runJob(run, self)
        .catch((err: unknown) => logger.error({ err, runId: run.id }, 'reconcile job crashed'))
        .finally(() => {
          if (slot.current === self) slot.current = null;
        });
    },

    /** Cancels run `runId` if it is the job here, once it has stopped; false when it is not running here. */
    async cancel(runId: number): Promise<boolean> {
      const job = slot.current;
      if (job?.runId !== runId) return false;
      job.stop = 'cancel';
      await job.done;
      return true;
    },

    /** Pauses the job here, if any (its run stays `running`, to be resumed), and drops progress not yet sent. */
    async pause(): Promise<void> {
      const current = slot.current;
      if (current) {
        current.stop ??= 'pause';
        await current.done;
      }
      progress.drop();
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
