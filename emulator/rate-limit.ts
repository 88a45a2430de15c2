// The SERVER side of Clerk's Backend API rate limit: a fixed window per secret key (Clerk: 100 requests / 10 s
// for development instances, 1000 for production — https://clerk.com/docs/guides/how-clerk-works/system-limits).
// Over the limit Clerk answers 429 with Retry-After in seconds; we do the same so clients can be tested against it.
export interface RateLimit {
  requests: number;
  windowMs: number;
}

export const DEV_INSTANCE_RATE_LIMIT: RateLimit = { requests: 100, windowMs: 10_000 };
export const PRODUCTION_INSTANCE_RATE_LIMIT: RateLimit = { requests: 1000, windowMs: 10_000 };

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  take(key: string): RateDecision;
  get(): RateLimit | null;
  set(limit: RateLimit | null): void;
}

export function createRateLimiter(initial: RateLimit | null, now: () => number = Date.now): RateLimiter {
  let limit = initial;
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(key) {
      if (!limit) return { ok: true, remaining: Infinity };
      const t = now();
      let w = windows.get(key);
      if (!w || t - w.start >= limit.windowMs) {
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      if (w.count >= limit.requests) {
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((w.start + limit.windowMs - t) / 1000)) };
      }
      w.count++;
      return { ok: true, remaining: limit.requests - w.count };
    },
    get: () => limit,
    set(next) {
      limit = next;
      windows.clear();
    },
  };
}
