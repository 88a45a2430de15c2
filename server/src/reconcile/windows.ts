// Walks Clerk's users for a reconcile by cursor only: GET /v1/users?order_by=+created_at&starting_after=<id>.
// Clerk's spec: a large `offset` "gets progressively slower and eventually times out", a cursor page costs the
// same anywhere. A cursor cannot ask for page k+1 before page k has arrived, so the list is cut into disjoint
// created_at windows (created_at_after / created_at_before, epoch ms) walked in parallel, each with its own
// cursor; the rate budget, not one page's latency, then sets the pace.
//
// A window is [from, to) in ms. Whether Clerk's bounds include that millisecond is not specified, so each
// request asks one millisecond wider on the lower side (created_at_after = from − 1) and every answer is
// filtered to the window: a user belongs to exactly one window by its created_at, which never changes, so
// users sharing a millisecond (bulk imports) at a bound are neither dropped nor listed twice. Inside a window
// the ids seen at the newest created_at are kept (`tied`): a walk that has to start again from that
// millisecond skips them.
//
// A cursor whose user Clerk deleted meanwhile has nothing to start after (Clerk may answer 404, 422 or an
// empty page): the window's walk starts again from the last created_at it saw, without a cursor. Timeouts and
// 5xx are the client's to retry; when they persist, the error ends the run.
import type { ClerkClient, ListUsersParams } from '../clerk/clerk-client.ts';
import { ClerkApiError } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import type { PageWindow } from './classify.ts';

/** One created_at window of Clerk's list and how far its walk got (stored with the run after each page). */
export interface WindowState {
  /** created_at bounds in ms, [from, to); null: open */
  from: number | null;
  to: number | null;
  /** where the current walk started (inclusive ms; null: at `from`) — moved on when a cursor was lost */
  walkFrom: number | null;
  /** starting_after for the walk's next page: the last user Clerk listed; null: the walk's first page */
  cursor: string | null;
  /** the newest created_at seen in this window, and the ids seen at that millisecond (the newest TIED_KEPT) */
  at: number | null;
  tied: string[];
  done: boolean;
}

/** One answer taken apart: the window's users it holds, and the state after it. */
export interface WindowPage {
  /** which window (index into the run's windows) */
  index: number;
  /** users of this window not seen before, in Clerk's order */
  users: ClerkUserJson[];
  /** the stretch of created_at this page settles for local users; null: none (nothing of the window yet) */
  local: PageWindow | null;
  next: WindowState;
}

/** ids kept per window at its newest millisecond; beyond that a restart may list a user twice (never skip one) */
export const TIED_KEPT = 200;
/** windows per walker: a slow (dense) window does not hold the others up */
const WINDOWS_PER_WALKER = 2;

/**
 * How many windows a list of `total` users is cut into: about `pagesPerWindow` pages each (a window's last
 * page is usually short, so each window costs about half a request more than one long list would), at most
 * WINDOWS_PER_WALKER per window walked at once.
 */
export function windowCount(total: number, o: { pageSize: number; pagesPerWindow: number; parallel: number }): number {
  const pages = Math.ceil(total / o.pageSize);
  return Math.max(1, Math.min(o.parallel * WINDOWS_PER_WALKER, Math.ceil(pages / o.pagesPerWindow)));
}

/** Windows covering all of time, cut at `cuts` (ms; unordered, repeats ignored). */
export function planWindows(cuts: number[]): WindowState[] {
  const points = [...new Set(cuts.filter((c) => Number.isSafeInteger(c)))].sort((a, b) => a - b);
  const bounds = [null, ...points, null];
  return bounds
    .slice(1)
    .map((to, i) => ({ from: bounds[i]!, to, walkFrom: null, cursor: null, at: null, tied: [], done: false }));
}

/** `parts − 1` cuts spreading [first, last] evenly (when only Clerk's oldest and newest users are known). */
export function evenCuts(first: number, last: number, parts: number): number[] {
  if (parts < 2 || last <= first) return [];
  const span = last - first + 1;
  return Array.from({ length: parts - 1 }, (_, i) => first + Math.ceil((span * (i + 1)) / parts)).filter(
    (c) => c > first && c <= last,
  );
}

/** The request for a window's next page. */
export function pageRequest(w: WindowState, limit: number): ListUsersParams {
  const lower = w.walkFrom ?? w.from;
  return {
    limit,
    orderBy: '+created_at',
    // one millisecond wider: users at `lower` are in the answer whether Clerk's bound is inclusive or not
    ...(lower !== null ? { createdAtAfter: lower - 1 } : {}),
    ...(w.to !== null ? { createdAtBefore: w.to } : {}),
    ...(w.cursor !== null ? { startingAfter: w.cursor } : {}),
  };
}

/** What Clerk's `answer` to pageRequest(w, limit) means for the window. */
export function takePage(w: WindowState, index: number, answer: ClerkUserJson[], limit: number): WindowPage {
  const lower = w.walkFrom ?? w.from;
  const seen = new Set(w.tied);
  const users: ClerkUserJson[] = [];
  let at = w.at;
  let tied = [...w.tied];
  for (const u of answer) {
    const c = u.created_at;
    // outside the window: the millisecond asked for besides, or an inclusive upper bound
    if ((lower !== null && c < lower) || (w.to !== null && c >= w.to)) continue;
    // listed already (a walk started again at that millisecond)
    if (c === w.at && seen.has(u.id)) continue;
    users.push(u);
    if (c === at) {
      tied.push(u.id);
      if (tied.length > TIED_KEPT) tied = tied.slice(-TIED_KEPT);
    } else {
      at = c;
      tied = [u.id];
    }
  }
  const last = answer.at(-1);
  // a short page ends the list (the spec's rule); so does a user past the window (ascending order)
  const done = answer.length < limit || (w.to !== null && last !== undefined && last.created_at >= w.to);
  // (a window done keeps no ids: nothing walks it again, and the run stores every window after each page)
  const next: WindowState = { ...w, cursor: last?.id ?? w.cursor, at, tied: done ? [] : tied, done };
  // Local users this page settles: from where the previous page stopped (its ids at that millisecond
  // excluded) up to this page's newest millisecond, exclusive (the next page continues there) — or, on the
  // window's last page, up to the window's end.
  const from = w.at ?? lower;
  const to = done ? w.to : at;
  const local: PageWindow | null =
    !done && at === null
      ? null
      : {
          from: from === null ? null : new Date(from),
          to: to === null ? null : new Date(to),
          exclude: w.at === null ? [] : w.tied,
        };
  return { index, users, local, next };
}

/** Clerk refusing a cursor: the user it names is gone (404 or 422; an empty page is checked separately). */
const cursorRefused = (err: unknown) =>
  err instanceof ClerkApiError && (err.httpStatus === 404 || err.httpStatus === 422);

/** The same window walked again from the newest millisecond it saw, without a cursor. */
const restart = (w: WindowState): WindowState => ({ ...w, walkFrom: w.at ?? w.walkFrom, cursor: null });

export interface WalkOptions {
  /** the pages' requests (the budget's lane for requests made ahead of need) */
  list: Pick<ClerkClient, 'listUsers'>;
  /** the "is the cursor user still there" question a page waits on */
  check: Pick<ClerkClient, 'getUser'>;
  pageSize: number;
}

/** One window's pages, from its state on. */
export async function* walkWindow(start: WindowState, index: number, o: WalkOptions): AsyncGenerator<WindowPage> {
  let w = start;
  while (!w.done) {
    let answer: ClerkUserJson[];
    try {
      answer = await o.list.listUsers(pageRequest(w, o.pageSize));
    } catch (err) {
      if (w.cursor === null || !cursorRefused(err)) throw err;
      w = restart(w);
      continue;
    }
    // Empty after a cursor: the window's end, unless the cursor user is gone
    if (answer.length === 0 && w.cursor !== null && (await o.check.getUser(w.cursor)) === null) {
      w = restart(w);
      continue;
    }
    const page = takePage(w, index, answer, o.pageSize);
    w = page.next;
    yield page;
  }
}

export interface WindowsWalk {
  /** The next page fetched, in arrival order (each window's in its order); null when every window is done. */
  next(): Promise<WindowPage | null>;
  /** Stops issuing requests and waits for the walkers (requests the budget already started still run). */
  close(): Promise<void>;
}

/** pages asked for and not taken yet when the local work is behind (the least the walk keeps going with) */
const LEAST_OUTSTANDING = 2;

/**
 * Walks the windows not done yet, up to `parallel` at a time, each with at most one request open. Pages
 * asked for and not taken yet ("outstanding") are at most `parallel + held`, and fewer while the local work
 * is behind: the bound rises by one each time next() finds no page waiting (Clerk's latency or the budget
 * sets the pace: more requests open help) and falls by one each time a page arrives to find another still
 * waiting (the local work sets the pace: more pages would only wait, parsed, in memory). So what is held in
 * memory depends neither on how many users Clerk has nor, for long, on how far behind the local work is.
 */
export function walkWindows(windows: WindowState[], o: WalkOptions & { parallel: number; held: number }): WindowsWalk {
  const todo = windows.flatMap((w, index) => (w.done ? [] : [{ w, index }]));
  let taken = 0;
  const ready: WindowPage[] = [];
  let failure: { err: unknown } | null = null;
  let closed = false;
  const most = Math.max(1, o.parallel + o.held);
  let bound = Math.min(most, Math.max(LEAST_OUTSTANDING, o.parallel));
  let outstanding = 0;
  const waitingForRoom: (() => void)[] = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const letIn = () => {
    while (outstanding < bound && waitingForRoom.length > 0) {
      outstanding++;
      waitingForRoom.shift()!();
    }
  };
  const acquire = () =>
    new Promise<void>((resolve) => {
      waitingForRoom.push(resolve);
      letIn();
    });
  const release = () => {
    outstanding--;
    letIn();
  };
  const stop = () => {
    closed = true;
    for (const r of waitingForRoom.splice(0)) r();
  };

  async function walker(): Promise<void> {
    for (let item = todo[taken++]; item && !closed; item = todo[taken++]) {
      const pages = walkWindow(item.w, item.index, o);
      for (;;) {
        await acquire();
        if (closed) return;
        const r = await pages.next();
        if (closed) return;
        if (r.done) {
          release();
          break;
        }
        ready.push(r.value);
        if (ready.length > 1) bound = Math.max(LEAST_OUTSTANDING, bound - 1);
        notify();
      }
    }
  }

  let running = Math.min(o.parallel, todo.length);
  const walkers = Array.from({ length: running }, () =>
    walker()
      .catch((err: unknown) => {
        failure ??= { err };
        stop();
      })
      .finally(() => {
        running--;
        notify();
      }),
  );

  return {
    async next() {
      for (;;) {
        if (failure) throw failure.err;
        const page = ready.shift();
        if (page) {
          release();
          return page;
        }
        if (running === 0) return null;
        bound = Math.min(most, bound + 1);
        letIn();
        await new Promise<void>((r) => (wake = r));
      }
    },
    async close() {
      stop();
      notify();
      await Promise.all(walkers);
    },
  };
}
