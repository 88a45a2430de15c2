// The sign-in limiter with REDIS_URL: counts shared by every instance, and a Redis outage falls back to
// per-instance counting instead of unlimited guessing. Needs Redis at 127.0.0.1:6379 (fails loudly without).
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoginLimiter } from './login-limiter.ts';
import type { RedisClient } from '../lib/redis.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const limits = { maxFailuresPerEmail: 3, maxFailuresPerIp: 50, windowSeconds: 60, blockSeconds: 120 };

async function connected(): Promise<RedisClient> {
  const c = createClient({ url: REDIS_URL, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (err) {
    throw new Error(`Redis is required for this test at ${REDIS_URL} (${(err as Error).message}); start redis-server or set TEST_REDIS_URL.`);
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
    await one.failed('shared@x', '10.0.0.1');
    await two.failed('shared@x', '10.0.0.2');
    await expect(one.check('shared@x', '10.0.0.3')).resolves.toBeUndefined();
    await one.failed('shared@x', '10.0.0.3');
    // the third failure overall locks the email on both instances
    for (const l of [one, two]) await expect(l.check('shared@x', '10.0.0.4')).rejects.toMatchObject({ status: 429, code: 'too_many_attempts' });
    await expect(two.check('other@x', '10.0.0.4')).resolves.toBeUndefined();
  });

  it('keeps limiting in memory while Redis is unreachable', async () => {
    const gone = await connected();
    gone.destroy(); // every command now fails
    const l = createLoginLimiter(limits, { redis: gone, prefix });
    for (let i = 0; i < 3; i++) {
      await expect(l.check('outage@x', '10.0.0.5')).resolves.toBeUndefined();
      await l.failed('outage@x', '10.0.0.5');
    }
    await expect(l.check('outage@x', '10.0.0.5')).rejects.toMatchObject({ status: 429 });
  });
});
