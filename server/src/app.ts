// createApp(services) → the Express app, without listening (tests use it on port 0).
import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { Services } from './services.ts';
import { webhookRoutes } from './webhooks/webhooks.routes.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { requireOperator } from './auth/auth.middleware.ts';
import { eventRoutes } from './events/events.routes.ts';
import { deliveryRoutes } from './deliveries/deliveries.routes.ts';
import { userRoutes } from './users/users.routes.ts';
import { errorMiddleware } from './lib/http.ts';

export interface AppOptions {
  cookieSecure: boolean;
  /** built dashboard to serve (dist/client); omitted in tests and in `npm run dev` (Vite serves it) */
  clientDir?: string;
}

export function createApp(services: Services, opts: AppOptions) {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', async (_req, res) => {
    try {
      await services.db.prisma.$queryRaw`SELECT 1`;
      res.json({ ok: true, database: 'up', demo: services.meta.demo });
    } catch {
      res.status(503).json({ ok: false, database: 'down' });
    }
  });

  // The webhook reads its body raw (signatures cover exact bytes): mounted before the JSON parser.
  app.use('/api/webhooks/clerk', webhookRoutes(services.webhooks));

  app.use('/api', express.json({ limit: '100kb' }));
  app.use('/api/auth', authRoutes(services.auth, { cookieSecure: opts.cookieSecure }));
  app.use('/api', requireOperator(services.auth));
  app.get('/api/meta', (_req, res) => {
    res.json(services.meta);
  });
  app.get('/api/overview', async (_req, res) => {
    res.json(await services.overview.get());
  });
  app.use('/api/events', eventRoutes(services.events));
  app.use('/api/deliveries', deliveryRoutes(services.deliveries));
  app.use('/api/users', userRoutes(services.users, services.resync));
  app.use('/api', (req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: `No route ${req.method} ${req.originalUrl}` } });
  });

  if (opts.clientDir && existsSync(path.join(opts.clientDir, 'index.html'))) {
    const clientDir = opts.clientDir;
    app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
    // Client-side routes: every other GET gets the app shell.
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.sendFile(path.join(clientDir, 'index.html'), { maxAge: 0 });
    });
  }

  app.use(errorMiddleware(services.logger));
  return app;
}
