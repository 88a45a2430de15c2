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
    COOKIE_SECURE: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** demo mode only: the port of the built-in emulator (0 picks a free one) */
    EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    EMULATOR_ACTIVITY_PER_SECOND: z.coerce.number().min(0).default(1),
  })
  .superRefine((env, ctx) => {
    const real = Boolean(env.CLERK_WEBHOOK_SIGNING_SECRET) || Boolean(env.CLERK_SECRET_KEY);
    if (real && !env.CLERK_WEBHOOK_SIGNING_SECRET)
      ctx.addIssue({ code: 'custom', path: ['CLERK_WEBHOOK_SIGNING_SECRET'], message: 'required with CLERK_SECRET_KEY' });
    if (real && !env.CLERK_SECRET_KEY)
      ctx.addIssue({ code: 'custom', path: ['CLERK_SECRET_KEY'], message: 'required with CLERK_WEBHOOK_SIGNING_SECRET' });
    if (real && !env.ADMIN_PASSWORD)
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'required when connected to a real Clerk instance' });
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
  emulatorPort: number;
  emulatorActivityPerSecond: number;
}

export const DEMO_ADMIN_PASSWORD = 'demo-password';

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
    cookieSecure: e.COOKIE_SECURE,
    emulatorPort: e.EMULATOR_PORT,
    emulatorActivityPerSecond: e.EMULATOR_ACTIVITY_PER_SECOND,
  };
}

/** Read once by the entry point; everything else receives the Config object. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
