// The Redis connection several instances behind a load balancer share: Socket.IO's Redis adapter relays every
// emit through it (realtime/redis-adapter.ts), and the sign-in limiter counts failures in it (auth/login-limiter.ts).
import { createClient } from 'redis';
import type { Logger } from './logger.ts';

export type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnection {
  /** commands and publishing */
  pub: RedisClient;
  /** subscriptions (a subscribed connection takes no other commands) */
  sub: RedisClient;
  close(): Promise<void>;
}

export async function connectRedis(url: string, logger: Logger): Promise<RedisConnection> {
  const pub = createClient({ url });
  const sub = pub.duplicate();
  // Reconnects are automatic; log instead of crashing on a transient error.
  for (const c of [pub, sub]) c.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    pub.destroy();
    sub.destroy();
    throw new Error(`REDIS_URL is set but Redis is unreachable at ${url}: ${(err as Error).message}`);
  }
  return {
    pub,
    sub,
    close: async () => void (await Promise.allSettled([pub.close(), sub.close()])),
  };
}
