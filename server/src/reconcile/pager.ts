// Pages through Clerk's users (GET /v1/users?order_by=+created_at) for reconcile with several requests in
// flight, so that the rate budget sets the pace rather than the latency of a 500-user page.
//
// Cursor paging (starting_after) cannot ask for page k+1 before page k has arrived. Offset paging can, but an
// offset means "the n-th user now", and users Clerk deletes or imports meanwhile move everyone behind them. So
// offsets are only a guess, and every page proves it follows the previous one: consecutive requests overlap by
// OVERLAP users, and a page is accepted from just after the newest user already seen (the previous page's
// anchors: its last ids). The list moving by up to OVERLAP users between two requests is absorbed that way; a
// page that contains none of them is a guess that missed, and the page is asked for by cursor instead (exact,
// as before), the requests in flight dropped and the guesses re-based on where the two answers overlap — or,
// when they do not (the list moved by more than a page), the rest of the run goes by cursor. Either way the
// pages are the ones cursor paging gives: each a contiguous stretch of Clerk's list, none missed or repeated.
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import { ClerkApiError } from '../clerk/clerk-client.ts';

export interface UserPage {
  /** the users directly after the previous page's last one, in Clerk's order */
  users: ClerkUserJson[];
  /** where the next page continues; undefined when the page added nobody (the end) */
  last: ClerkUserJson | undefined;
  /** false: the list ends with this page */
  full: boolean;
  /** the ids the next page's window must not ask about again (see anchorsOf) */
  anchors: string[];
}

export interface PagerOptions {
  /** users per request (Clerk: ≤ 500) */
  pageSize: number;
  /** requests kept issued ahead of the page being used (the budget decides when each starts) */
  ahead: number;
  /** continue after this user (null: from the list's start), with its page's anchors */
  cursor: string | null;
  anchors: string[];
  /** about how many users precede the cursor user now (a guess is enough: every page is checked) */
  position: number;
  /** users Clerk had when the run started: requests ahead are not issued beyond it (one at a time finds the end) */
  total: number;
}

/** last ids of a page kept as fallback cursors, in case Clerk deletes the cursor user between pages */
export const ANCHORS = 20;
/** pages answered and not used yet, at most */
const HELD = 4;
/** users two consecutive requests share besides the previous page's last one: how far the list may move between them */
const OVERLAP = 4;

/**
 * What the next page's window must not ask about again: the page's last ANCHORS ids, and every user sharing
 * the last created_at (the next window starts at that instant, inclusive).
 */
export function anchorsOf(page: ClerkUserJson[]): string[] {
  const last = page.at(-1);
  if (!last) return [];
  const tied = page.filter((u) => u.created_at === last.created_at).map((u) => u.id);
  return [...new Set([...page.slice(-ANCHORS).map((u) => u.id), ...tied])];
}

const isClientError = (err: unknown) => err instanceof ClerkApiError && err.httpStatus >= 400 && err.httpStatus < 500 && err.httpStatus !== 429;

/**
 * `ahead` issues the requests made before they are needed (a budget wraps it at a lower priority); `now`
 * the ones the run waits on.
 */
export function createUserPager(clients: { ahead: ClerkClient; now: ClerkClient }, o: PagerOptions) {
  const size = o.pageSize;
  // Requests share 1 + overlap users, a cost worth paying only on pages of some size: smaller ones go by
  // cursor, one at a time (10 % of each request is repeated at 20 users, 1 % at Clerk's 500).
  const overlap = Math.min(OVERLAP, Math.floor(size / 20));
  const step = size - 1 - overlap;
  let cursor = o.cursor;
  let anchors = o.anchors;
  /** offset of the next request to issue; null: position unknown, by cursor one page at a time */
  let next: number | null = overlap < 1 ? null : cursor === null ? 0 : Math.max(0, o.position - overlap);
  let ended = false;
  const queue: { offset: number; users: Promise<ClerkUserJson[]>; answered: boolean }[] = [];

  const listFrom = (client: ClerkClient, p: { offset?: number; startingAfter?: string }) =>
    client.listUsers({ limit: size, orderBy: '+created_at', ...p });

  /**
   * Keeps up to `ahead` requests unanswered (they cost nothing here while Clerk works on them) but at most
   * HELD answered and unused: when the local work is slower than the budget, pages do not pile up in memory.
   */
  function fill() {
    for (;;) {
      const answered = queue.filter((q) => q.answered).length;
      if (next === null || ended || queue.length - answered >= o.ahead || answered >= HELD) return;
      // beyond the users Clerk had at the start, one request at a time: each finds out whether the list grew
      if (queue.length > 0 && next >= o.total) return;
      const item = { offset: next, users: listFrom(clients.ahead, { offset: next }), answered: false };
      // a dropped request's failure concerns nobody; a used one's is rethrown when it is used
      item.users.then(
        () => {
          item.answered = true;
          fill();
        },
        () => {
          item.answered = true;
        },
      );
      queue.push(item);
      next += step;
    }
  }

  /** Requests in flight were guessed from a position that turned out wrong (or lie beyond the end). */
  function drop() {
    queue.length = 0;
  }

  /** The users after the newest one already seen, or null when this answer does not contain any of them. */
  function after(users: ClerkUserJson[], offset: number): ClerkUserJson[] | null {
    if (cursor === null) return offset === 0 ? users : null;
    const seen = new Set(anchors);
    seen.add(cursor);
    for (let i = users.length - 1; i >= 0; i--) if (seen.has(users[i]!.id)) return users.slice(i + 1);
    return null;
  }

  /**
   * `users` are the new ones of Clerk's `answer`; the answer's last user is where the next page continues
   * and its anchors include what it shared with the previous page (all seen already).
   */
  function accept(users: ClerkUserJson[], answer: ClerkUserJson[]): UserPage {
    const full = answer.length === size;
    const last = users.length > 0 || full ? answer.at(-1) : undefined;
    const pageAnchors = anchorsOf(answer);
    if (last) {
      cursor = last.id;
      anchors = pageAnchors;
    }
    if (!full) {
      ended = true;
      drop();
    }
    return { users, last, full, anchors: last ? pageAnchors : [] };
  }

  /** The page after the cursor by starting_after (exact), and what Clerk answered for it, unfiltered. */
  async function byCursor(): Promise<{ page: UserPage; answer: ClerkUserJson[] }> {
    if (cursor === null) {
      const users = await listFrom(clients.now, {});
      return { page: accept(users, users), answer: users };
    }
    let users: ClerkUserJson[];
    try {
      users = await listFrom(clients.now, { startingAfter: cursor });
    } catch (err) {
      if (!isClientError(err)) throw err;
      users = [];
    }
    if (users.length > 0) return { page: accept(users, users), answer: users };
    // Empty after a cursor: the end — unless Clerk deleted the cursor user meanwhile, leaving starting_after
    // nothing to start after. Then continue from an earlier user of that page, skipping what was done.
    if (await clients.now.getUser(cursor)) return { page: accept([], []), answer: [] };
    for (const anchor of [...anchors].reverse()) {
      if (anchor === cursor) continue;
      const answer = await listFrom(clients.now, { startingAfter: anchor }).catch((err: unknown) => {
        if (isClientError(err)) return [] as ClerkUserJson[];
        throw err;
      });
      if (answer.length > 0) {
        const done = new Set(anchors);
        return { page: accept(answer.filter((u) => !done.has(u.id)), answer), answer };
      }
    }
    return { page: accept([], []), answer: [] };
  }

  return {
    /** The next page; call again only after the previous call settled. */
    async next(): Promise<UserPage> {
      for (;;) {
        fill();
        // the head stays queued while it is awaited: it is one of the requests open
        const head = queue[0];
        if (!head) return (await byCursor()).page;
        // an offset Clerk refuses (4xx) is a guess that missed too, and offsets are not tried again
        const answer = await head.users.catch((err: unknown) => {
          if (isClientError(err)) return null;
          throw err;
        });
        if (queue[0] === head) queue.shift();
        const users = answer && after(answer, head.offset);
        if (answer === null || users === null) {
          // the guess missed: ask by cursor, and guess again from where that answer and this one overlap
          drop();
          next = null;
          const exact = await byCursor();
          const at = new Map(exact.answer.map((u, i) => [u.id, i]));
          const shared = answer?.findIndex((u) => at.has(u.id)) ?? -1;
          next =
            answer === null || shared === -1 || ended
              ? null
              : Math.max(0, head.offset + shared + (exact.answer.length - 1 - at.get(answer[shared]!.id)!) - overlap);
          return exact.page;
        }
        // nothing new here (the list grew in front of the cursor): the next request carries on from it
        if (users.length === 0 && answer.length === size) continue;
        return accept(users, answer);
      }
    },
    /** Forget what is in flight (the budget still runs what it already started). */
    close() {
      ended = true;
      drop();
    },
  };
}

export type UserPager = ReturnType<typeof createUserPager>;
