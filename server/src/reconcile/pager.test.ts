// The pager's one promise: the same pages cursor paging gives — every user Clerk holds throughout the run
// exactly once, in Clerk's order — however Clerk's list moves between its requests, while several requests
// are in flight. Checked against an in-memory Clerk that deletes, imports and signs users up between and
// during requests, with seeded randomness (and answers that arrive in a different order than asked).
import { describe, expect, it } from 'vitest';
import type { ClerkClient, ListUsersParams } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import { ClerkApiError } from '../clerk/clerk-client.ts';
import { createUserPager, type PagerOptions } from './pager.ts';

type U = { id: string; created_at: number };

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

/** Clerk's list in +created_at order (ties in insertion order), answering after a random number of turns. */
function fakeClerk(size: number, rnd: () => number, opts: { beforeServe?: () => void; refuseOffsets?: boolean } = {}) {
  let n = 0;
  const list: U[] = Array.from({ length: size }, (_, i) => ({ id: `user_${String(n++).padStart(6, '0')}`, created_at: 1_000 + i * 2 }));
  const calls: ListUsersParams[] = [];
  const later = async <T,>(answer: () => T): Promise<T> => {
    for (let i = Math.floor(rnd() * 3); i > 0; i--) await new Promise((r) => setImmediate(r));
    opts.beforeServe?.();
    return answer();
  };
  const client = {
    listUsers: (p: ListUsersParams) => {
      calls.push(p);
      return later(() => {
        if (p.offset !== undefined && opts.refuseOffsets) throw new ClerkApiError(422, 'form_param_value_invalid', 'offset is invalid', undefined);
        if (p.userIds) return list.filter((u) => p.userIds!.includes(u.id));
        if (p.startingAfter) {
          const i = list.findIndex((u) => u.id === p.startingAfter);
          return i === -1 ? [] : list.slice(i + 1, i + 1 + p.limit!);
        }
        return list.slice(p.offset ?? 0, (p.offset ?? 0) + p.limit!);
      });
    },
    getUser: (id: string) => later(() => list.find((u) => u.id === id) ?? null),
    countUsers: async () => list.length,
    listSessions: async () => [],
  } as unknown as ClerkClient;
  return {
    client,
    calls,
    list,
    remove(index: number) {
      return list.splice(index, 1)[0]!;
    },
    /** a user placed at `index` with a created_at between its neighbours' (an import), or at the end (a sign-up) */
    insert(index: number) {
      const before = list[index - 1]?.created_at ?? 0;
      const after = list[index]?.created_at ?? before + 2;
      const u = { id: `user_${String(n++).padStart(6, '0')}x`, created_at: index >= list.length ? before + 2 : before + (after - before) / 2 };
      list.splice(index, 0, u);
      return u;
    },
  };
}

async function pageAll(client: ClerkClient, o: Partial<PagerOptions> & { pageSize: number; total: number }) {
  const pager = createUserPager({ ahead: client, now: client }, { ahead: 4, cursor: null, anchors: [], position: 0, ...o });
  const pages: ClerkUserJson[][] = [];
  for (;;) {
    const page = await pager.next();
    pages.push(page.users);
    if (!page.full || !page.last) break;
  }
  pager.close();
  return pages;
}

/** every user present from start to end exactly once and in order; nobody twice */
function expectExact(pages: ClerkUserJson[][], initial: U[], gone: Set<string>) {
  const seen = pages.flat().map((u) => u.id);
  expect(new Set(seen).size).toBe(seen.length);
  const stable = initial.filter((u) => !gone.has(u.id)).map((u) => u.id);
  const stableSet = new Set(stable);
  expect(seen.filter((id) => stableSet.has(id))).toEqual(stable);
}

describe('user pager', () => {
  it('returns every user once, in order, with requests ahead by offset', async () => {
    const clerk = fakeClerk(1_234, random(1));
    const initial = [...clerk.list];
    const pages = await pageAll(clerk.client, { pageSize: 50, total: initial.length });
    expectExact(pages, initial, new Set());
    expect(clerk.calls.filter((c) => c.offset !== undefined).length).toBeGreaterThan(20);
    expect(clerk.calls.every((c) => !c.startingAfter)).toBe(true);
  });

  it('stays exact while Clerk deletes, imports and signs users up between and during its requests', async () => {
    let byCursor = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = random(seed);
      const gone = new Set<string>();
      let clerk: ReturnType<typeof fakeClerk> | undefined = undefined;
      const churn = () => {
        if (!clerk || rnd() > 0.3) return;
        const list = clerk.list;
        const r = rnd();
        // mostly one change at a time, sometimes a burst larger than the requests' overlap
        const n = r < 0.05 ? 1 + Math.floor(rnd() * 30) : 1;
        for (let i = 0; i < n; i++) {
          const k = rnd();
          if (k < 0.5 && list.length > 1) gone.add(clerk.remove(Math.floor(rnd() * list.length)).id);
          else if (k < 0.75) clerk.insert(Math.floor(rnd() * list.length));
          else clerk.insert(list.length);
        }
      };
      clerk = fakeClerk(600 + Math.floor(rnd() * 400), rnd, { beforeServe: churn });
      const initial = [...clerk.list];
      const pages = await pageAll(clerk.client, { pageSize: 40, total: initial.length, ahead: 1 + Math.floor(rnd() * 6) });
      expectExact(pages, initial, gone);
      byCursor += clerk.calls.filter((c) => c.startingAfter).length;
    }
    // the bursts moved the list further than the overlap: some answers missed and were asked for by cursor
    expect(byCursor).toBeGreaterThan(0);
  });

  it('carries on when the last user of an answer is deleted before the next one', async () => {
    let clerk: ReturnType<typeof fakeClerk> | undefined = undefined;
    const gone = new Set<string>();
    let served = 0;
    clerk = fakeClerk(500, random(7), {
      beforeServe: () => {
        // before every third answer: the user the previous answer ended with (where the next page continues)
        if (++served % 3 !== 0) return;
        const last = clerk!.calls.at(-2);
        if (last?.offset === undefined) return;
        const i = Math.min(last.offset + 39, clerk!.list.length - 1);
        gone.add(clerk!.remove(i).id);
      },
    });
    const initial = [...clerk.list];
    expectExact(await pageAll(clerk.client, { pageSize: 40, total: initial.length, ahead: 1 }), initial, gone);
    expect(gone.size).toBeGreaterThan(2);
  });

  it('resumes after a cursor whose position it guesses wrong', async () => {
    for (const deletedBefore of [1, 30, 150]) {
      const clerk = fakeClerk(1_000, random(deletedBefore));
      const initial = [...clerk.list];
      const done = initial.slice(0, 301);
      // while the run was paused after user 300, users before it were deleted: its guess (300) is off
      const gone = new Set(clerk.list.splice(100, deletedBefore).map((u) => u.id));
      const pages = await pageAll(clerk.client, { pageSize: 50, total: clerk.list.length, cursor: done.at(-1)!.id, anchors: done.slice(-20).map((u) => u.id), position: 300 });
      expectExact([done as unknown as ClerkUserJson[], ...pages], initial, gone);
      const offsets = clerk.calls.filter((c) => c.offset !== undefined).length;
      // within a page of the guess it finds its way back to requests ahead; beyond, it goes by cursor
      if (deletedBefore < 50) expect(offsets).toBeGreaterThan(10);
      else expect(clerk.calls.filter((c) => c.startingAfter).length).toBeGreaterThan(10);
    }
  });

  it('goes by cursor when pages are small or Clerk refuses offsets', async () => {
    const small = fakeClerk(200, random(4));
    expectExact(await pageAll(small.client, { pageSize: 10, total: 200 }), [...small.list], new Set());
    expect(small.calls.every((c) => c.offset === undefined)).toBe(true);

    const refusing = fakeClerk(300, random(5), { refuseOffsets: true });
    const initial = [...refusing.list];
    expectExact(await pageAll(refusing.client, { pageSize: 50, total: 300 }), initial, new Set());
    expect(refusing.calls.filter((c) => c.offset !== undefined && c.offset > 0).length).toBeLessThanOrEqual(4);
  });

  it('keeps no more than `ahead` requests unanswered', async () => {
    let open = 0;
    let most = 0;
    const clerk = fakeClerk(2_000, random(6));
    const counting = {
      ...clerk.client,
      listUsers: async (p: ListUsersParams) => {
        open++;
        most = Math.max(most, open);
        try {
          return await clerk.client.listUsers(p);
        } finally {
          open--;
        }
      },
    } as ClerkClient;
    const initial = [...clerk.list];
    expectExact(await pageAll(counting, { pageSize: 100, total: 2_000, ahead: 3 }), initial, new Set());
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  });
});
