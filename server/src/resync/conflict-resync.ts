// Conflicting versions are settled by Clerk: when a webhook brings a version of a user (or an organization) with
// the updated_at of the one held but other content (Clerk does not promise updated_at strictly increases), the
// event is recorded as a conflict and the object is queued here, to be fetched from the Backend API once the event
// committed. Requests go through the rate budget reconcile uses (the key's limit is shared); an object queued
// again while waiting is fetched once. Nothing here is durable: a conflict lost to a restart is still an event
// with outcome `conflict`, and a compare or reconcile finds the copy stale.
import type { Logger } from '../lib/logger.ts';

export interface ConflictResync {
  /** Queue an object for a resync from Clerk (no-op when already queued). */
  enqueue(id: string): void;
  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  /** objects waiting or being fetched */
  readonly pending: number;
}

export function createConflictResync(deps: {
  /** fetches one object from Clerk, through the rate budget, and writes what Clerk answered */
  refresh: (id: string) => Promise<unknown>;
  /** what is queued, for the log: "user", "organization" */
  kind: string;
  logger: Logger;
  /** objects fetched at once (the budget still spaces the requests) */
  concurrency?: number;
}): ConflictResync {
  const concurrency = deps.concurrency ?? 4;
  const queue: string[] = [];
  const queued = new Set<string>();
  let running = 0;
  let waiters: (() => void)[] = [];

  const settle = () => {
    if (running > 0 || queue.length > 0) return;
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  const pump = () => {
    while (running < concurrency && queue.length > 0) {
      const id = queue.shift()!;
      queued.delete(id);
      running++;
      deps
        .refresh(id)
        .catch((err: unknown) =>
          deps.logger.warn(
            { err, [`${deps.kind}Id`]: id },
            `resync of a ${deps.kind} after a conflicting version failed; a compare or reconcile will find the copy stale`,
          ),
        )
        .finally(() => {
          running--;
          pump();
          settle();
        });
    }
  };

  return {
    enqueue(id) {
      if (queued.has(id)) return;
      queued.add(id);
      queue.push(id);
      pump();
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    get pending() {
      return running + queue.length;
    },
  };
}
