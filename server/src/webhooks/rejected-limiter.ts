// A budget of refused webhook requests per source: anyone who can reach the URL can send unsigned requests, and
// each costs a delivery-log row. Past the budget a source's refused requests are answered 429 without a row
// until its minute is over. Only requests whose signature did not verify are counted, and the count is taken
// after the check, so a correctly signed delivery is never refused by it (the HMAC is the cheap part; the row,
// the hash and the log line are what this saves).
//
// With REDIS_URL the counts live in Redis, shared by every instance; should Redis fail, each instance counts in
// memory meanwhile (rate-limiter-flexible's insurance limiter).
import { isIP } from 'node:net';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisClient } from '../lib/redis.ts';
import type { Logger } from '../lib/logger.ts';

const WINDOW_SECONDS = 60;

export type RejectedVerdict =
  | { allowed: true }
  /** `first`: the first refusal of this source in its window (one summary row is written for it) */
  | { allowed: false; retryAfterSeconds: number; first: boolean };

export interface RejectedLimiter {
  /** the refused-request budget per source and minute */
  readonly perMinute: number;
  /** Counts one refused request from `source` (see sourceKey); never throws. */
  take(source: string): Promise<RejectedVerdict>;
}

/**
 * The key a source is counted under: an IPv4 address, or an IPv6 address's /64 (one host usually holds a whole
 * /64, so counting single IPv6 addresses would let it rotate through 2^64 of them).
 */
export function sourceKey(ip: string): string {
  const v4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1]!;
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function createRejectedLimiter(opts: {
  perMinute: number;
  redis?: { client: RedisClient; prefix: string };
  logger: Logger;
}): RejectedLimiter {
  const base = { keyPrefix: 'webhook_rejected', points: opts.perMinute, duration: WINDOW_SECONDS };
  const limiter: RateLimiterAbstract = opts.redis
    ? new RateLimiterRedis({
        ...base,
        keyPrefix: `${opts.redis.prefix}:webhook_rejected`,
        storeClient: opts.redis.client,
        useRedisPackage: true,
        insuranceLimiter: new RateLimiterMemory(base),
      })
    : new RateLimiterMemory(base);

  return {
    perMinute: opts.perMinute,
    async take(source) {
      try {
        await limiter.consume(sourceKey(source));
        return { allowed: true };
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          return {
            allowed: false,
            retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)),
            first: err.consumedPoints === opts.perMinute + 1,
          };
        }
        // Counting failed (both stores): log the request as before rather than refusing it unseen.
        opts.logger.warn({ err }, 'webhook rejected-request limiter unavailable');
        return { allowed: true };
      }
    },
  };
}
