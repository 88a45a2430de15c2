// The ReplayJob table: one row per bulk replay, its figures as of its last committed page, and the unique
// `runningKey` that lets one job run at a time across server instances (a second insert fails).
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import { isUniqueViolation } from '../lib/db/errors.ts';
import type { ReplayJobStatus, ReplayResult, ReplaySkipReason } from '../contract.ts';

export type ReplayJobRow = Prisma.ReplayJobGetPayload<object>;

const RUNNING_KEY = 'bulk_replay';

/** What a job has done so far: written at each page and when it ends. */
export interface ReplayJobFigures {
  /** the last delivery id looked at */
  cursor: number;
  replayed: number;
  skippedBy: Record<ReplaySkipReason, number>;
  outcomes: Partial<Record<string, number>>;
  failures: ReplayResult[];
}

export function createReplayJobsRepository(db: DbClient) {
  const figures = (f: ReplayJobFigures) => ({
    cursor: f.cursor,
    replayed: f.replayed,
    skippedBy: JSON.stringify(f.skippedBy),
    outcomes: JSON.stringify(f.outcomes),
    failures: JSON.stringify(f.failures),
  });

  return {
    /** The new running job; null when one is running already. */
    async create(data: {
      startedBy: string;
      request: string;
      maxDeliveryId: number;
      matched: number;
      instance: string;
      at: Date;
    }): Promise<ReplayJobRow | null> {
      try {
        return await db.replayJob.create({
          data: {
            status: 'running',
            runningKey: RUNNING_KEY,
            startedBy: data.startedBy,
            startedAt: data.at,
            request: data.request,
            maxDeliveryId: data.maxDeliveryId,
            matched: data.matched,
            lockedBy: data.instance,
            heartbeatAt: data.at,
          },
        });
      } catch (err) {
        if (isUniqueViolation(err)) return null;
        throw err;
      }
    },
    get: (id: number) => db.replayJob.findUnique({ where: { id } }),
    running: () => db.replayJob.findUnique({ where: { runningKey: RUNNING_KEY } }),
    latest: () => db.replayJob.findFirst({ orderBy: { id: 'desc' } }),

    /** Saves a page's figures and says the job still runs; its row as it is now (a cancel asked elsewhere shows). */
    saveProgress: (id: number, f: ReplayJobFigures, instance: string, at: Date) =>
      db.replayJob.update({ where: { id }, data: { ...figures(f), lockedBy: instance, heartbeatAt: at } }),

    /** The job's row, after saying it still runs (when it does). */
    async heartbeat(id: number, instance: string, at: Date): Promise<ReplayJobRow | null> {
      await db.replayJob.updateMany({
        where: { id, status: 'running' },
        data: { lockedBy: instance, heartbeatAt: at },
      });
      return db.replayJob.findUnique({ where: { id } });
    },

    /** Asks the job to stop (its server notices at its next page or heartbeat); false when it is not running. */
    async requestCancel(id: number, by: string): Promise<boolean> {
      const r = await db.replayJob.updateMany({ where: { id, status: 'running' }, data: { cancelledBy: by } });
      return r.count === 1;
    },

    /** Ends a job with its final figures; it no longer holds the running key. */
    finish: (
      id: number,
      end: {
        status: Exclude<ReplayJobStatus, 'running'>;
        figures?: ReplayJobFigures;
        notRun: number;
        error: string | null;
        cancelledBy?: string | null;
        at: Date;
      },
    ) =>
      db.replayJob.update({
        where: { id },
        data: {
          status: end.status,
          runningKey: null,
          finishedAt: end.at,
          notRun: end.notRun,
          error: end.error,
          ...(end.figures ? figures(end.figures) : {}),
          ...(end.cancelledBy !== undefined ? { cancelledBy: end.cancelledBy } : {}),
        },
      }),
  };
}

export type ReplayJobsRepository = ReturnType<typeof createReplayJobsRepository>;
