// Integration-test harness: the real server (HTTP + Socket.IO, same wiring as `npm start`) on a real,
// fresh database, listening on port 0.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'svix';
import { pino } from 'pino';
import type { Db } from '../lib/db/client.ts';
import { createTestDb, type TestProvider } from './db.ts';
import { startServer, type RunningServer, type StartOptions } from '../server.ts';
import { parseConfig } from '../config.ts';
import { recordingPublisher } from '../realtime/publisher.ts';
import type { ParsedEvent } from '../webhooks/clerk-event.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ReconcileOptions, Services } from '../services.ts';
import type { RetentionOptions } from '../retention/retention.service.ts';
import type { LoginLimiter } from '../auth/login-limiter.ts';
import type { Logger } from '../lib/logger.ts';
import { clerkId } from '../../../emulator/factories.ts';

export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
export const ADMIN = { email: 'admin@test.local', password: 'correct horse battery' };

export interface TestServer {
  url: string;
  db: Db;
  services: Services;
  server: RunningServer;
  secret: string;
  published: ReturnType<typeof recordingPublisher>['log'];
  /** POST a body to the webhook, signed unless told otherwise */
  deliver(body: string | object, opts?: DeliverOptions): Promise<Response>;
  /** a fetch that carries a signed-in admin's cookie */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** the admin's session cookie (`csm_session=…`) */
  cookie(): Promise<string>;
  /** signs in as anyone: their cookie, CSRF token and a fetch that carries both */
  signInAs(creds: { email: string; password: string }): Promise<OperatorSession>;
  close(): Promise<void>;
}

export interface OperatorSession {
  cookie: string;
  csrfToken: string;
  api(path: string, init?: RequestInit): Promise<Response>;
}

export interface DeliverOptions {
  svixId?: string;
  secret?: string;
  date?: Date;
  headers?: Record<string, string>;
  /** omit these svix headers */
  omit?: ('svix-id' | 'svix-timestamp' | 'svix-signature')[];
}

export function signHeaders(secret: string, body: string, opts: { svixId?: string; date?: Date } = {}) {
  const id = opts.svixId ?? clerkId('msg');
  const date = opts.date ?? new Date();
  return {
    'svix-id': id,
    'svix-timestamp': String(Math.floor(date.getTime() / 1000)),
    'svix-signature': new Webhook(secret).sign(id, date, body),
  };
}

export interface TestServerOptions {
  secrets?: string[];
  onApplied?: (event: ParsedEvent) => void;
  /** Backend API the server resyncs from (e.g. an emulator) */
  clerkApiUrl?: string;
  clerkSecretKey?: string;
  clerk?: ClerkClient;
  /** share a database (e.g. two instances); the caller closes it */
  db?: Db;
  /** reconcile budget and timings (page size, rate window, lock TTL, …) */
  reconcile?: ReconcileOptions;
  /** retention settings and timings */
  retention?: Partial<RetentionOptions>;
  loginLimiter?: LoginLimiter;
  sessionRecheckMs?: number;
  /** a logger other than a silent one (tests that read the logs) */
  logger?: Logger;
  /** extra environment for parseConfig */
  env?: Record<string, string>;
  /** a built dashboard to serve (as dist/client is by `npm start`) */
  clientDir?: string;
  /** incidents' tick and alert retry timings */
  incidents?: StartOptions['incidents'];
  /** bulk replay jobs' timings */
  replayJobs?: StartOptions['replayJobs'];
}

export async function startTestServer(provider: TestProvider, opts: TestServerOptions = {}): Promise<TestServer> {
  const db = opts.db ?? (await createTestDb(provider));
  const secrets = opts.secrets ?? [newSecret()];
  const { publisher: tap, log } = recordingPublisher();
  const config = parseConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: db.url,
    CLERK_WEBHOOK_SIGNING_SECRET: secrets.join(' '),
    CLERK_SECRET_KEY: opts.clerkSecretKey ?? 'sk_test_harness',
    CLERK_API_URL: opts.clerkApiUrl ?? 'http://127.0.0.1:9',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const server = await startServer(config, {
    logger: opts.logger ?? pino({ level: 'silent' }),
    db,
    tap,
    ...(opts.retention ? { retention: opts.retention } : {}),
    ...(opts.loginLimiter ? { loginLimiter: opts.loginLimiter } : {}),
    ...(opts.sessionRecheckMs ? { sessionRecheckMs: opts.sessionRecheckMs } : {}),
    ...(opts.onApplied ? { onApplied: opts.onApplied } : {}),
    ...(opts.clerk ? { clerk: opts.clerk } : {}),
    ...(opts.clientDir ? { clientDir: opts.clientDir } : {}),
    ...(opts.reconcile ? { reconcile: opts.reconcile } : {}),
    ...(opts.incidents ? { incidents: opts.incidents } : {}),
    ...(opts.replayJobs ? { replayJobs: opts.replayJobs } : {}),
    version: 'test',
  });
  const { url } = server;

  async function signInAs(creds: { email: string; password: string }): Promise<OperatorSession> {
    const res = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(creds),
    });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    const c = res.headers
      .getSetCookie()
      .map((v) => v.split(';')[0])
      .join('; ');
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    return {
      cookie: c,
      csrfToken,
      api: (path, init = {}) =>
        fetch(`${url}${path}`, {
          ...init,
          headers: {
            ...(init.body ? { 'content-type': 'application/json' } : {}),
            'x-csrf-token': csrfToken,
            ...(init.headers as Record<string, string>),
            cookie: c,
          },
        }),
    };
  }
  let admin: Promise<OperatorSession> | null = null;
  const signIn = () => (admin ??= signInAs(ADMIN).catch((err: unknown) => ((admin = null), Promise.reject(err))));

  return {
    url,
    db,
    services: server.services,
    server,
    secret: secrets[0]!,
    published: log,
    async deliver(body, o = {}) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...signHeaders(o.secret ?? secrets[0]!, text, {
          ...(o.svixId ? { svixId: o.svixId } : {}),
          ...(o.date ? { date: o.date } : {}),
        }),
        ...o.headers,
      };
      for (const h of o.omit ?? []) delete headers[h];
      return fetch(`${url}/api/webhooks/clerk`, { method: 'POST', headers, body: text });
    },
    async api(path, init = {}) {
      return (await signIn()).api(path, init);
    },
    cookie: async () => (await signIn()).cookie,
    signInAs,
    async close() {
      await server.close();
      if (!opts.db) await db.close();
    },
  };
}
