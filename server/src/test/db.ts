// Test helper: a fresh, migrated, isolated database per call, for either provider.
//   describe.each(TEST_PROVIDERS)('%s', (provider) => { let db: Db; beforeEach(async () => { db = await createTestDb(provider) }); afterEach(() => db.close()) … })
// PostgreSQL tests never skip: when the server is not there, createTestDb throws and says how to start it.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type CreateDbOptions, type Db } from '../lib/db/client.ts';
import { migrate } from '../data/migrate.ts';

export const TEST_PROVIDERS = ['sqlite', 'postgresql'] as const;
export type TestProvider = (typeof TEST_PROVIDERS)[number];

/** Server for test databases; TEST_PG_URL overrides (its database part is ignored). */
const PG_CANDIDATES = process.env.TEST_PG_URL
  ? [process.env.TEST_PG_URL]
  : ['postgresql://root@127.0.0.1:5432/postgres', 'postgresql://postgres@127.0.0.1:5432/postgres'];

export async function createTestDb(provider: TestProvider, opts: CreateDbOptions = {}): Promise<Db> {
  return provider === 'sqlite' ? createSqliteTestDb(opts) : createPostgresTestDb(opts);
}

// ---- SQLite: copy a file migrated once per process (migrating each one would cost ~100 ms) ----

let sqliteTemplate: Promise<string> | undefined;

function migratedSqliteTemplate(): Promise<string> {
  sqliteTemplate ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-sqlite-template-'));
    const file = join(dir, 'template.db');
    await migrate(`file:${file}`);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return file;
  })();
  return sqliteTemplate;
}

async function createSqliteTestDb(opts: CreateDbOptions): Promise<Db> {
  const template = await migratedSqliteTemplate();
  const dir = mkdtempSync(join(tmpdir(), 'csm-test-'));
  const file = join(dir, 'test.db');
  copyFileSync(template, file);
  const db = await createDb(`file:${file}`, opts);
  return {
    ...db,
    close: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- PostgreSQL: a new database csm_t_<random>, dropped by close() ----

let adminUrl: Promise<string> | undefined;

/** URL of the test PostgreSQL server's `postgres` database (for creating/dropping databases); throws if down. */
export function pgAdminUrl(): Promise<string> {
  adminUrl ??= (async () => {
    const failures: string[] = [];
    for (const url of PG_CANDIDATES) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        await dropStaleTestDatabases(client).catch(() => {});
        await client.end();
        return url;
      } catch (err) {
        failures.push(`${url}: ${err instanceof Error ? err.message || err.constructor.name : String(err)}`);
        await client.end().catch(() => {});
      }
    }
    adminUrl = undefined; // let a later call try again
    throw new Error(
      `PostgreSQL is required for these tests at ${PG_CANDIDATES.join(' or ')} (tried: ${failures.join('; ')}); ` +
        'start it with `pg_ctlcluster 15 main start` (see `pg_lsclusters`), or point TEST_PG_URL at a server.',
    );
  })();
  return adminUrl;
}

// Test database names carry their creation time (base 36 ms), so a crashed run's leftovers can be recognised.
const TEST_DB_PREFIX = 'csm_t_';
const STALE_AFTER_MS = 60 * 60 * 1000;

function testDatabaseName(): string {
  return `${TEST_DB_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** Drops test databases older than an hour that nobody is connected to (left by killed test runs). */
async function dropStaleTestDatabases(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>(
    `SELECT datname FROM pg_database d WHERE datname LIKE 'csm\\_t\\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)`,
  );
  for (const { datname } of rows) {
    const born = parseInt(datname.slice(TEST_DB_PREFIX.length).split('_')[0] ?? '', 36);
    if (Number.isFinite(born) && Date.now() - born > STALE_AFTER_MS) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
    }
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createPostgresTestDb(opts: CreateDbOptions): Promise<Db> {
  const admin = await pgAdminUrl();
  const name = testDatabaseName();
  await adminQuery(admin, `CREATE DATABASE "${name}"`);
  const url = withDatabase(admin, name);
  const drop = () => adminQuery(admin, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  let db: Db;
  try {
    await migrate(url);
    db = await createDb(url, { poolMax: 4, ...opts });
  } catch (err) {
    await drop().catch(() => {});
    throw err;
  }
  return {
    ...db,
    close: async () => {
      await db.close();
      await drop();
    },
  };
}

/**
 * Empties every table (keeps the schema), so a file can share one database across its tests: creating a
 * PostgreSQL database costs ~0.5–1 s, clearing one a few ms.
 */
export async function clearTestDb(db: Db): Promise<void> {
  if (db.provider === 'sqlite') {
    const tables = await db.prisma.$queryRawUnsafe<{ name: string }[]>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
    );
    await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('PRAGMA defer_foreign_keys = ON');
      for (const { name } of tables) await tx.$executeRawUnsafe(`DELETE FROM "${name}"`);
      const seq = await tx.$queryRawUnsafe<unknown[]>("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'");
      if (seq.length > 0) await tx.$executeRawUnsafe('DELETE FROM sqlite_sequence');
    });
  } else {
    const tables = await db.prisma.$queryRawUnsafe<{ name: string }[]>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'",
    );
    if (tables.length > 0) {
      await db.prisma.$executeRawUnsafe(
        `TRUNCATE ${tables.map((t) => `"${t.name}"`).join(', ')} RESTART IDENTITY CASCADE`,
      );
    }
  }
}
