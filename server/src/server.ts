// Starts the whole monitor in-process: database (migrated), services, HTTP, Socket.IO and, in demo
// mode, the built-in Clerk emulator. index.ts calls it for `npm start`; integration and e2e tests call
// it with their own config.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, type Config } from './config.ts';
import type { Logger } from './lib/logger.ts';
import type { ParsedEvent } from './webhooks/clerk-event.ts';
import { createDb, type Db } from './lib/db/client.ts';
import { migrate } from './data/migrate.ts';
import { createServices, type Services } from './services.ts';
import { createApp } from './app.ts';
import { createSocketPublisher, attachRealtime } from './realtime/socket.ts';
import { attachRedisAdapter } from './realtime/redis-adapter.ts';
import { connectRedis } from './lib/redis.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createClerkClient, type ClerkClient } from './clerk/clerk-client.ts';
import { fanOut, type Publisher } from './realtime/publisher.ts';
import type { ReconcileOptions } from './services.ts';
import type { RetentionOptions } from './retention/retention.service.ts';
import { createLoginLimiter, DEFAULT_LOGIN_LIMITS, type LoginLimiter } from './auth/login-limiter.ts';
import type { IncidentsOptions } from './incidents/incidents.service.ts';
import { channelsFromConfig } from './incidents/alerts/channels.ts';
import { createRejectedLimiter } from './webhooks/rejected-limiter.ts';
import type { ReplayJobSettings } from './deliveries/replay-job.ts';

export interface RunningServer {
  url: string;
  port: number;
  services: Services;
  http: Server;
  io: ReturnType<typeof attachRealtime>;
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  clientDir?: string;
  /** fault injection (tests): see ServiceDeps.onApplied */
  onApplied?: (event: ParsedEvent) => void;
  /** also receives everything published (tests observe the pipeline through it) */
  tap?: Publisher;
  /** an already migrated database to use (tests); the caller closes it */
  db?: Db;
  /** a Clerk client other than the one the config describes (tests inject faults) */
  clerk?: ClerkClient;
  version?: string;
  /** demo mode: what the emulator told us */
  emulatorUrl?: string | null;
  /** overrides of config.reconcile and the job's timings (tests) */
  reconcile?: ReconcileOptions;
  /** overrides of config.retention's batches and timings (tests) */
  retention?: Partial<RetentionOptions>;
  /** sign-in brute-force limits (tests) */
  loginLimiter?: LoginLimiter;
  /** how often sockets re-check their session (default 60 s; tests shorten it) */
  sessionRecheckMs?: number;
  /** incidents' tick, alert retry timings, the usual quiet's gaps and Clerk's grace in the banner (tests shorten them) */
  incidents?: Partial<Pick<IncidentsOptions, 'tickMs' | 'retry' | 'quiet' | 'clerkGraceMs'>>;
  /** bulk replay jobs' timings (tests shorten them) */
  replayJobs?: Partial<ReplayJobSettings>;
}

export async function startServer(config: Config, opts: StartOptions): Promise<RunningServer> {
  const { logger } = opts;
  let db = opts.db;
  if (!db) {
    const migrated = await migrate(config.databaseUrl, { log: (m) => logger.debug(m) });
    if (migrated.applied.length) logger.info({ applied: migrated.applied }, 'applied database migrations');
    db = await createDb(config.databaseUrl);
  }
  const ownDb = !opts.db;
  // Several instances: one Redis for the dashboards' fan-out and the shared sign-in limits.
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : null;
  const loginLimiter =
    opts.loginLimiter ??
    (redis
      ? createLoginLimiter(DEFAULT_LOGIN_LIMITS, { redis: redis.pub, prefix: config.redisChannelPrefix })
      : undefined);

  // Refused webhook requests per source: counted in Redis too, so N instances do not mean N budgets.
  const rejectedLimiter =
    config.webhook.rejectedPerMinute > 0
      ? createRejectedLimiter({
          perMinute: config.webhook.rejectedPerMinute,
          ...(redis ? { redis: { client: redis.pub, prefix: config.redisChannelPrefix } } : {}),
          logger,
        })
      : null;

  const socketPublisher = createSocketPublisher();
  const metrics = createMetrics();
  // Clerk's answers and retries reach the incidents (throttling, 5xx, "retrying in N s"), which the services
  // create: bound once they exist.
  let clerkObserved: Pick<Services['incidents'], 'clerkResponse' | 'clerkRetrying'> | null = null;
  const services: Services = createServices({
    db,
    logger,
    publisher: fanOut(socketPublisher.publisher, metrics.publisher, ...(opts.tap ? [opts.tap] : [])),
    clerk:
      opts.clerk ??
      createClerkClient({
        apiUrl: config.clerkApiUrl,
        secretKey: config.clerkSecretKey ?? '',
        onResponse: (status) => {
          metrics.clerkResponse(status);
          clerkObserved?.clerkResponse(status);
        },
        onRetry: (info) => clerkObserved?.clerkRetrying(info),
      }),
    webhookSecrets: config.webhookSecrets,
    sessionTtlMs: config.sessionTtlMs,
    meta: {
      // demo: the data comes from the built-in emulator (npm start without Clerk, and the e2e setup)
      demo: config.demo || Boolean(opts.emulatorUrl),
      emulatorUrl: opts.emulatorUrl ?? null,
      clerkApiUrl: config.clerkApiUrl,
      version: opts.version ?? '0.1.0',
    },
    ...(opts.onApplied ? { onApplied: opts.onApplied } : {}),
    reconcile: { ...config.reconcile, ...opts.reconcile },
    retention: {
      days: config.retention.days,
      purgeDeletedUsers: config.retention.purgeDeletedUserPayloads,
      ...opts.retention,
    },
    ...(loginLimiter ? { loginLimiter } : {}),
    quarantineAfterAttempts: config.incidents.quarantineAfterAttempts,
    incidents: {
      options: {
        publicUrl: config.publicUrl,
        silenceMs: config.incidents.silenceMs,
        reminderMs: config.incidents.reminderMs,
        ...opts.incidents,
      },
      channels: channelsFromConfig(config.alerts),
      notify: (i) => socketPublisher.incidentChanged(i),
    },
    rejectedLimiter,
    onUnlogged: metrics.webhookRefusedUnlogged,
    ...(opts.replayJobs ? { replayJobs: opts.replayJobs } : {}),
  });
  clerkObserved = services.incidents;
  await services.auth.ensureAdmin(config.adminEmail, config.adminPassword);

  if (config.allowedHostsDefault && !isLoopbackHost(config.host)) {
    logger.warn(
      { allowedHosts: config.allowedHosts },
      'ALLOWED_HOSTS is not set: only these host names are answered; set it to the names the dashboard is reached by',
    );
  }
  const app = createApp(services, {
    cookieSecure: config.cookieSecure,
    trustProxy: config.trustProxy,
    metrics: metrics.registry,
    ...(config.metricsToken ? { metricsToken: config.metricsToken } : {}),
    allowedHosts: config.allowedHosts,
    serveSourceMaps: services.meta.demo,
    webhookMaxOpenPerSource: config.webhook.maxOpenPerIp,
    ...(opts.clientDir ? { clientDir: opts.clientDir } : {}),
  });
  // Slow clients: a request's headers, and the whole request, must arrive within these (Node's defaults are 60 s
  // and 300 s); the check runs every second instead of every 30 s, so the limits hold to about a second.
  const http = createServer(
    {
      headersTimeout: config.http.headersTimeoutMs,
      requestTimeout: config.http.requestTimeoutMs,
      keepAliveTimeout: config.http.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, config.http.headersTimeoutMs),
    },
    app,
  );
  metrics.gauge(
    'csm_ingest_queue_depth',
    'Verified events waiting for the next group commit',
    () => services.ingest.pending,
  );
  metrics.gauge(
    'csm_delivery_log_buffered',
    'Delivery-log rows waiting for the database to come back',
    () => services.deliveryLog.buffered,
  );
  metrics.gauge(
    'csm_delivery_log_buffered_bytes',
    'Memory those rows take, roughly (bounded)',
    () => services.deliveryLog.bufferedBytes,
  );
  metrics.gauge(
    'csm_delivery_log_dropped',
    'Delivery-log rows dropped since the start because the buffer was full',
    () => services.deliveryLog.dropped,
  );
  const io = attachRealtime(
    http,
    {
      auth: services.auth,
      eventsAfter: services.events.listAfter,
      deliveriesAfter: services.deliveries.listAfter,
      logger,
    },
    socketPublisher,
    {
      allowedHosts: config.allowedHosts,
      handshakeTimeoutMs: config.socket.handshakeTimeoutMs,
      catchUpPerMinute: config.socket.catchUpPerMinute,
      ...(opts.sessionRecheckMs ? { sessionRecheckMs: opts.sessionRecheckMs } : {}),
    },
  );
  // Fan-out is in place before the first dashboard can connect. Only connections that joined with a session are
  // dashboards (a bare Engine.IO connection is not, and is closed after SOCKET_HANDSHAKE_TIMEOUT_SECONDS).
  metrics.gauge(
    'csm_dashboards_connected',
    'Dashboards connected to this instance over Socket.IO (signed in)',
    () => io.of('/').sockets.size,
  );
  if (redis) attachRedisAdapter(io, redis, config.redisChannelPrefix);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const flushTimer = setInterval(() => void services.deliveryLog.flush(), 5_000);
  flushTimer.unref();
  // Clerk sends no event when a session expires or is abandoned: write those down as their deadlines pass
  // (what is shown and counted already reads the deadlines; this keeps the stored status honest too).
  const expiryTimer = setInterval(() => {
    services.repos.sessions
      .expireDue()
      .catch((err: unknown) => services.logger.warn({ err }, 'marking expired sessions failed; retried next minute'));
  }, 60_000);
  expiryTimer.unref();
  // resumes a reconcile a stopped server left running, and runs RECONCILE_INTERVAL
  services.reconcile.startBackground();
  // purges the delivery log and payloads past RETENTION_DAYS, in small batches, every few minutes
  services.retention.start();
  // groups failures into incidents, sends their alerts, resolves what cleared
  services.incidents.start();

  return {
    url: `http://${config.host}:${port}`,
    port,
    services,
    http,
    io,
    async close() {
      clearInterval(flushTimer);
      clearInterval(expiryTimer);
      // pause a running reconcile at a page boundary (it stays `running`; the next start resumes it)
      await services.reconcile.stop();
      // a bulk replay stops between two replays (interrupted: starting again skips what it replayed)
      await services.replayJobs.stop();
      await services.retention.stop();
      await services.incidents.stop();
      socketPublisher.flush();
      // Stop taking requests, let in-flight webhooks finish (they answer only after their commit).
      // io.close() also closes the HTTP server and waits for in-flight requests.
      io.disconnectSockets(true);
      const closed = io.close();
      http.closeIdleConnections();
      await closed;
      await services.deliveryLog.flush();
      await Promise.all([services.conflicts.idle(), services.organizationConflicts.idle()]);
      await redis?.close();
      await services.ingest.close();
      if (ownDb) await services.db.close();
    },
  };
}
