// The budget of refused webhook requests per source: in memory, shared through Redis, and what a source is.
// The Redis part needs Redis at 127.0.0.1:6379 (fails loudly without).
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisClient } from '../lib/redis.ts';
import { createRejectedLimiter, sourceKey, type RejectedLimiter } from './rejected-limiter.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });

async function takeN(l: RejectedLimiter, source: string, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await l.take(source));
  return out;
}

describe('sourceKey', () => {
  it('counts IPv4 (also IPv4-mapped) per address and IPv6 per /64', () => {
    expect(sourceKey('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('2001:0db8:0000:0001:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('not an address')).toBe('not an address');
  });
});

describe('rejected-request limiter in memory', () => {
  it('allows the budget, then refuses with a retry time; only the first refusal is marked first', async () => {
    const l = createRejectedLimiter({ perMinute: 3, logger });
    const verdicts = await takeN(l, '198.51.100.1', 6);
    expect(verdicts.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(verdicts.slice(3).map((v) => (v.allowed ? 'allowed' : v.first))).toEqual([true, false, false]);
    const refused = verdicts[3]!;
    expect(refused.allowed === false && refused.retryAfterSeconds).toBeGreaterThan(0);
    // another source has its own budget; another address in the same IPv6 /64 does not
    expect(await l.take('198.51.100.2')).toEqual({ allowed: true });
    const v6 = createRejectedLimiter({ perMinute: 1, logger });
    expect(await v6.take('2001:db8::1')).toEqual({ allowed: true });
    expect((await v6.take('2001:db8::2')).allowed).toBe(false);
  });
});

describe('rejected-request limiter shared through Redis', () => {
  let a: RedisClient;
  let b: RedisClient;
  const prefix = `csm-test-${randomBytes(4).toString('hex')}`;
  const connect = async () => {
    const c = createClient({ url: REDIS_URL, socket: { connectTimeout: 3000, reconnectStrategy: false } });
    c.on('error', () => {});
    try {
      await c.connect();
    } catch (err) {
      throw new Error(
        `Redis is required for this test at ${REDIS_URL} (${(err as Error).message}); start redis-server or set TEST_REDIS_URL.`,
      );
    }
    return c;
  };
  beforeAll(async () => {
    [a, b] = await Promise.all([connect(), connect()]);
  });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}:*`);
    if (keys.length) await a.del(keys);
    await Promise.allSettled([a.close(), b.close()]);
  });

  it('counts refusals on two instances together: one budget, one first refusal', async () => {
    const one = createRejectedLimiter({ perMinute: 4, redis: { client: a, prefix }, logger });
    const two = createRejectedLimiter({ perMinute: 4, redis: { client: b, prefix }, logger });
    const verdicts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).take('192.0.2.9')));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(4);
    expect(verdicts.filter((v) => !v.allowed && v.first)).toHaveLength(1);
  });

  it('keeps counting in memory while Redis is unreachable', async () => {
    const gone = await connect();
    gone.destroy();
    const l = createRejectedLimiter({ perMinute: 2, redis: { client: gone, prefix }, logger });
    const verdicts = await takeN(l, '192.0.2.10', 3);
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, false]);
  });
});
