// Opens the database DATABASE_URL names: SQLite (`file:…`) or PostgreSQL (`postgres(ql)://…`), each through its
// own generated Prisma client and driver adapter (a generated client is tied to one provider; see
// docs/decisions/002-two-prisma-schemas.md). Only the provider in use is loaded (dynamic imports): a generated
// client and its adapter are several MiB resident once loaded, and a process only ever talks to one provider.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PrismaClient as SqlitePrismaClient, Prisma } from '../../generated/sqlite/client.ts';
import { providerFromUrl, sqlitePathFromUrl, type Provider } from './url.ts';

/**
 * The one client type the rest of the server codes against. Both generated clients come from the same models
 * (prisma/models.prisma, which uses only types both providers share), so their APIs are identical; the
 * PostgreSQL client is cast to this type. A test checks that the two schemas hold the same models.
 */
export type PrismaDb = SqlitePrismaClient;

/** A PrismaClient or a transaction client: both carry the model delegates (what repositories take). */
export type DbClient = Prisma.TransactionClient;

export interface Db {
  prisma: PrismaDb;
  provider: Provider;
  url: string;
  /** what it was opened with (the ingest store opens its own connection the same way) */
  options: CreateDbOptions;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
  /** SQLite: how long a writer waits for a lock before SQLITE_BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Called for errors of idle pooled PostgreSQL connections (e.g. the server restarted). */
  onPoolError?: (err: Error) => void;
}

export async function createDb(databaseUrl: string, opts: CreateDbOptions = {}): Promise<Db> {
  const provider = providerFromUrl(databaseUrl);
  const prisma = provider === 'sqlite' ? await openSqlite(databaseUrl, opts) : await openPostgres(databaseUrl, opts);
  return {
    prisma,
    provider,
    url: databaseUrl,
    options: opts,
    close: () => prisma.$disconnect(),
  };
}

async function openSqlite(url: string, opts: CreateDbOptions): Promise<PrismaDb> {
  const path = sqlitePathFromUrl(url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  const [{ PrismaBetterSqlite3 }, { PrismaClient }] = await Promise.all([
    import('@prisma/adapter-better-sqlite3'),
    import('../../generated/sqlite/client.ts'),
  ]);
  // better-sqlite3's `timeout` is SQLite's busy timeout. The adapter keeps one connection, so pragmas stick.
  const adapter = new PrismaBetterSqlite3({ url: path, timeout: busyTimeoutMs });
  const prisma = new PrismaClient({ adapter });
  // WAL lets readers run while a write is in progress; with WAL, synchronous=NORMAL is still crash-safe.
  await prisma.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await prisma.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
  await prisma.$executeRawUnsafe(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  await prisma.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  return prisma;
}

async function openPostgres(url: string, opts: CreateDbOptions): Promise<PrismaDb> {
  const [{ PrismaPg }, { PrismaClient }] = await Promise.all([
    import('@prisma/adapter-pg'),
    import('../../generated/postgresql/client.ts'),
  ]);
  const adapter = new PrismaPg(
    { connectionString: url, max: opts.poolMax ?? 10, connectionTimeoutMillis: 10_000 },
    { onPoolError: opts.onPoolError ?? (() => {}) },
  );
  // Same models, same API (see PrismaDb); the generated types differ only nominally.
  return new PrismaClient({ adapter }) as unknown as PrismaDb;
}
