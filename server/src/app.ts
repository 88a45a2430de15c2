// createApp(services) → the Express app, without listening (tests use it on port 0).
import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { pinoHttp } from 'pino-http';
import type { Registry } from 'prom-client';
import type { Services } from './services.ts';
import { webhookRoutes } from './webhooks/webhooks.routes.ts';
import { authRoutes } from './auth/auth.routes.ts';
import {
  requireBearerSecret,
  requireCsrfToken,
  requireOperator,
  requireRole,
  sameOriginChanges,
  viewersReadOnly,
} from './auth/auth.middleware.ts';
import { allowedHostsOnly } from './auth/allowed-hosts.ts';
import { adminRoutes } from './admin/admin.routes.ts';
import { securityHeaders } from './lib/security-headers.ts';
import { eventRoutes } from './events/events.routes.ts';
import { deliveryRoutes } from './deliveries/deliveries.routes.ts';
import { userRoutes } from './users/users.routes.ts';
import { organizationRoutes } from './organizations/organizations.routes.ts';
import { requestId, errorMiddleware } from './lib/http.ts';
import { reconcileRoutes } from './reconcile/reconcile.routes.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { alertChannelAdminRoutes, incidentRoutes } from './incidents/incidents.routes.ts';

export interface AppOptions {
  cookieSecure: boolean;
  /** Express `trust proxy` (TRUST_PROXY): behind a proxy, req.ip must be the client's for the sign-in limits */
  trustProxy?: boolean | number | string;
  /** built dashboard to serve (dist/client); omitted in tests and in `npm run dev` (Vite serves it) */
  clientDir?: string;
  /** Prometheus registry served at GET /metrics */
  metrics?: Registry;
  /** METRICS_TOKEN: GET /metrics then needs `Authorization: Bearer <it>` */
  metricsToken?: string;
  /** Host names answered (ALLOWED_HOSTS); null: any. The signed webhook and /healthz answer any Host. */
  allowedHosts: readonly string[] | null;
  /** serve the built dashboard's *.map files (demo mode only: they would hand out the source) */
  serveSourceMaps?: boolean;
  /** WEBHOOK_MAX_OPEN_PER_IP: webhook requests open at once per source (0 or absent: no cap) */
  webhookMaxOpenPerSource?: number;
}

export function createApp(services: Services, opts: AppOptions) {
  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);

  // The webhook comes first: it is the hot path (thousands a second), Svix needs no browser security headers,
  // and its outcome is logged per delivery in the database; it still gets a request id. It reads its body
  // raw (signatures cover the exact bytes), so it is also mounted before the JSON parser.
  app.use(
    '/api/webhooks/clerk',
    (req, res, next) => {
      requestId(req, res);
      next();
    },
    webhookRoutes(services.webhooks, { maxOpenPerSource: opts.webhookMaxOpenPerSource ?? 0 }),
  );

  // A request id on every log line and answer (X-Request-Id); successes log at debug, so polling costs no
  // log I/O at the default level.
  app.use(
    pinoHttp({
      logger: services.logger,
      genReqId: requestId,
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
    }),
  );
  // Before anything else answers: a page that rebound its DNS name to this server gets nothing. Load balancers
  // probe /healthz by address, and it tells nothing.
  app.use(allowedHostsOnly(opts.allowedHosts, { exempt: ['/healthz'] }));
  if (opts.metrics) {
    const registry = opts.metrics;
    app.get(
      '/metrics',
      ...(opts.metricsToken ? [requireBearerSecret(opts.metricsToken, 'metrics')] : []),
      async (_req, res) => {
        res.setHeader('content-type', registry.contentType);
        res.send(await registry.metrics());
      },
    );
  }
  app.use(securityHeaders({ https: opts.cookieSecure }));

  app.get('/healthz', async (_req, res) => {
    try {
      await services.db.prisma.$queryRaw`SELECT 1`;
      res.json({ ok: true, database: 'up', demo: services.meta.demo });
    } catch {
      res.status(503).json({ ok: false, database: 'down' });
    }
  });

  app.use('/api', express.json({ limit: '100kb' }));
  // Every change below: no cross-site browser request; with a cookie session also the CSRF token; never a viewer.
  app.use('/api', sameOriginChanges());
  app.use('/api/auth', authRoutes(services.auth, { cookieSecure: opts.cookieSecure }));
  app.use('/api', requireOperator(services.auth), requireCsrfToken(), viewersReadOnly());
  app.get('/api/meta', (_req, res) => {
    res.json(services.meta);
  });
  app.get('/api/overview', async (_req, res) => {
    res.json(await services.overview.get());
  });
  // what is wrong right now: a view of the open incidents held in memory (answers while the database is down);
  // `status:changed` pushes its changes
  app.get('/api/live', (_req, res) => {
    res.json(services.incidents.liveStatus());
  });
  app.use('/api/events', eventRoutes(services.events));
  app.use(
    '/api/deliveries',
    deliveryRoutes(services.deliveries, services.failures, services.bulkReplay, services.replayJobs),
  );
  app.use('/api/users', userRoutes(services.users, services.resync));
  app.use('/api/organizations', organizationRoutes(services.organizations, services.organizationResync));
  app.use('/api/reconcile', reconcileRoutes(services.reconcile));
  app.use('/api/audit', auditRoutes(services.audit));
  app.use('/api/incidents', incidentRoutes(services.incidents));
  app.use('/api/admin/alert-channels', requireRole('admin'), alertChannelAdminRoutes(services.incidents));
  app.use('/api/admin', requireRole('admin'), adminRoutes(services.admin, services.retention));
  app.use('/api', (req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `No route ${req.method} ${req.originalUrl}` } });
  });

  // What is not the dashboard answers 404 JSON, never the app shell (a scanner probing /.env or /.git/config
  // must not get a 200): API-looking paths, dotfiles, and source maps outside demo mode.
  app.use((req, res, next) => {
    if (/^\/api\b/i.test(req.path) || hasDotSegment(req.path) || (!opts.serveSourceMaps && /\.map$/i.test(req.path)))
      return notFound(req, res);
    next();
  });
  if (opts.clientDir && existsSync(path.join(opts.clientDir, 'index.html'))) {
    const clientDir = opts.clientDir;
    app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
    // Client-side routes: every other GET gets the app shell.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.sendFile(path.join(clientDir, 'index.html'), { maxAge: 0 });
    });
  }
  app.use(notFound);

  app.use(errorMiddleware(services.logger));
  return app;
}

function notFound(req: express.Request, res: express.Response) {
  res.status(404).json({ error: { code: 'not_found', message: `No route ${req.method} ${req.path}` } });
}

/** `/.env`, `/a/.git/config`, also percent-encoded (`/%2Eenv`): static files decode the path before looking. */
function hasDotSegment(p: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(p);
  } catch {
    return true; // not a path any file or route has
  }
  return decoded.split(/[/\\]/).some((seg) => seg.startsWith('.'));
}
