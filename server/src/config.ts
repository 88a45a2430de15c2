// The only place that reads process.env: one zod schema, parsed once at start, failing with a list that
// names every wrong variable.
import { z } from 'zod';

const secretList = z
  .string()
  .transform((s) => s.split(/[\s,]+/).filter(Boolean))
  .pipe(
    z
      .array(z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'each secret must look like whsec_<base64>'))
      .min(1, 'at least one whsec_ secret'),
  );

const emptyAsUndefined = (v: unknown) => (v === '' ? undefined : v);

const httpUrl = z
  .string()
  .url('must be a URL')
  .regex(/^https?:\/\//, 'must start with http:// or https://');

/** minutes (fractions allowed) or `off`: null */
const minutesOrOff = (name: string) =>
  z.union([
    z.literal('off').transform(() => null),
    z.coerce
      .number({ message: `${name} must be a number of minutes or off` })
      .positive('must be more than 0 minutes, or off'),
  ]);

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .default('file:./data/clerk-sync.db')
      .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), 'must start with file: (SQLite) or postgresql://'),
    CLERK_WEBHOOK_SIGNING_SECRET: z.preprocess(emptyAsUndefined, secretList.optional()),
    CLERK_SECRET_KEY: z.preprocess(emptyAsUndefined, z.string().regex(/^sk_/, 'must start with sk_').optional()),
    CLERK_API_URL: z.string().url().default('https://api.clerk.com'),
    ADMIN_EMAIL: z.string().email().default('admin@example.com'),
    ADMIN_PASSWORD: z.preprocess(emptyAsUndefined, z.string().min(8, 'at least 8 characters').optional()),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_TTL_HOURS: z.coerce.number().positive().default(12),
    /** unset: true with a real Clerk instance unless HOST is loopback (see cookieSecureDefault) */
    COOKIE_SECURE: z.preprocess(
      emptyAsUndefined,
      z
        .enum(['true', 'false'], { message: 'must be true or false' })
        .transform((v) => v === 'true')
        .optional(),
    ),
    /** host names the dashboard and API answer to (Host header); `*` turns the check off */
    ALLOWED_HOSTS: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((s) =>
          s
            .split(/[\s,]+/)
            .filter(Boolean)
            .map(normalizeHostName),
        )
        .pipe(
          z
            .array(
              z
                .string()
                .regex(
                  /^(\*|[a-z0-9._:[\]-]+)$/,
                  'each entry must be a host name or address (no port, no scheme), or *',
                ),
            )
            .min(1),
        )
        .optional(),
    ),
    /** GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>` when set */
    METRICS_TOKEN: z.preprocess(
      emptyAsUndefined,
      z.string().min(16, 'at least 16 characters').max(200).regex(/^\S+$/, 'no spaces').optional(),
    ),
    /** demo mode only: the port of the built-in emulator (0 picks a free one) */
    EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    EMULATOR_ACTIVITY_PER_SECOND: z.coerce.number().min(0).default(1),
    /** Clerk's rate limit for this secret key, requests per 10 s: 100 development, 1000 production */
    RECONCILE_RATE_LIMIT: z.coerce
      .number({
        message: 'must be a number of requests per 10 s (100 for a development instance, 1000 for production)',
      })
      .int('must be a whole number of requests per 10 s')
      .min(1, 'must be at least 1 request per 10 s')
      .default(100),
    /** the share of that limit reconcile may spend; the rest is left to the application using the key */
    RECONCILE_BUDGET_SHARE: z.coerce
      .number({ message: 'must be a number between 0 and 1, e.g. 0.5' })
      .gt(0, 'must be more than 0 (e.g. 0.5 = half of the rate limit)')
      .max(1, 'must be at most 1 (the whole rate limit)')
      .default(0.5),
    /** e.g. 15m, 6h, 1d; off (default) = only when an operator starts one */
    RECONCILE_INTERVAL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^(off|\d+\s*(s|m|h|d))$/i, 'must be off or a duration like 30s, 15m, 6h, 1d')
        .refine((v) => durationMs(v) === null || durationMs(v)! >= 60_000, 'must be at least 1m')
        .optional(),
    ),
    /** Clerk users per page (Clerk allows up to 500) */
    RECONCILE_PAGE_SIZE: z.coerce
      .number()
      .int()
      .min(1, 'must be 1..500')
      .max(500, "must be 1..500 (Clerk's maximum page)")
      .default(500),
    /** delivery-log rows and event payloads older than this many days are purged (event rows stay for dedupe) */
    /** several instances: Socket.IO fans out through Redis pub/sub */
    REDIS_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
        .optional(),
    ),
    /** prefix of the Redis channels, so several deployments can share one Redis */
    REDIS_CHANNEL_PREFIX: z.string().min(1).default('clerk-sync-monitor'),
    RETENTION_DAYS: z.coerce
      .number({ message: 'must be a number of days' })
      .min(1, 'must be at least 1 day')
      .max(36_500)
      .default(30),
    /** erase a user's stored payloads when Clerk deletes the user (only the tombstone stays) */
    /** refused (unsigned, badly signed) webhook requests per source and minute before they are answered 429 unlogged; 0 = no limit */
    WEBHOOK_REJECTED_PER_MINUTE: z.coerce
      .number({ message: 'must be a number of requests per minute' })
      .int('must be a whole number')
      .min(0, 'must be 0 (no limit) or more')
      .default(60),
    /** webhook requests open at once per source (a slow sender holds one each); 0 = no cap */
    WEBHOOK_MAX_OPEN_PER_IP: z.coerce
      .number({ message: 'must be a number of requests' })
      .int('must be a whole number')
      .min(0, 'must be 0 (no cap) or more')
      .default(64),
    /** a request's headers must have arrived within this (slow-header clients) */
    HTTP_HEADERS_TIMEOUT_SECONDS: z.coerce
      .number({ message: 'must be a number of seconds' })
      .positive('must be more than 0')
      .max(120, 'must be at most 120')
      .default(10),
    /** a whole request (headers and body) must have arrived within this; Node's own default is 300 */
    HTTP_REQUEST_TIMEOUT_SECONDS: z.coerce
      .number({ message: 'must be a number of seconds' })
      .positive('must be more than 0')
      .max(290, "must be at most 290 (under Node's 300 s)")
      .default(30),
    /** an idle keep-alive connection is closed after this */
    HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: z.coerce
      .number({ message: 'must be a number of seconds' })
      .positive('must be more than 0')
      .max(600, 'must be at most 600')
      .default(5),
    /** a Socket.IO connection that has not joined (no valid session) is closed after this */
    SOCKET_HANDSHAKE_TIMEOUT_SECONDS: z.coerce
      .number({ message: 'must be a number of seconds' })
      .positive('must be more than 0')
      .max(60, 'must be at most 60')
      .default(5),
    /** catch-up requests per dashboard connection and minute (a dashboard sends one per reconnect) */
    SOCKET_CATCH_UP_PER_MINUTE: z.coerce
      .number({ message: 'must be a number per minute' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .default(10),
    /** Express `trust proxy`: false, true, a hop count, or addresses (e.g. loopback) — so req.ip is the client's */
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((v): boolean | number | string =>
        v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v,
      ),
    PURGE_DELETED_USER_PAYLOADS: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
    /** where operators reach the dashboard: alerts link to incidents there (default http://HOST:PORT) */
    PUBLIC_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .url('must be a URL like https://monitor.example.com')
        .regex(/^https?:\/\//, 'must start with http:// or https://')
        .optional(),
    ),
    /** an event whose apply failed this many times is acknowledged (2xx) and parked as quarantined */
    QUARANTINE_AFTER_ATTEMPTS: z.coerce
      .number({ message: 'must be a whole number of attempts' })
      .int('must be a whole number of attempts')
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100')
      .default(3),
    /**
     * the shortest gap ever called silence: no genuine delivery for longer than the usual quiet (4 × the 95th
     * percentile of recent gaps), and never less than this, opens a silence incident; off = never
     */
    ALERT_SILENCE_MINUTES: z.preprocess(emptyAsUndefined, minutesOrOff('ALERT_SILENCE_MINUTES').default(15)),
    /** reminder alerts while an incident stays open (not acknowledged); off = none */
    ALERT_REMINDER_MINUTES: z.preprocess(emptyAsUndefined, minutesOrOff('ALERT_REMINDER_MINUTES').default(60)),
    ALERT_WEBHOOK_URL: z.preprocess(emptyAsUndefined, httpUrl.optional()),
    /** signs the alert webhook (Standard Webhooks / Svix format) */
    ALERT_WEBHOOK_SECRET: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'must look like whsec_<base64> (at least 16 characters)')
        .optional(),
    ),
    ALERT_SLACK_WEBHOOK_URL: z.preprocess(emptyAsUndefined, httpUrl.optional()),
    /** e.g. smtp://user:pass@smtp.example.com:587 or smtps://…:465 */
    SMTP_URL: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .regex(/^smtps?:\/\/[^\s]+$/, 'must start with smtp:// or smtps://')
        .optional(),
    ),
    ALERT_EMAIL_FROM: z.preprocess(emptyAsUndefined, z.string().email('must be an email address').optional()),
    /** one or more addresses, comma separated */
    ALERT_EMAIL_TO: z.preprocess(
      emptyAsUndefined,
      z
        .string()
        .transform((s) => s.split(/[\s,]+/).filter(Boolean))
        .pipe(z.array(z.string().email('each entry must be an email address')).min(1))
        .optional(),
    ),
  })
  .superRefine((env, ctx) => {
    const real = Boolean(env.CLERK_WEBHOOK_SIGNING_SECRET) || Boolean(env.CLERK_SECRET_KEY);
    if (real && !env.CLERK_WEBHOOK_SIGNING_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['CLERK_WEBHOOK_SIGNING_SECRET'],
        message: 'required with CLERK_SECRET_KEY',
      });
    if (real && !env.CLERK_SECRET_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['CLERK_SECRET_KEY'],
        message: 'required with CLERK_WEBHOOK_SIGNING_SECRET',
      });
    if (real && !env.ADMIN_PASSWORD)
      ctx.addIssue({
        code: 'custom',
        path: ['ADMIN_PASSWORD'],
        message: 'required when connected to a real Clerk instance',
      });
    if (env.ALERT_WEBHOOK_URL && !env.ALERT_WEBHOOK_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_WEBHOOK_SECRET'],
        message: 'required with ALERT_WEBHOOK_URL (receivers verify the signature)',
      });
    if (env.ALERT_WEBHOOK_SECRET && !env.ALERT_WEBHOOK_URL)
      ctx.addIssue({ code: 'custom', path: ['ALERT_WEBHOOK_URL'], message: 'required with ALERT_WEBHOOK_SECRET' });
    const email = {
      SMTP_URL: env.SMTP_URL,
      ALERT_EMAIL_FROM: env.ALERT_EMAIL_FROM,
      ALERT_EMAIL_TO: env.ALERT_EMAIL_TO,
    };
    const given = Object.entries(email).filter(([, v]) => v !== undefined);
    if (given.length > 0 && given.length < 3) {
      for (const [k, v] of Object.entries(email)) {
        if (v === undefined)
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: `required with ${given.map(([n]) => n).join(' and ')} (email alerts need SMTP_URL, ALERT_EMAIL_FROM and ALERT_EMAIL_TO)`,
          });
      }
    }
    if (env.HTTP_REQUEST_TIMEOUT_SECONDS < env.HTTP_HEADERS_TIMEOUT_SECONDS)
      ctx.addIssue({
        code: 'custom',
        path: ['HTTP_REQUEST_TIMEOUT_SECONDS'],
        message: 'must be at least HTTP_HEADERS_TIMEOUT_SECONDS (the headers are part of the request)',
      });
  });

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  databaseUrl: string;
  /** demo: no Clerk configured, the built-in emulator plays Clerk */
  demo: boolean;
  webhookSecrets: string[];
  clerkSecretKey: string | undefined;
  clerkApiUrl: string;
  adminEmail: string;
  adminPassword: string;
  logLevel: Env['LOG_LEVEL'];
  sessionTtlMs: number;
  cookieSecure: boolean;
  /** Host header names the app answers (lowercase, no port); null: any (ALLOWED_HOSTS=*) */
  allowedHosts: string[] | null;
  /** ALLOWED_HOSTS was not set: allowedHosts is the loopback names plus HOST */
  allowedHostsDefault: boolean;
  /** GET /metrics requires this bearer token when set */
  metricsToken: string | undefined;
  emulatorPort: number;
  emulatorActivityPerSecond: number;
  redisUrl: string | undefined;
  redisChannelPrefix: string;
  reconcile: {
    /** Clerk's limit, requests per 10 s */
    rateLimit: number;
    budgetShare: number;
    /** null: no schedule */
    intervalMs: number | null;
    pageSize: number;
  };
  /** Express `trust proxy` (sign-in limits count per client IP) */
  trustProxy: boolean | number | string;
  webhook: {
    /** refused requests per source and minute before they go unlogged (429); 0 = no limit */
    rejectedPerMinute: number;
    /** requests open at once per source; 0 = no cap */
    maxOpenPerIp: number;
  };
  /** Node's HTTP server timeouts (slow clients) */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number };
  socket: {
    /** a connection that has not joined with a session is closed after this */
    handshakeTimeoutMs: number;
    /** catch-up requests per connection and minute */
    catchUpPerMinute: number;
  };
  retention: {
    days: number;
    purgeDeletedUserPayloads: boolean;
  };
  /** where alerts link to */
  publicUrl: string;
  incidents: {
    quarantineAfterAttempts: number;
    /** the floor of the usual quiet; null: no silence incidents */
    silenceMs: number | null;
    /** null: no reminders */
    reminderMs: number | null;
  };
  alerts: AlertChannelsConfig;
}

/** Each channel is optional; null when not configured. */
export interface AlertChannelsConfig {
  webhook: { url: string; secret: string } | null;
  slack: { url: string } | null;
  email: { smtpUrl: string; from: string; to: string[] } | null;
}

/** "15m" → 900000; "off" → null */
export function durationMs(v: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d)$/i.exec(v.trim());
  if (!m) return null;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

export const DEMO_ADMIN_PASSWORD = 'demo-password';

/** Names that always mean this machine (browsers resolve `localhost` themselves, so no page can rebind it). */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);

/** `Example.COM.` → `example.com`, `[::1]` → `::1`: how Host names are compared. */
export function normalizeHostName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');
}

export function isLoopbackHost(host: string): boolean {
  const h = normalizeHostName(host);
  return LOOPBACK_HOSTS.includes(h) || /^127(\.\d{1,3}){3}$/.test(h) || h.endsWith('.localhost');
}

/** ALLOWED_HOSTS unset: the loopback names, plus HOST when it names one interface (not 0.0.0.0 / ::). */
export function defaultAllowedHosts(host: string): string[] {
  const h = normalizeHostName(host);
  return WILDCARD_HOSTS.has(h) || LOOPBACK_HOSTS.includes(h) ? [...LOOPBACK_HOSTS] : [...LOOPBACK_HOSTS, h];
}

/**
 * COOKIE_SECURE unset: a real Clerk instance reaches the monitor over HTTPS (Svix delivers to https URLs), so
 * cookies are Secure unless the monitor listens on loopback only (a local try-out over plain http). Demo mode
 * is a local try-out.
 */
export function cookieSecureDefault(o: { demo: boolean; host: string }): boolean {
  return !o.demo && !isLoopbackHost(o.host);
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function parseConfig(source: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const demo = !e.CLERK_WEBHOOK_SIGNING_SECRET;
  const allowed = e.ALLOWED_HOSTS ?? defaultAllowedHosts(e.HOST);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    demo,
    webhookSecrets: e.CLERK_WEBHOOK_SIGNING_SECRET ?? [],
    clerkSecretKey: e.CLERK_SECRET_KEY,
    clerkApiUrl: e.CLERK_API_URL.replace(/\/+$/, ''),
    adminEmail: e.ADMIN_EMAIL,
    adminPassword: e.ADMIN_PASSWORD ?? DEMO_ADMIN_PASSWORD,
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: e.COOKIE_SECURE ?? cookieSecureDefault({ demo, host: e.HOST }),
    allowedHosts: allowed.includes('*') ? null : allowed,
    allowedHostsDefault: e.ALLOWED_HOSTS === undefined,
    metricsToken: e.METRICS_TOKEN,
    emulatorPort: e.EMULATOR_PORT,
    emulatorActivityPerSecond: e.EMULATOR_ACTIVITY_PER_SECOND,
    redisUrl: e.REDIS_URL,
    redisChannelPrefix: e.REDIS_CHANNEL_PREFIX,
    reconcile: {
      rateLimit: e.RECONCILE_RATE_LIMIT,
      budgetShare: e.RECONCILE_BUDGET_SHARE,
      intervalMs: e.RECONCILE_INTERVAL ? durationMs(e.RECONCILE_INTERVAL) : null,
      pageSize: e.RECONCILE_PAGE_SIZE,
    },
    trustProxy: e.TRUST_PROXY,
    webhook: { rejectedPerMinute: e.WEBHOOK_REJECTED_PER_MINUTE, maxOpenPerIp: e.WEBHOOK_MAX_OPEN_PER_IP },
    http: {
      headersTimeoutMs: Math.round(e.HTTP_HEADERS_TIMEOUT_SECONDS * 1000),
      requestTimeoutMs: Math.round(e.HTTP_REQUEST_TIMEOUT_SECONDS * 1000),
      keepAliveTimeoutMs: Math.round(e.HTTP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000),
    },
    socket: {
      handshakeTimeoutMs: Math.round(e.SOCKET_HANDSHAKE_TIMEOUT_SECONDS * 1000),
      catchUpPerMinute: e.SOCKET_CATCH_UP_PER_MINUTE,
    },
    retention: { days: e.RETENTION_DAYS, purgeDeletedUserPayloads: e.PURGE_DELETED_USER_PAYLOADS },
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(
      /\/+$/,
      '',
    ),
    incidents: {
      quarantineAfterAttempts: e.QUARANTINE_AFTER_ATTEMPTS,
      silenceMs: e.ALERT_SILENCE_MINUTES === null ? null : e.ALERT_SILENCE_MINUTES * 60_000,
      reminderMs: e.ALERT_REMINDER_MINUTES === null ? null : e.ALERT_REMINDER_MINUTES * 60_000,
    },
    alerts: {
      webhook:
        e.ALERT_WEBHOOK_URL && e.ALERT_WEBHOOK_SECRET
          ? { url: e.ALERT_WEBHOOK_URL, secret: e.ALERT_WEBHOOK_SECRET }
          : null,
      slack: e.ALERT_SLACK_WEBHOOK_URL ? { url: e.ALERT_SLACK_WEBHOOK_URL } : null,
      email:
        e.SMTP_URL && e.ALERT_EMAIL_FROM && e.ALERT_EMAIL_TO
          ? { smtpUrl: e.SMTP_URL, from: e.ALERT_EMAIL_FROM, to: e.ALERT_EMAIL_TO }
          : null,
    },
  };
}

/** Read once by the entry point; everything else receives the Config object. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
