// Conflicting versions are settled by Clerk: when a webhook brings a user version with the updated_at of the one
// held but other content (Clerk does not promise updated_at strictly increases), the event is recorded as a
// conflict and the user is queued here, to be fetched from the Backend API once the event committed. Requests go
// through the rate budget reconcile uses (the key's limit is shared); a user queued again while waiting is
// fetched once. Nothing here is durable: a conflict lost to a restart is still an event with outcome `conflict`,
// and reconcile finds the copy stale.
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { Logger } from '../lib/logger.ts';
import type { ResyncService } from './resync.service.ts';

export interface ConflictResync {
  /** Queue a user for a resync from Clerk (no-op when already queued). */
  enqueue(userId: string): void;
  /** Resolves when nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  /** users waiting or being fetched */
  readonly pending: number;
}

export function createConflictResync(deps: {
  resync: Pick<ResyncService, 'refreshFromClerk'>;
  /** the rate-budgeted client */
  clerk: ClerkClient;
  logger: Logger;
  /** users fetched at once (the budget still spaces the requests) */
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
      const userId = queue.shift()!;
      queued.delete(userId);
      running++;
      deps.resync
        .refreshFromClerk(userId, deps.clerk)
        .catch((err: unknown) =>
          deps.logger.warn(
            { err, userId },
            'resync after a conflicting version failed; reconcile will find the copy stale',
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
    enqueue(userId) {
      if (queued.has(userId)) return;
      queued.add(userId);
      queue.push(userId);
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
