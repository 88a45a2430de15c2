// Starts the whole monitor in-process: database (migrated), services, HTTP, Socket.IO and, in demo
// mode, the built-in Clerk emulator. index.ts calls it for `npm start`; integration and e2e tests call
// it with their own config.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.ts';
import type { Logger } from './lib/logger.ts';
import type { Projector } from './sync/projector.ts';
import { createDb, type Db } from './lib/db/client.ts';
import { migrate } from './lib/db/migrate.ts';
import { createServices, type Services } from './services.ts';
import { createApp } from './app.ts';
import { createSocketPublisher, attachRealtime } from './realtime/socket.ts';
import { createClerkClient, type ClerkClient } from './clerk/clerk-client.ts';
import { fanOut, type Publisher } from './realtime/publisher.ts';

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
  projector?: Projector;
  /** also receives everything published (tests observe the pipeline through it) */
  tap?: Publisher;
  /** an already migrated database to use (tests); the caller closes it */
  db?: Db;
  /** a Clerk client other than the one the config describes (tests inject faults) */
  clerk?: ClerkClient;
  version?: string;
  /** demo mode: what the emulator told us */
  emulatorUrl?: string | null;
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

  const socketPublisher = createSocketPublisher();
  const services = createServices({
    db,
    logger,
    publisher: opts.tap ? fanOut(socketPublisher.publisher, opts.tap) : socketPublisher.publisher,
    clerk: opts.clerk ?? createClerkClient({ apiUrl: config.clerkApiUrl, secretKey: config.clerkSecretKey ?? '' }),
    webhookSecrets: config.webhookSecrets,
    sessionTtlMs: config.sessionTtlMs,
    meta: {
      // demo: the data comes from the built-in emulator (npm start without Clerk, and the e2e setup)
      demo: config.demo || Boolean(opts.emulatorUrl),
      emulatorUrl: opts.emulatorUrl ?? null,
      clerkApiUrl: config.clerkApiUrl,
      version: opts.version ?? '0.1.0',
    },
    ...(opts.projector ? { projector: opts.projector } : {}),
  });
  await services.auth.ensureAdmin(config.adminEmail, config.adminPassword);

  const app = createApp(services, { cookieSecure: config.cookieSecure, ...(opts.clientDir ? { clientDir: opts.clientDir } : {}) });
  const http = createServer(app);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const io = attachRealtime(http, services, socketPublisher);
  const port = (http.address() as AddressInfo).port;
  const flushTimer = setInterval(() => void services.deliveryLog.flush(), 5_000);
  flushTimer.unref();

  return {
    url: `http://${config.host}:${port}`,
    port,
    services,
    http,
    io,
    async close() {
      clearInterval(flushTimer);
      socketPublisher.flush();
      // Stop taking requests, let in-flight webhooks finish (they answer only after their commit).
      // io.close() also closes the HTTP server and waits for in-flight requests.
      io.disconnectSockets(true);
      const closed = io.close();
      http.closeIdleConnections();
      await closed;
      await services.deliveryLog.flush();
      if (ownDb) await services.db.close();
    },
  };
}
