// The reconcile's share of Clerk's Backend API rate limit (CLERK.md §6: 100 requests / 10 s on a development
// instance, 1000 in production, per secret key — shared with the application that owns the key). Bottleneck
// spaces requests evenly (minTime, one at a time) instead of spending a window's budget in a burst; a small
// margin absorbs network jitter, since Clerk counts arrivals, not departures. 429s that still happen (the
// application spent more than its share) are waited out by the client (Retry-After) inside the slot, so
// nothing queued behind it bursts afterwards.
import Bottleneck from 'bottleneck';
import type { ClerkClient } from '../clerk/clerk-client.ts';

export interface RateBudgetOptions {
  /** the instance's limit, requests per window (Clerk: per 10 s) */
  requestsPerWindow: number;
  /** share of it reconcile may use, 0 < share ≤ 1 */
  share: number;
  windowMs?: number;
  /** spacing slack, default 5 % */
  margin?: number;
}

export interface RateBudget {
  /** requests the budget allows per window */
  readonly perWindow: number;
  /** ms between two request starts */
  readonly minTimeMs: number;
  /** the same client, every call going through the budget */
  wrap(client: ClerkClient): ClerkClient;
  /** the fastest `requests` calls can take under this budget (for ETAs and the benchmark) */
  minimumMs(requests: number): number;
}

export function createRateBudget(opts: RateBudgetOptions): RateBudget {
  const windowMs = opts.windowMs ?? 10_000;
  const perWindow = Math.max(1, Math.floor(opts.requestsPerWindow * opts.share));
  const minTimeMs = Math.ceil((windowMs / perWindow) * (1 + (opts.margin ?? 0.05)));
  const limiter = new Bottleneck({ maxConcurrent: 1, minTime: minTimeMs });
  const slot = <T>(fn: () => Promise<T>) => limiter.schedule(fn);
  return {
    perWindow,
    minTimeMs,
    wrap: (client) => ({
      getUser: (id) => slot(() => client.getUser(id)),
      listUsers: (p) => slot(() => client.listUsers(p)),
      countUsers: () => slot(() => client.countUsers()),
      listSessions: (userId) => slot(() => client.listSessions(userId)),
    }),
    minimumMs: (requests) => Math.max(0, requests - 1) * minTimeMs,
  };
}
