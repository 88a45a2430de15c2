// The reconcile's share of Clerk's Backend API rate limit (CLERK.md §6: 100 requests / 10 s on a development
// instance, 1000 in production, per secret key — shared with the application that owns the key). Bottleneck
// spaces request *starts* evenly (minTime) instead of spending a window's budget in a burst; a small margin
// absorbs network jitter, since Clerk counts arrivals, not departures. Several requests may be open at once
// (up to maxInFlight): Clerk limits how many requests arrive, not how many are open, and a page of 500 users
// takes longer to answer than the spacing at a production limit (≈ 21 ms at half of 1000 / 10 s), so one at
// a time would let latency, not the budget, set the pace. 429s that still happen (the application spent more
// than its share) are waited out by the client (Retry-After) inside the slot, so nothing queued behind it
// bursts (the requests already open may retry together: at most the few in flight).
//
// Requests made ahead of need (the next pages) wait in a lane of their own and enter the limiter only while
// fewer than two requests are waiting for a slot. Bottleneck reserves a start time for every job it lets
// through (priorities only order what it has not let through yet), so pages handed to it early would hold
// the next slots against a request a page is waiting on. Fed like that, the lane still keeps the budget
// busy, and how many requests are open follows Clerk's latency by itself.
import Bottleneck from 'bottleneck';
import { walkOffsetPages, type ClerkClient } from '../clerk/clerk-client.ts';

export interface RateBudgetOptions {
  /** the instance's limit, requests per window (Clerk: per 10 s) */
  requestsPerWindow: number;
  /** share of it reconcile may use, 0 < share ≤ 1 */
  share: number;
  windowMs?: number;
  /** spacing slack, default 5 % */
  margin?: number;
  /** requests open at once, default 32 (the spacing still holds between their starts) */
  maxInFlight?: number;
}

export interface RateBudget {
  /** requests the budget allows per window */
  readonly perWindow: number;
  /** ms between two request starts */
  readonly minTimeMs: number;
  readonly maxInFlight: number;
  /** The same client, every call going through the budget; `ahead`: calls made before anything waits on them. */
  wrap(client: ClerkClient, opts?: { ahead?: boolean }): ClerkClient;
  /** the fastest `requests` calls can take under this budget (for ETAs and the benchmark) */
  minimumMs(requests: number): number;
}

/**
 * Requests made ahead that may hold a reserved start at once: two, so that a start comes on time even when
 * this thread is busy for a spacing's worth when the previous one starts (Bottleneck's timers run here).
 */
const AHEAD_RESERVED = 2;

export function createRateBudget(opts: RateBudgetOptions): RateBudget {
  const windowMs = opts.windowMs ?? 10_000;
  const perWindow = Math.max(1, Math.floor(opts.requestsPerWindow * opts.share));
  const minTimeMs = Math.ceil((windowMs / perWindow) * (1 + (opts.margin ?? 0.05)));
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 32);
  const limiter = new Bottleneck({ maxConcurrent: maxInFlight, minTime: minTimeMs });

  const lane: (() => void)[] = [];
  /** jobs handed to the limiter that have not started yet */
  const waiting = () => {
    const c = limiter.counts();
    return c.RECEIVED + c.QUEUED + c.RUNNING;
  };
  const pump = () => {
    while (lane.length > 0 && waiting() < AHEAD_RESERVED) lane.shift()!();
  };
  limiter.on('executing', pump);
  const ahead = <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      lane.push(() => void limiter.schedule(fn).then(resolve, reject));
      pump();
    });
  const now = <T>(fn: () => Promise<T>) => limiter.schedule(fn);

  return {
    perWindow,
    minTimeMs,
    maxInFlight,
    wrap: (client, wrapOpts) => {
      const slot = wrapOpts?.ahead ? ahead : now;
      return {
        getUser: (id) => slot(() => client.getUser(id)),
        listUsers: (p) => slot(() => client.listUsers(p)),
        countUsers: () => slot(() => client.countUsers()),
        listSessions: (userId) => slot(() => client.listSessions(userId)),
        getOrganization: (id) => slot(() => client.getOrganization(id)),
        organizationsPage: (offset, p) => slot(() => client.organizationsPage(offset, p)),
        organizationMembershipsPage: (id, offset) => slot(() => client.organizationMembershipsPage(id, offset)),
        organizationInvitationsPage: (id, offset, status) =>
          slot(() => client.organizationInvitationsPage(id, offset, status)),
        userOrganizationMembershipsPage: (id, offset) => slot(() => client.userOrganizationMembershipsPage(id, offset)),
        allOrganizationMembershipsPage: (offset, limit) =>
          slot(() => client.allOrganizationMembershipsPage(offset, limit)),
        // whole lists are walked here, page by page, so each page request takes its own slot (organizationsPage
        // throws on a 404, so its walk is never null)
        listOrganizations: async (p) =>
          (await walkOffsetPages((offset) => slot(() => client.organizationsPage(offset, p))))!,
        listOrganizationMemberships: (id) =>
          walkOffsetPages((offset) => slot(() => client.organizationMembershipsPage(id, offset))),
        listOrganizationInvitations: (id, status) =>
          walkOffsetPages((offset) => slot(() => client.organizationInvitationsPage(id, offset, status))),
        listUserOrganizationMemberships: (id) =>
          walkOffsetPages((offset) => slot(() => client.userOrganizationMembershipsPage(id, offset))),
      };
    },
    minimumMs: (requests) => Math.max(0, requests - 1) * minTimeMs,
  };
}
