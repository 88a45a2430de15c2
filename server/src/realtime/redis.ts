// Several instances behind a load balancer: Socket.IO's Redis adapter relays every emit to the dashboards
// connected to the other instances (https://socket.io/docs/v4/redis-adapter/).
import { createClient } from 'redis';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server } from 'socket.io';
import type { Logger } from '../lib/logger.ts';

export async function attachRedisAdapter(io: Server, opts: { url: string; prefix: string; logger: Logger }): Promise<() => Promise<void>> {
  const pub = createClient({ url: opts.url });
  const sub = pub.duplicate();
  // Reconnects are automatic; log instead of crashing on a transient error.
  for (const c of [pub, sub]) c.on('error', (err: Error) => opts.logger.warn({ err }, 'redis connection error'));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    pub.destroy();
    sub.destroy();
    throw new Error(`REDIS_URL is set but Redis is unreachable at ${opts.url}: ${(err as Error).message}`);
  }
  io.adapter(createAdapter(pub, sub, { key: opts.prefix }));
  return async () => {
    await Promise.allSettled([pub.close(), sub.close()]);
  };
}
