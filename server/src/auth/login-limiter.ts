// Brute-force protection for sign-in (ADR 007): attempts are counted per IP (any email: a rate limit) and per
// account — per email for an unknown client (a lockout), or per device and email for a client holding a device
// cookie for that email (device-cookie.ts), so a stranger's guesses cannot lock out an operator's own browser.
//
// An attempt is reserved *before* the password is checked: an atomic consume() in memory or in Redis, so of N
// guesses sent at once only the limit's worth reach bcrypt and the rest are refused (429). A right password
// gives the IP its point back and clears the account's failures; a wrong one keeps them.
//
// With REDIS_URL the counts live in Redis, shared by every instance (N instances must not mean N times the
// guesses); should Redis fail, each instance counts in memory meanwhile (rate-limiter-flexible's insurance
// limiter) rather than letting sign-in through unlimited or refusing it.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../lib/errors.ts';
import type { RedisClient } from '../lib/redis.ts';

export interface LoginLimits {
  /** failed attempts for one email from unknown clients before the email is locked for them */
  maxFailuresPerEmail: number;
  /** failed (or refused) attempts from one IP within the window before it is blocked */
  maxFailuresPerIp: number;
  /**
   * failed attempts of one trusted device (device cookie) for its email before that device is locked too;
   * stricter than the email's limit (default 3, at most maxFailuresPerEmail)
   */
  maxFailuresPerDevice?: number;
  windowSeconds: number;
  /** how long a lock or block lasts */
  blockSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  maxFailuresPerEmail: 5,
  maxFailuresPerIp: 30,
  maxFailuresPerDevice: 3,
  windowSeconds: 15 * 60,
  blockSeconds: 15 * 60,
};

export interface SharedCounts {
  redis: RedisClient;
  /** key prefix, e.g. REDIS_CHANNEL_PREFIX: deployments sharing one Redis keep their own counts */
  prefix: string;
}

/** One sign-in attempt whose points are reserved: report how the password check went. */
export interface LoginAttempt {
  /** right password: the IP gets its point back, the account's failures are cleared */
  succeeded(): Promise<void>;
  /** wrong password (or unknown, disabled operator): the points stay; reaching a limit starts its block */
  failed(): Promise<void>;
  /** the check itself could not run (e.g. the database is down): both points are given back */
  released(): Promise<void>;
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
  const maxPerDevice = Math.min(limits.maxFailuresPerDevice ?? 3, limits.maxFailuresPerEmail);
  const byEmail = limiter('login_email', limits.maxFailuresPerEmail);
  const byDevice = limiter('login_device', maxPerDevice);
  const byIp = limiter('login_ip', limits.maxFailuresPerIp);

  const tooMany = (msBeforeNext: number) => {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    return new AppError(
      'too_many_attempts',
      429,
      `Too many failed sign-ins. Try again in ${Math.ceil(seconds / 60)} minute(s).`,
      {
        headers: { 'Retry-After': String(seconds) },
      },
    );
  };

  /** Takes one point, atomically; over the limit (or blocked) it is a 429 and the password is never checked. */
  const reserve = async (l: RateLimiterAbstract, key: string): Promise<RateLimiterRes> => {
    try {
      return await l.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw tooMany(err.msBeforeNext);
      throw err;
    }
  };

  // The failure that reaches the limit starts the block (blockSeconds from now, not the window's end).
  const blockAt = async (l: RateLimiterAbstract, key: string, res: RateLimiterRes, max: number) => {
    if (res.consumedPoints < max) return;
    try {
      await l.block(key, limits.blockSeconds);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
    }
  };

  return {
    /**
     * Reserves an attempt for `email` from `ip` before its password is checked; throws 429 when the IP is
     * blocked or the account locked. `deviceId`: the client's verified device cookie for this email, whose
     * budget is its own (the email's lockout does not apply to it).
     */
    async begin(email: string, ip: string, deviceId: string | null = null): Promise<LoginAttempt> {
      const account = deviceId
        ? { limiter: byDevice, key: `${deviceId}:${email}`, max: maxPerDevice }
        : { limiter: byEmail, key: email, max: limits.maxFailuresPerEmail };
      // The IP first: a refused attempt still counts against the IP that made it.
      const ipRes = await reserve(byIp, ip);
      const accountRes = await reserve(account.limiter, account.key);
      return {
        async succeeded() {
          await Promise.all([byIp.reward(ip), account.limiter.delete(account.key)]);
        },
        async failed() {
          await Promise.all([
            blockAt(account.limiter, account.key, accountRes, account.max),
            blockAt(byIp, ip, ipRes, limits.maxFailuresPerIp),
          ]);
        },
        async released() {
          await Promise.all([byIp.reward(ip), account.limiter.reward(account.key)]);
        },
      };
    },
  };
}

export type LoginLimiter = ReturnType<typeof createLoginLimiter>;
