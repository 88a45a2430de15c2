// Brute-force protection for sign-in (ADR 007): failures are counted per email (any IP: a lockout) and
// per IP (any email: a rate limit). With REDIS_URL the counts live in Redis, shared by every instance (N
// instances must not mean N times the guesses); should Redis fail, each instance counts in memory meanwhile
// (rate-limiter-flexible's insurance limiter) rather than letting sign-in through unlimited or refusing it.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../lib/errors.ts';
import type { RedisClient } from '../lib/redis.ts';

export interface LoginLimits {
  /** consecutive failures for one email before it is locked */
  maxFailuresPerEmail: number;
  /** failures from one IP within the window before it is blocked */
  maxFailuresPerIp: number;
  windowSeconds: number;
  /** how long a lock or block lasts */
  blockSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { maxFailuresPerEmail: 5, maxFailuresPerIp: 30, windowSeconds: 15 * 60, blockSeconds: 15 * 60 };

export interface SharedCounts {
  redis: RedisClient;
  /** key prefix, e.g. REDIS_CHANNEL_PREFIX: deployments sharing one Redis keep their own counts */
  prefix: string;
}

export function createLoginLimiter(limits: LoginLimits = DEFAULT_LOGIN_LIMITS, shared?: SharedCounts) {
  const limiter = (name: string, points: number): RateLimiterAbstract => {
    const opts = { keyPrefix: name, points, duration: limits.windowSeconds, blockDuration: limits.blockSeconds };
    if (!shared) return new RateLimiterMemory(opts);
    return new RateLimiterRedis({
      ...opts,
      keyPrefix: `${shared.prefix}:${name}`,
      storeClient: shared.redis,
      useRedisPackage: true,
      insuranceLimiter: new RateLimiterMemory(opts),
    });
  };
  const byEmail = limiter('login_email', limits.maxFailuresPerEmail);
  const byIp = limiter('login_ip', limits.maxFailuresPerIp);

  // The failure that reaches the limit starts the block (blockSeconds from now, not the window's end).
  const hit = async (limiter: RateLimiterAbstract, key: string, max: number) => {
    try {
      const r = await limiter.consume(key);
      if (r.consumedPoints >= max) await limiter.block(key, limits.blockSeconds);
    } catch (err) {
      ignoreLimit(err);
    }
  };

  const tooMany = (msBeforeNext: number) => {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return new AppError('too_many_attempts', 429, `Too many failed sign-ins. Try again in ${Math.ceil(seconds / 60)} minute(s).`, {
      headers: { 'Retry-After': String(seconds) },
    });
  };

  return {
    /** Throws 429 when the email is locked or the IP blocked (before the password is even checked). */
    async check(email: string, ip: string): Promise<void> {
      const [e, i] = await Promise.all([byEmail.get(email), byIp.get(ip)]);
      for (const r of [e, i]) {
        if (r && r.consumedPoints >= (r === e ? limits.maxFailuresPerEmail : limits.maxFailuresPerIp)) throw tooMany(r.msBeforeNext);
      }
    },
    async failed(email: string, ip: string): Promise<void> {
      await Promise.all([hit(byEmail, email, limits.maxFailuresPerEmail), hit(byIp, ip, limits.maxFailuresPerIp)]);
    },
    /** A success clears the email's consecutive failures (the IP's count stays: it spans emails). */
    async succeeded(email: string): Promise<void> {
      await byEmail.delete(email);
    },
  };
}

export type LoginLimiter = ReturnType<typeof createLoginLimiter>;

// consume() rejects with a RateLimiterRes once over the limit: that is the block starting, not an error.
function ignoreLimit(err: unknown) {
  if (!(err instanceof RateLimiterRes)) throw err;
}
