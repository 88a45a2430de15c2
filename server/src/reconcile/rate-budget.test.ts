import { describe, expect, it } from 'vitest';
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

  it('runs one request at a time, in order', async () => {
    const b = createRateBudget({ requestsPerWindow: 1000, share: 1, windowMs: 100 });
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const fake = {
      getUser: async (id: string) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 2));
        order.push(id);
        inFlight--;
        return null;
      },
    } as unknown as Parameters<typeof b.wrap>[0];
    const client = b.wrap(fake);
    await Promise.all(['a', 'b', 'c'].map((id) => client.getUser(id)));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(maxInFlight).toBe(1);
  });
});

describe('reconcile settings', () => {
  const base = { NODE_ENV: 'test' };
  it('defaults: a development instance, half of it, no schedule, full pages', () => {
    expect(parseConfig(base).reconcile).toEqual({ rateLimit: 100, budgetShare: 0.5, intervalMs: null, pageSize: 500 });
  });

  it('reads a schedule and a budget', () => {
    const c = parseConfig({ ...base, RECONCILE_INTERVAL: '15m', RECONCILE_RATE_LIMIT: '1000', RECONCILE_BUDGET_SHARE: '0.25' });
    expect(c.reconcile).toMatchObject({ intervalMs: 900_000, rateLimit: 1000, budgetShare: 0.25 });
    expect(parseConfig({ ...base, RECONCILE_INTERVAL: 'off' }).reconcile.intervalMs).toBeNull();
  });

  it('names every wrong value', () => {
    try {
      parseConfig({ ...base, RECONCILE_INTERVAL: 'sometimes', RECONCILE_BUDGET_SHARE: '2', RECONCILE_RATE_LIMIT: 'lots' });
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
