// Several instances behind a load balancer: Socket.IO's Redis adapter relays every emit to the dashboards
// connected to the other instances (https://socket.io/docs/v4/redis-adapter/).
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server } from 'socket.io';
import type { RedisConnection } from '../lib/redis.ts';

export function attachRedisAdapter(io: Server, redis: RedisConnection, prefix: string): void {
  io.adapter(createAdapter(redis.pub, redis.sub, { key: prefix }));
}
