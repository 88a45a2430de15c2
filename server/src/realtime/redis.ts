// Several instances behind a load balancer share one Redis: Socket.IO's Redis adapter relays every emit to
// the dashboards connected to the other instances (https://socket.io/docs/v4/redis-adapter/), and the
// sign-in limiter counts failures across instances (auth/login-limiter.ts).
import { createClient } from 'redis';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server } from 'socket.io';
import type { Logger } from '../lib/logger.ts';

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

export function attachRedisAdapter(io: Server, redis: RedisConnection, prefix: string): void {
  io.adapter(createAdapter(redis.pub, redis.sub, { key: prefix }));
}
