// Socket.IO on the HTTP server: cookie-authenticated, one room for operators, messages batched over a
// few ms so a burst of webhooks becomes a handful of frames. Catch-up on reconnect reads the database.
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type {
  DeliverySummary,
  EventSummary,
  IncidentSummary,
  OrganizationSummary,
  ResyncResult,
  UserSummary,
} from '../contract.ts';
import type { ClientToServerEvents, ServerToClientEvents } from './contract.ts';
import type { Publisher } from './publisher.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { sameHost, sessionToken } from '../auth/auth.middleware.ts';
import { hostAllowed } from '../auth/allowed-hosts.ts';

export const OPERATORS_ROOM = 'operators';
export const CATCH_UP_LIMIT = 1000;

type Io = Server<ClientToServerEvents, ServerToClientEvents>;
/** An Engine.IO connection: what a handshake opens, before (and under) a socket that joined. */
type EngineConnection = Socket['conn'];

/**
 * A Publisher that queues until Socket.IO is attached, then emits batches. Created before the services
 * (which publish) and attached once the HTTP server exists.
 */
/**
 * Batches without holding a lone event back: when idle, a message goes out on the next loop turn; under a
 * burst, at most one frame per `minIntervalMs` carries everything queued meanwhile (a fixed 16 ms window
 * cost ~8 ms of p50 latency).
 */
export function createSocketPublisher(minIntervalMs = 2) {
  let io: Io | null = null;
  const queues = {
    events: [] as EventSummary[],
    deliveries: [] as DeliverySummary[],
    users: new Map<string, UserSummary>(),
    organizations: new Map<string, OrganizationSummary>(),
  };
  let timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  let lastFlush = 0;

  function flush() {
    timer = null;
    lastFlush = performance.now();
    if (!io) return;
    const room = io.to(OPERATORS_ROOM);
    if (queues.events.length) room.emit('event:received', queues.events.splice(0));
    if (queues.deliveries.length) room.emit('delivery:recorded', queues.deliveries.splice(0));
    if (queues.users.size) {
      room.emit('user:changed', [...queues.users.values()]);
      queues.users.clear();
    }
    if (queues.organizations.size) {
      room.emit('organization:changed', [...queues.organizations.values()]);
      queues.organizations.clear();
    }
  }
  const schedule = () => {
    if (!io || timer) return;
    const wait = lastFlush + minIntervalMs - performance.now();
    // setTimeout truncates fractions of a millisecond: round up so frames never come closer than the interval.
    timer = wait > 0 ? setTimeout(flush, Math.ceil(wait)) : setImmediate(flush);
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
    organizationChanged: (o) => {
      if (!io) return;
      queues.organizations.set(o.id, o);
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
    // Already throttled by the job; the replays' own deliveries go out first.
    replayProgress: (j) => {
      flush();
      io?.to(OPERATORS_ROOM).emit('replay:progress', j);
    },
    replayFinished: (j) => {
      flush();
      io?.to(OPERATORS_ROOM).emit('replay:finished', j);
    },
    // after the deliveries that caused it, so a dashboard never shows an outage before its rows
    statusChanged: (s) => {
      flush();
      io?.to(OPERATORS_ROOM).emit('status:changed', s);
    },
  };

  return {
    publisher,
    attach(server: Io) {
      io = server;
    },
    /** the incidents' live push (already folded per tick by the incident service) */
    incidentChanged(i: IncidentSummary) {
      io?.to(OPERATORS_ROOM).emit('incident:changed', i);
    },
    flush,
  };
}

export type SocketPublisher = ReturnType<typeof createSocketPublisher>;

/** How often open sockets re-check their session (expiry); revocations disconnect at once. */
export const SESSION_RECHECK_MS = 60_000;
/** Defaults of SOCKET_HANDSHAKE_TIMEOUT_SECONDS and SOCKET_CATCH_UP_PER_MINUTE (config.ts). */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
export const CATCH_UP_PER_MINUTE = 10;

/** What the socket server uses of the rest of the server. */
export interface RealtimeDeps {
  /** who a session cookie belongs to, whether a session still holds, and which sessions ended */
  auth: Pick<AuthService, 'principal' | 'sessionByHash' | 'onRevoked'>;
  /** catch-up after a reconnect: summaries after an id, oldest first */
  eventsAfter(afterId: number, limit: number): Promise<EventSummary[]>;
  deliveriesAfter(afterId: number, limit: number): Promise<DeliverySummary[]>;
  logger: Logger;
}

export function attachRealtime(
  http: HttpServer,
  deps: RealtimeDeps,
  socketPublisher: SocketPublisher,
  opts: {
    sessionRecheckMs?: number;
    allowedHosts?: readonly string[] | null;
    handshakeTimeoutMs?: number;
    catchUpPerMinute?: number;
  } = {},
): Io {
  const allowedHosts = opts.allowedHosts ?? null;
  const catchUpPerMinute = opts.catchUpPerMinute ?? CATCH_UP_PER_MINUTE;
  const io: Io = new Server(http, {
    serveClient: false,
    cors: { origin: false },
    // A connection that has not joined the namespace by then is closed: a handshake without a session is
    // refused by the middleware below and would otherwise stay open (Socket.IO's default is 45 s).
    connectTimeout: opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    // CORS does not cover websockets: refuse a handshake a page on another site started (cross-site
    // websocket hijacking). Browsers always send Origin here; other clients have no victim cookie. A page
    // that rebound its DNS name to this server is same-origin, but its Host is not one we answer to.
    allowRequest: (req, callback) => {
      const origin = req.headers.origin;
      callback(null, hostAllowed(allowedHosts, req) && (origin === undefined || sameHost(origin, req.headers.host)));
    },
  });

  io.use(async (socket, next) => {
    try {
      const principal = await deps.auth.principal(sessionToken(socket.handshake.headers.cookie), undefined);
      if (!principal) return next(new Error('unauthorized'));
      // a one-time password opens nothing but the password change: no live data either
      if (principal.mustChangePassword) return next(new Error('password_change_required'));
      socket.data.operator = principal.operator;
      socket.data.sessionHash = principal.sessionHash;
      next();
    } catch {
      next(new Error('unavailable'));
    }
  });

  // Sign-out, sign-out everywhere and a disabled operator end the session: its sockets go with it.
  const disconnectSessions = (hashes: Iterable<string>) => {
    const gone = new Set(hashes);
    for (const socket of io.of('/').sockets.values()) {
      if (gone.has(socket.data.sessionHash as string)) socket.disconnect(true);
    }
  };
  const unsubscribe = deps.auth.onRevoked(disconnectSessions);
  // Expiry has no event: re-check every open session now and then.
  const recheck = setInterval(() => {
    void (async () => {
      const hashes = new Set<string>();
      for (const socket of io.of('/').sockets.values()) hashes.add(socket.data.sessionHash as string);
      const expired: string[] = [];
      for (const hash of hashes) {
        try {
          if (!(await deps.auth.sessionByHash(hash))) expired.push(hash);
        } catch {
          // database unavailable: keep the sockets, the next round decides
        }
      }
      disconnectSessions(expired);
    })();
  }, opts.sessionRecheckMs ?? SESSION_RECHECK_MS);
  recheck.unref();
  http.once('close', () => {
    clearInterval(recheck);
    unsubscribe();
  });

  // Socket.IO's connectTimeout closes a connection that has not joined, but a polling one that stopped polling
  // would only go after another 30 s (its close waits for the next poll): end those at the timeout too.
  const joined = new WeakSet<object>();
  io.engine.on('connection', (raw: EngineConnection) => {
    const closed = () => raw.readyState === 'closed';
    const timer = setTimeout(() => {
      if (joined.has(raw) || closed()) return;
      raw.close(true);
      if (!closed()) raw.transport.emit('close');
    }, opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS);
    timer.unref();
    raw.once('close', () => clearTimeout(timer));
  });

  io.on('connection', (socket) => {
    joined.add(socket.conn);
    void socket.join(OPERATORS_ROOM);
    // A dashboard catches up once per (re)connect; each costs up to two 1,000-row reads, so one connection gets
    // a few a minute. Past that the answer says so and reads nothing (the client then reloads its lists).
    let catchUps = { start: Date.now(), count: 0 };
    socket.on('feed:catch-up', async (req, ack) => {
      if (typeof ack !== 'function') return;
      const t = Date.now();
      if (t - catchUps.start >= 60_000) catchUps = { start: t, count: 0 };
      if (++catchUps.count > catchUpPerMinute) {
        if (catchUps.count === catchUpPerMinute + 1)
          deps.logger.warn(
            { operator: (socket.data.operator as { email?: string } | undefined)?.email },
            'catch-up requests over the per-connection limit',
          );
        ack({ events: [], deliveries: [], truncated: true, rateLimited: true });
        return;
      }
      try {
        const afterEvent = Number.isInteger(req?.lastEventId) ? req.lastEventId! : null;
        const afterDelivery = Number.isInteger(req?.lastDeliveryId) ? req.lastDeliveryId! : null;
        const [events, deliveries] = await Promise.all([
          afterEvent !== null ? deps.eventsAfter(afterEvent, CATCH_UP_LIMIT + 1) : [],
          afterDelivery !== null ? deps.deliveriesAfter(afterDelivery, CATCH_UP_LIMIT + 1) : [],
        ]);
        const truncated = events.length > CATCH_UP_LIMIT || deliveries.length > CATCH_UP_LIMIT;
        ack({
          events: events.slice(0, CATCH_UP_LIMIT),
          deliveries: deliveries.slice(0, CATCH_UP_LIMIT),
          truncated,
        });
      } catch (err) {
        deps.logger.warn({ err }, 'catch-up failed');
        ack({ events: [], deliveries: [], truncated: true });
      }
    });
  });

  socketPublisher.attach(io);
  return io;
}
