import { describe, expect, it, vi } from 'vitest';
import { createRateBudget } from './rate-budget.ts';
import { parseConfig, ConfigError } from '../config.ts';

describe('rate budget', () => {
  it('spaces requests evenly: half of a development instance is 50 per 10 s, one every 210 ms', () => {
    const b = createRateBudget({ requestsPerWindow: 100, share: 0.5 });
    expect(b.perWindow).toBe(50);
    expect(b.minTimeMs).toBe(210); // 200 ms + 5 % for network jitter
    expect(b.minimumMs(11)).toBe(2_100);
  });

  it('never gives less than one request per window', () => {
    expect(createRateBudget({ requestsPerWindow: 1, share: 0.1 }).perWindow).toBe(1);
  });

  // Bottleneck's clock is Date.now and setTimeout: under fake timers, starts are exact instants. It spaces
  // the launches of jobs; a job's function runs a tick after its launch, so two calls can be 1 ms closer
  // than minTime (the 5 % margin covers that: ≥ 1 ms at the shortest spacing, 21 ms).
  const spacedAtLeast = (starts: { at: number }[], ms: number) => {
    const gaps = starts.slice(1).map((s, i) => s.at - starts[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(ms - 1);
  };
  /** advances one spacing at a time, so that every timer's follow-ups run before the next */
  const elapse = async (ms: number, step: number) => {
    for (let t = 0; t < ms; t += step) await vi.advanceTimersByTimeAsync(step);
  };
  function fakeClerk() {
    const starts: { id: string; at: number }[] = [];
    const open = new Set<string>();
    const answers: (() => void)[] = [];
    let mostOpen = 0;
    const client = {
      getUser: (id: string) => {
        starts.push({ id, at: Date.now() });
        open.add(id);
        mostOpen = Math.max(mostOpen, open.size);
        return new Promise<null>((resolve) =>
          answers.push(() => {
            open.delete(id);
            resolve(null);
          }),
        );
      },
    } as unknown as Parameters<ReturnType<typeof createRateBudget>['wrap']>[0];
    return { client, starts, answerAll: () => answers.splice(0).forEach((a) => a()), mostOpen: () => mostOpen };
  }

  it('starts requests in order, one per spacing, with several open at once', async () => {
    vi.useFakeTimers();
    try {
      const b = createRateBudget({ requestsPerWindow: 10, share: 1, windowMs: 1_000 });
      const clerk = fakeClerk();
      const client = b.wrap(clerk.client);
      const done = ['a', 'b', 'c', 'd', 'e'].map((id) => client.getUser(id));
      await elapse(b.minTimeMs * 5, b.minTimeMs);
      expect(clerk.starts.map((s) => s.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
      spacedAtLeast(clerk.starts, b.minTimeMs);
      // none answered yet, all open: Clerk's latency does not hold the next start back
      expect(clerk.mostOpen()).toBe(5);
      clerk.answerAll();
      await elapse(b.minTimeMs, b.minTimeMs);
      await Promise.all(done);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never opens more than maxInFlight, and keeps the spacing for requests made ahead', async () => {
    vi.useFakeTimers();
    try {
      const b = createRateBudget({ requestsPerWindow: 10, share: 1, windowMs: 1_000, maxInFlight: 3 });
      const clerk = fakeClerk();
      const ahead = b.wrap(clerk.client, { ahead: true });
      const done = Array.from({ length: 6 }, (_, i) => ahead.getUser(`p${i}`));
      await elapse(b.minTimeMs * 10, b.minTimeMs);
      expect(clerk.starts).toHaveLength(3);
      clerk.answerAll();
      await elapse(b.minTimeMs * 10, b.minTimeMs);
      clerk.answerAll();
      await elapse(b.minTimeMs, b.minTimeMs);
      await Promise.all(done);
      expect(clerk.starts.map((s) => s.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
      expect(clerk.mostOpen()).toBe(3);
      spacedAtLeast(clerk.starts, b.minTimeMs);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not queue a request something waits on behind the pages requested ahead', async () => {
    vi.useFakeTimers();
    try {
      const b = createRateBudget({ requestsPerWindow: 10, share: 1, windowMs: 1_000 });
      const clerk = fakeClerk();
      const ahead = b.wrap(clerk.client, { ahead: true });
      const needed = b.wrap(clerk.client);
      const done = Array.from({ length: 8 }, (_, i) => ahead.getUser(`page${i}`));
      done.push(needed.getUser('needed'));
      await elapse(b.minTimeMs * 12, b.minTimeMs);
      const order = clerk.starts.map((s) => s.id);
      expect(order).toHaveLength(9);
      // at most the two pages already holding a start go first
      expect(order.indexOf('needed')).toBeLessThanOrEqual(2);
      clerk.answerAll();
      await elapse(b.minTimeMs, b.minTimeMs);
      await Promise.all(done);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('rate budget: lists walked page by page', () => {
  it('a whole organization list spends one slot per page, not one per list', async () => {
    vi.useFakeTimers();
    try {
      const b = createRateBudget({ requestsPerWindow: 10, share: 1, windowMs: 1_000 });
      const starts: { offset: number; at: number }[] = [];
      const full = Array.from({ length: 500 }, (_, i) => ({ id: `orgmem_${i}` }));
      // three pages: two full ones and a short one
      const client = {
        organizationMembershipsPage: async (_id: string, offset: number) => {
          starts.push({ offset, at: Date.now() });
          const data = offset < 1000 ? full.map((m) => ({ id: `${m.id}_${offset}` })) : [{ id: 'last' }];
          return { data, total_count: 1001 };
        },
      } as unknown as Parameters<ReturnType<typeof createRateBudget>['wrap']>[0];
      const done = b.wrap(client).listOrganizationMemberships('org_1');
      for (let t = 0; t < b.minTimeMs * 4; t += b.minTimeMs) await vi.advanceTimersByTimeAsync(b.minTimeMs);
      expect((await done)?.length).toBe(1001);
      expect(starts.map((s) => s.offset)).toEqual([0, 500, 1000]);
      const gaps = starts.slice(1).map((s, i) => s.at - starts[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(b.minTimeMs - 1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('rate budget: the instance-wide membership list', () => {
  it('takes one slot per page, each page spaced like any request', async () => {
    vi.useFakeTimers();
    try {
      const b = createRateBudget({ requestsPerWindow: 10, share: 1, windowMs: 1_000 });
      const starts: { offset: number; limit: number | undefined; at: number }[] = [];
      const client = {
        allOrganizationMembershipsPage: async (offset: number, limit?: number) => {
          starts.push({ offset, limit, at: Date.now() });
          return { data: [], total_count: 0 };
        },
      } as unknown as Parameters<ReturnType<typeof createRateBudget>['wrap']>[0];
      const wrapped = b.wrap(client);
      const done = Promise.all([0, 500, 1000].map((offset) => wrapped.allOrganizationMembershipsPage(offset, 500)));
      for (let t = 0; t < b.minTimeMs * 4; t += b.minTimeMs) await vi.advanceTimersByTimeAsync(b.minTimeMs);
      await done;
      expect(starts.map((s) => [s.offset, s.limit])).toEqual([
        [0, 500],
        [500, 500],
        [1000, 500],
      ]);
      const gaps = starts.slice(1).map((s, i) => s.at - starts[i]!.at);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(b.minTimeMs - 1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('reconcile settings', () => {
  const base = { NODE_ENV: 'test' };
  it('defaults: a development instance, half of it, no schedule, full pages', () => {
    expect(parseConfig(base).reconcile).toEqual({ rateLimit: 100, budgetShare: 0.5, intervalMs: null, pageSize: 500 });
  });

  it('reads a schedule and a budget', () => {
    const c = parseConfig({
      ...base,
      RECONCILE_INTERVAL: '15m',
      RECONCILE_RATE_LIMIT: '1000',
      RECONCILE_BUDGET_SHARE: '0.25',
    });
    expect(c.reconcile).toMatchObject({ intervalMs: 900_000, rateLimit: 1000, budgetShare: 0.25 });
    expect(parseConfig({ ...base, RECONCILE_INTERVAL: 'off' }).reconcile.intervalMs).toBeNull();
  });

  it('names every wrong value', () => {
    try {
      parseConfig({
        ...base,
        RECONCILE_INTERVAL: 'sometimes',
        RECONCILE_BUDGET_SHARE: '2',
        RECONCILE_RATE_LIMIT: 'lots',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/RECONCILE_INTERVAL: must be off or a duration like 30s, 15m/);
      expect(problems).toMatch(/RECONCILE_BUDGET_SHARE: must be at most 1/);
      expect(problems).toMatch(/RECONCILE_RATE_LIMIT: must be a number of requests per 10 s/);
    }
    expect(() => parseConfig({ ...base, RECONCILE_INTERVAL: '30s' })).toThrow(/at least 1m/);
  });
});
