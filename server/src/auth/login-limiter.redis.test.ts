// The sign-in limiter with REDIS_URL: counts shared by every instance, and a Redis outage falls back to
// per-instance counting instead of unlimited guessing. Needs Redis at 127.0.0.1:6379 (fails loudly without).
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginLimiter, type LoginLimiter } from './login-limiter.ts';
import type { RedisClient } from '../lib/redis.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const limits = { maxFailuresPerEmail: 3, maxFailuresPerIp: 50, windowSeconds: 60, blockSeconds: 120 };
const fail = async (l: LoginLimiter, email: string, ip: string) => (await l.begin(email, ip)).failed();

async function connected(): Promise<RedisClient> {
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
}

describe('login limiter shared through Redis', () => {
  let a: RedisClient;
  let b: RedisClient;
  const prefix = `csm-test-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    [a, b] = await Promise.all([connected(), connected()]);
  });
  afterAll(async () => {
    const keys = await a.keys(`${prefix}:*`);
    if (keys.length) await a.del(keys);
    await Promise.allSettled([a.close(), b.close()]);
  });

  it('counts failures made on different instances together', async () => {
    const one = createLoginLimiter(limits, { redis: a, prefix });
    const two = createLoginLimiter(limits, { redis: b, prefix });
    await fail(one, 'shared@x', '10.0.0.1');
    await fail(two, 'shared@x', '10.0.0.2');
    const third = await one.begin('shared@x', '10.0.0.3');
    await third.failed();
    // the third failure overall locks the email on both instances
    for (const l of [one, two])
      await expect(l.begin('shared@x', '10.0.0.4')).rejects.toMatchObject({ status: 429, code: 'too_many_attempts' });
    await expect(two.begin('other@x', '10.0.0.4')).resolves.toBeDefined();
  });

  it('reserves atomically across instances: of 20 attempts at once on two instances, only the limit get through', async () => {
    const one = createLoginLimiter(limits, { redis: a, prefix });
    const two = createLoginLimiter(limits, { redis: b, prefix });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).begin('burst@x', `10.1.0.${i}`)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(17);
  });

  it('keeps limiting in memory while Redis is unreachable', async () => {
    const gone = await connected();
    gone.destroy(); // every command now fails
    const l = createLoginLimiter(limits, { redis: gone, prefix });
    for (let i = 0; i < 3; i++) await fail(l, 'outage@x', '10.0.0.5');
    await expect(l.begin('outage@x', '10.0.0.5')).rejects.toMatchObject({ status: 429 });
  });
});
