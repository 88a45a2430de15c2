// The windows walk's promise: every user Clerk holds throughout the run listed exactly once — none dropped,
// none repeated — by cursor only, however Clerk's list moves between and during its requests, whether Clerk's
// created_at bounds are inclusive or exclusive, with many users in one millisecond at a window's bound, and
// when a cursor user is deleted (answered by an empty page, a 404 or a 422). Checked against an in-memory
// Clerk with seeded randomness (answers arrive in a different order than asked).
import { describe, expect, it } from 'vitest';
import type { ClerkClient, ListUsersParams } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import { ClerkApiError } from '../clerk/clerk-client.ts';
import {
  evenCuts,
  planWindows,
  takePage,
  walkWindows,
  windowCount,
  type WindowPage,
  type WindowState,
} from './windows.ts';

type U = { id: string; created_at: number; seq: number };
type Bounds = 'exclusive' | 'inclusive';
type DeletedCursor = 'empty' | 'not_found' | 'unprocessable';

function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Clerk's list in +created_at order (ties in insertion order), answering after a random number of turns.
 * `createdAts`: each user's created_at (repeats = users sharing a millisecond).
 */
function fakeClerk(
  createdAts: number[],
  rnd: () => number,
  opts: { bounds?: Bounds; deletedCursor?: DeletedCursor; beforeServe?: () => void } = {},
) {
  let n = 0;
  const list: U[] = [];
  const key = (u: U) => [u.created_at, u.seq] as const;
  const before = (a: readonly [number, number], b: readonly [number, number]) =>
    a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const add = (created_at: number) => {
    const u = { id: `user_${String(n).padStart(6, '0')}`, created_at, seq: n++ };
    const i = list.findIndex((x) => before(key(u), key(x)));
    list.splice(i === -1 ? list.length : i, 0, u);
    return u;
  };
  for (const c of createdAts) add(c);
  const deleted = new Map<string, U>();
  const calls: ListUsersParams[] = [];
  let open = 0;
  let mostOpen = 0;
  const later = async <T>(answer: () => T): Promise<T> => {
    open++;
    mostOpen = Math.max(mostOpen, open);
    try {
      for (let i = Math.floor(rnd() * 3); i > 0; i--) await new Promise((r) => setImmediate(r));
      opts.beforeServe?.();
      return answer();
    } finally {
      open--;
    }
  };
  const inclusive = opts.bounds === 'inclusive';
  const client = {
    listUsers: (p: ListUsersParams) => {
      calls.push(p);
      return later(() => {
        if (p.offset !== undefined) throw new Error('offset used');
        if (p.userIds) return list.filter((u) => p.userIds!.includes(u.id)) as unknown as ClerkUserJson[];
        const desc = p.orderBy === '-created_at';
        if (!desc && p.orderBy !== '+created_at') throw new Error(`order_by ${p.orderBy}`);
        let rows = list.filter(
          (u) =>
            (p.createdAtAfter === undefined ||
              (inclusive ? u.created_at >= p.createdAtAfter : u.created_at > p.createdAtAfter)) &&
            (p.createdAtBefore === undefined ||
              (inclusive ? u.created_at <= p.createdAtBefore : u.created_at < p.createdAtBefore)),
        );
        if (desc) rows = rows.reverse();
        if (p.startingAfter !== undefined) {
          const cursor = list.find((u) => u.id === p.startingAfter);
          if (!cursor) {
            if (opts.deletedCursor === 'not_found')
              throw new ClerkApiError(404, 'resource_not_found', 'not found', undefined);
            if (opts.deletedCursor === 'unprocessable')
              throw new ClerkApiError(422, 'form_param_value_invalid', 'starting_after is invalid', undefined);
            return [];
          }
          rows = rows.filter((u) => before(key(cursor), key(u)));
        }
        return rows.slice(0, p.limit) as unknown as ClerkUserJson[];
      });
    },
    getUser: (id: string) => later(() => (list.find((u) => u.id === id) ?? null) as unknown as ClerkUserJson | null),
  } as unknown as Pick<ClerkClient, 'listUsers' | 'getUser'>;
  return {
    client,
    calls,
    list,
    deleted,
    add,
    mostOpen: () => mostOpen,
    remove(u: U) {
      const i = list.indexOf(u);
      if (i !== -1) list.splice(i, 1);
      deleted.set(u.id, u);
    },
  };
}

/** Walks every window; the pages in the order they were taken. */
async function walkAll(
  clerk: Pick<ClerkClient, 'listUsers' | 'getUser'>,
  windows: WindowState[],
  o: { pageSize: number; parallel: number; held?: number },
) {
  const walk = walkWindows(windows, {
    list: clerk,
    check: clerk,
    pageSize: o.pageSize,
    parallel: o.parallel,
    held: o.held ?? 2,
  });
  const pages: WindowPage[] = [];
  for (let p = await walk.next(); p; p = await walk.next()) pages.push(p);
  await walk.close();
  return pages;
}

/** Every user present from start to end listed exactly once, in Clerk's order within its window; nobody twice. */
function expectExact(pages: WindowPage[], initial: U[], gone: Set<string>) {
  const seen = pages.flatMap((p) => p.users.map((u) => u.id));
  expect(new Set(seen).size).toBe(seen.length);
  const stable = new Set(initial.filter((u) => !gone.has(u.id)).map((u) => u.id));
  const listed = new Set(seen);
  expect([...stable].filter((id) => !listed.has(id))).toEqual([]);
  // each window's users ascending by created_at, and each inside its window
  const byWindow = new Map<number, ClerkUserJson[]>();
  for (const p of pages) byWindow.set(p.index, [...(byWindow.get(p.index) ?? []), ...p.users]);
  return byWindow;
}

/** created_at values with ties: `n` users over about n / perMs milliseconds. */
const tiedCreatedAts = (n: number, perMs: number, rnd: () => number) => {
  const out: number[] = [];
  for (let t = 1_000_000; out.length < n; t++)
    for (let k = Math.floor(rnd() * perMs * 2); k > 0 && out.length < n; k--) out.push(t);
  return out;
};

describe('windows planning', () => {
  it('cuts all of time into disjoint windows, open at both ends', () => {
    expect(planWindows([])).toEqual([
      { from: null, to: null, walkFrom: null, cursor: null, at: null, tied: [], done: false },
    ]);
    const w = planWindows([30, 10, 20, 20, Number.NaN]);
    expect(w.map((x) => [x.from, x.to])).toEqual([
      [null, 10],
      [10, 20],
      [20, 30],
      [30, null],
    ]);
    expect(evenCuts(100, 199, 4)).toEqual([125, 150, 175]);
    expect(evenCuts(100, 100, 4)).toEqual([]);
    const o = { pageSize: 500, pagesPerWindow: 16, parallel: 16 };
    expect(windowCount(0, o)).toBe(1);
    expect(windowCount(1_000_000, o)).toBe(32);
    expect(windowCount(100_000, o)).toBe(13);
    expect(windowCount(10_000, o)).toBe(2);
    expect(windowCount(10_000, { ...o, pagesPerWindow: 4 })).toBe(5);
  });

  it('asks one millisecond wider below and filters what is outside the window', () => {
    const w: WindowState = { ...planWindows([10, 20])[1]!, cursor: null };
    const u = (id: string, created_at: number) => ({ id, created_at }) as ClerkUserJson;
    // an inclusive Clerk: users at 9 (asked for besides) and at 20 (the next window's) come back too
    const page = takePage(w, 1, [u('a', 9), u('b', 10), u('c', 10), u('d', 15), u('e', 20)], 5);
    expect(page.users.map((x) => x.id)).toEqual(['b', 'c', 'd']);
    expect(page.next).toMatchObject({ cursor: 'e', at: 15, done: true, tied: [] });
    expect(page.local).toEqual({ from: new Date(10), to: new Date(20), exclude: [] });
    // a full page inside the window: the next page's local stretch starts at its newest millisecond
    const first = takePage(w, 1, [u('b', 10), u('c', 12), u('d', 12)], 3);
    expect(first.next).toMatchObject({ cursor: 'd', at: 12, tied: ['c', 'd'], done: false });
    expect(first.local).toEqual({ from: new Date(10), to: new Date(12), exclude: [] });
    const second = takePage(first.next, 1, [u('x', 12), u('y', 13)], 3);
    expect(second.local).toEqual({ from: new Date(12), to: new Date(20), exclude: ['c', 'd'] });
  });
});

describe('walking the windows', () => {
  it('lists every user once, by cursor only, with ties at the window bounds, for either bound semantics', async () => {
    for (const bounds of ['exclusive', 'inclusive'] as const) {
      const rnd = random(bounds === 'exclusive' ? 1 : 2);
      const clerk = fakeClerk(tiedCreatedAts(1_500, 6, rnd), rnd, { bounds });
      const initial = [...clerk.list];
      // cut right at milliseconds many users share
      const windows = planWindows(evenCuts(initial[0]!.created_at, initial.at(-1)!.created_at, 12));
      const pages = await walkAll(clerk.client, windows, { pageSize: 25, parallel: 4 });
      const byWindow = expectExact(pages, initial, new Set());
      for (const [i, users] of byWindow) {
        const { from, to } = windows[i]!;
        expect(users.every((u) => (from === null || u.created_at >= from) && (to === null || u.created_at < to))).toBe(
          true,
        );
        expect(users.map((u) => u.id)).toEqual(
          initial.filter((u) => users.some((x) => x.id === u.id)).map((u) => u.id),
        );
      }
      expect(clerk.calls.every((c) => c.offset === undefined && c.orderBy === '+created_at')).toBe(true);
      expect(clerk.calls.filter((c) => c.startingAfter).length).toBeGreaterThan(40);
      expect(clerk.mostOpen()).toBeGreaterThan(1);
      expect(clerk.mostOpen()).toBeLessThanOrEqual(4);
    }
  });

  it('stays exact while Clerk deletes (cursor users too), imports and signs users up under it', async () => {
    let restarts = 0;
    for (let seed = 1; seed <= 36; seed++) {
      const rnd = random(seed);
      const bounds: Bounds = seed % 2 ? 'exclusive' : 'inclusive';
      const deletedCursor: DeletedCursor = (['empty', 'not_found', 'unprocessable'] as const)[seed % 3]!;
      const gone = new Set<string>();
      let clerk: ReturnType<typeof fakeClerk> | undefined = undefined;
      const churn = () => {
        if (!clerk || rnd() > 0.4) return;
        const list = clerk.list;
        const k = rnd();
        if (k < 0.3 && list.length > 1) {
          // a user some window's walk just ended a page with: its cursor
          const cursors = clerk.calls.flatMap((c) => (c.startingAfter ? [c.startingAfter] : []));
          const pick =
            cursors.length && rnd() < 0.6
              ? list.find((u) => u.id === cursors[Math.floor(rnd() * cursors.length)])
              : undefined;
          const victim = pick ?? list[Math.floor(rnd() * list.length)]!;
          gone.add(victim.id);
          clerk.remove(victim);
        } else if (k < 0.6 && list.length > 0)
          clerk.add(list[Math.floor(rnd() * list.length)]!.created_at); // an import, tied with someone
        else if (k < 0.7) clerk.add((list.at(-1)?.created_at ?? 1_000_000) + 1); // a sign-up
      };
      clerk = fakeClerk(tiedCreatedAts(300 + Math.floor(rnd() * 300), 1 + rnd() * 5, rnd), rnd, {
        bounds,
        deletedCursor,
        beforeServe: churn,
      });
      const initial = [...clerk.list];
      const windows = planWindows(
        evenCuts(initial[0]!.created_at, initial.at(-1)!.created_at, 2 + Math.floor(rnd() * 8)),
      );
      const pages = await walkAll(clerk.client, windows, {
        pageSize: 10 + Math.floor(rnd() * 20),
        parallel: 1 + Math.floor(rnd() * 5),
      });
      expectExact(pages, initial, gone);
      // a walk's first request has no cursor; any other without one is a walk started again
      restarts += clerk.calls.filter((c) => !c.startingAfter && !c.userIds).length - windows.length;
    }
    // cursor users were deleted under the walk, and the walks started again from their last millisecond
    expect(restarts).toBeGreaterThan(10);
  });

  it('resumes a window from its stored state after its cursor user was deleted, skipping the ties it listed', async () => {
    for (const deletedCursor of ['empty', 'not_found', 'unprocessable'] as const) {
      // 40 users in one millisecond: the walk stopped in the middle of them
      const clerk = fakeClerk([...Array(5).fill(100), ...Array(40).fill(101), ...Array(5).fill(102)], random(3), {
        deletedCursor,
      });
      const initial = [...clerk.list];
      const [w] = planWindows([]);
      const first = takePage(w!, 0, initial.slice(0, 20) as unknown as ClerkUserJson[], 20);
      expect(first.next).toMatchObject({ at: 101, tied: initial.slice(5, 20).map((u) => u.id) });
      clerk.remove(initial[19]!);
      const pages = await walkAll(clerk.client, [first.next], { pageSize: 20, parallel: 1 });
      expectExact([first, ...pages], initial, new Set([initial[19]!.id]));
      // started again at 101 without the cursor
      expect(clerk.calls[0]).toMatchObject({ startingAfter: initial[19]!.id });
      expect(clerk.calls.find((c) => c.createdAtAfter === 100 && !c.startingAfter)).toBeDefined();
    }
  });

  it('fails with Clerk’s error when a page keeps failing, and stops the other windows', async () => {
    const clerk = fakeClerk(tiedCreatedAts(400, 2, random(9)), random(9));
    let served = 0;
    const failing = {
      ...clerk.client,
      listUsers: async (p: ListUsersParams) => {
        if (++served === 7) throw new Error('Clerk answered 504 request_timeout: The request took too long');
        return clerk.client.listUsers(p);
      },
    };
    const initial = [...clerk.list];
    const windows = planWindows(evenCuts(initial[0]!.created_at, initial.at(-1)!.created_at, 6));
    await expect(walkAll(failing, windows, { pageSize: 10, parallel: 3 })).rejects.toThrow(/504 request_timeout/);
    // nothing was asked after the failure but what was already open
    expect(served).toBeLessThanOrEqual(7 + 3);
  });

  it('holds no more pages than the walkers plus `held`, and only a few while the consumer is slow', async () => {
    const clerk = fakeClerk(tiedCreatedAts(4_000, 3, random(10)), random(10));
    const initial = [...clerk.list];
    const windows = planWindows(evenCuts(initial[0]!.created_at, initial.at(-1)!.created_at, 8));
    const walk = walkWindows(windows, { list: clerk.client, check: clerk.client, pageSize: 20, parallel: 6, held: 2 });
    const pages: WindowPage[] = [];
    /** pages asked for and not taken (besides the one just taken): at the start, and once the walk has settled */
    const outstanding = { start: 0, settled: 0 };
    for (let p = await walk.next(); p; p = await walk.next()) {
      pages.push(p);
      for (let i = 0; i < 8; i++) await new Promise((r) => setImmediate(r));
      const now = clerk.calls.length - pages.length;
      if (pages.length <= 20) outstanding.start = Math.max(outstanding.start, now);
      else outstanding.settled = Math.max(outstanding.settled, now);
    }
    await walk.close();
    expectExact(pages, initial, new Set());
    expect(pages.length).toBeGreaterThan(100);
    expect(outstanding.start).toBeGreaterThan(3);
    expect(outstanding.start).toBeLessThanOrEqual(6 + 2);
    // the local work is the slower: pages do not pile up, parsed, while they wait for it
    expect(outstanding.settled).toBeLessThanOrEqual(3);
  });

  it('keeps up to `parallel + held` requests open while the consumer waits for Clerk', async () => {
    const clerk = fakeClerk(tiedCreatedAts(3_000, 3, random(11)), random(11));
    const initial = [...clerk.list];
    const windows = planWindows(evenCuts(initial[0]!.created_at, initial.at(-1)!.created_at, 12));
    const pages = await walkAll(clerk.client, windows, { pageSize: 20, parallel: 6, held: 2 });
    expectExact(pages, initial, new Set());
    expect(clerk.mostOpen()).toBe(6);
  });
});
