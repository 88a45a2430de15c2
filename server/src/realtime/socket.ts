// Socket.IO on the HTTP server: cookie-authenticated, one room for operators, messages batched over a
// few ms so a burst of webhooks becomes a handful of frames. Catch-up on reconnect reads the database.
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { DeliverySummary, EventSummary, ResyncResult, UserSummary } from '../contract.ts';
import type { ClientToServerEvents, ServerToClientEvents } from './contract.ts';
import type { Publisher } from './publisher.ts';
import type { Services } from '../services.ts';
import { sessionToken } from '../auth/auth.middleware.ts';
import { toEventSummary } from '../events/events.repository.ts';
import { toDeliverySummary } from '../deliveries/deliveries.repository.ts';

export const OPERATORS_ROOM = 'operators';
const BATCH_MS = 16;
export const CATCH_UP_LIMIT = 1000;

type Io = Server<ClientToServerEvents, ServerToClientEvents>;

/**
 * A Publisher that queues until Socket.IO is attached, then emits batches. Created before the services
 * (which publish) and attached once the HTTP server exists.
 */
export function createSocketPublisher(batchMs = BATCH_MS) {
  let io: Io | null = null;
  const queues = { events: [] as EventSummary[], deliveries: [] as DeliverySummary[], users: new Map<string, UserSummary>() };
  let timer: NodeJS.Timeout | null = null;

  function flush() {
    timer = null;
    if (!io) return;
    const room = io.to(OPERATORS_ROOM);
    if (queues.events.length) room.emit('event:received', queues.events.splice(0));
    if (queues.deliveries.length) room.emit('delivery:recorded', queues.deliveries.splice(0));
    if (queues.users.size) {
      room.emit('user:changed', [...queues.users.values()]);
      queues.users.clear();
    }
  }
  const schedule = () => {
    if (io && !timer) timer = setTimeout(flush, batchMs);
  };

  const publisher: Publisher = {
    eventReceived: (e) => {
      if (!io) return;
      queues.events.push(e);
      schedule();
    },
    deliveryRecorded: (d) => {
      if (!io) return;
      queues.deliveries.push(d);
      schedule();
    },
    userChanged: (u) => {
      if (!io) return;
      queues.users.set(u.id, u); // only the latest state of a user matters
      schedule();
    },
    resyncFinished: (r: ResyncResult) => {
      flush(); // keep order: the user's change goes out before the resync result
      io?.to(OPERATORS_ROOM).emit('resync:finished', r);
    },
    // Already throttled by the reconcile service; users changed by a fix go out first.
    reconcileProgress: (r) => {
      flush();
      io?.to(OPERATORS_ROOM).emit('reconcile:progress', r);
    },
    reconcileFinished: (r) => {
      flush();
      io?.to(OPERATORS_ROOM).emit('reconcile:finished', r);
    },
  };

  return {
    publisher,
    attach(server: Io) {
      io = server;
    },
    flush,
  };
}

export type SocketPublisher = ReturnType<typeof createSocketPublisher>;

export function attachRealtime(http: HttpServer, services: Services, socketPublisher: SocketPublisher): Io {
  const io: Io = new Server(http, { serveClient: false, cors: { origin: false } });

  io.use(async (socket, next) => {
    try {
      const operator = await services.auth.authenticate(sessionToken(socket.handshake.headers.cookie));
      if (!operator) return next(new Error('unauthorized'));
      socket.data.operator = operator;
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });

  io.on('connection', (socket) => {
    void socket.join(OPERATORS_ROOM);
    socket.on('feed:catch-up', async (req, ack) => {
      if (typeof ack !== 'function') return;
      try {
        const afterEvent = Number.isInteger(req?.lastEventId) ? req.lastEventId! : null;
        const afterDelivery = Number.isInteger(req?.lastDeliveryId) ? req.lastDeliveryId! : null;
        const [events, deliveries] = await Promise.all([
          afterEvent !== null ? services.repos.events.listAfter(afterEvent, CATCH_UP_LIMIT + 1) : [],
          afterDelivery !== null ? services.repos.deliveries.listAfter(afterDelivery, CATCH_UP_LIMIT + 1) : [],
        ]);
        const truncated = events.length > CATCH_UP_LIMIT || deliveries.length > CATCH_UP_LIMIT;
        ack({
          events: events.slice(0, CATCH_UP_LIMIT).map(toEventSummary),
          deliveries: deliveries.slice(0, CATCH_UP_LIMIT).map(toDeliverySummary),
          truncated,
        });
      } catch (err) {
        services.logger.warn({ err }, 'catch-up failed');
        ack({ events: [], deliveries: [], truncated: true });
      }
    });
  });

  socketPublisher.attach(io);
  return io;
}
