import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate.ts';
import { migrationsDir, readMigrationsList, withSchemaEngine } from '../../tools/db/schema-engine.ts';
import type { Provider } from '../lib/db/url.ts';
import { createTestDb, pgAdminUrl } from '../test/db.ts';

// The query the native `prisma migrate deploy` runs to read the history (schema-engine sql-migration-connector).
const NATIVE_HISTORY_QUERY =
  'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count ' +
  'FROM _prisma_migrations ORDER BY started_at ASC';

// What the engine parses timestamps with on SQLite (RFC 3339) — text in another format would break it.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function expectedMigrations(provider: Provider) {
  const dir = migrationsDir(provider);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((name) => ({
      name,
      checksum: createHash('sha256').update(readFileSync(join(dir, name, 'migration.sql'))).digest('hex'),
    }));
}

type HistoryRow = {
  id: string;
  checksum: string;
  finished_at: unknown;
  migration_name: string;
  logs: string | null;
  rolled_back_at: unknown;
  started_at: unknown;
  applied_steps_count: number | bigint;
};

function checkHistory(rows: HistoryRow[], provider: Provider) {
  const expected = expectedMigrations(provider);
  expect(expected.length).toBeGreaterThan(0);
  expect(rows.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(expected);
  for (const row of rows) {
    expect(row.finished_at).not.toBeNull();
    expect(row.rolled_back_at).toBeNull();
    expect(row.logs).toBeNull();
    expect(Number(row.applied_steps_count)).toBe(1);
    expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
    if (provider === 'sqlite') {
      expect(row.started_at).toMatch(RFC3339);
      expect(row.finished_at).toMatch(RFC3339);
    } else {
      expect(row.started_at).toBeInstanceOf(Date);
      expect(row.finished_at).toBeInstanceOf(Date);
    }
    expect(new Date(row.finished_at as string).getTime()).toBeGreaterThanOrEqual(
      new Date(row.started_at as string).getTime(),
    );
  }
}

async function diagnose(url: string, provider: Provider) {
  return withSchemaEngine(url, (engine) =>
    engine.diagnoseMigrationHistory({
      migrationsList: readMigrationsList(migrationsDir(provider)),
      optInToShadowDatabase: false,
      filters: { externalTables: [], externalEnums: [] },
    }),
  );
}

describe('migrate on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csm-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file and its directory, applies all migrations once, then nothing', async () => {
    const file = join(dir, 'nested', 'deeper', 'app.db');
    const url = `file:${file}`;
    const logs: string[] = [];
    const first = await migrate(url, { log: (m) => logs.push(m) });
    expect(first.applied).toEqual(expectedMigrations('sqlite').map((m) => m.name));
    expect(existsSync(file)).toBe(true);
    expect(logs.join('\n')).toContain('20261126000000_init');

    const started = Date.now();
    const second = await migrate(url);
    expect(second.applied).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);

    const sqlite = new Database(file, { readonly: true });
    try {
      const columns = (sqlite.prepare('PRAGMA table_info(_prisma_migrations)').all() as { name: string }[]).map((c) => c.name);
      expect(columns.sort()).toEqual(
        ['applied_steps_count', 'checksum', 'finished_at', 'id', 'logs', 'migration_name', 'rolled_back_at', 'started_at'],
      );
      checkHistory(sqlite.prepare(NATIVE_HISTORY_QUERY).all() as HistoryRow[], 'sqlite');
      const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['Delivery', 'Event', 'User', 'Session', 'Operator', 'OperatorSession']));
    } finally {
      sqlite.close();
    }

    // What `prisma migrate status` asks the engine: nothing pending, nothing failed or edited.
    const status = await diagnose(url, 'sqlite');
    expect(status).toMatchObject({ history: null, failedMigrationNames: [], editedMigrationNames: [], hasMigrationsTable: true });
  });

  it('resolves relative paths against the process cwd', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await migrate('file:./rel/app.db');
      expect(existsSync(join(dir, 'rel', 'app.db'))).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('migrate on PostgreSQL', () => {
  it('applies all migrations to a fresh database once, then nothing', async () => {
    // createTestDb migrates already; migrate again must be a no-op, and the history must read back natively.
    const db = await createTestDb('postgresql');
    try {
      const again = await migrate(db.url);
      expect(again.applied).toEqual([]);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const cols = await client.query<{ column_name: string }>(
          "SELECT column_name FROM information_schema.columns WHERE table_name = '_prisma_migrations'",
        );
        expect(cols.rows.map((r) => r.column_name).sort()).toEqual(
          ['applied_steps_count', 'checksum', 'finished_at', 'id', 'logs', 'migration_name', 'rolled_back_at', 'started_at'],
        );
        checkHistory((await client.query<HistoryRow>(NATIVE_HISTORY_QUERY)).rows, 'postgresql');
      } finally {
        await client.end();
      }
      const status = await diagnose(db.url, 'postgresql');
      expect(status).toMatchObject({ history: null, failedMigrationNames: [], editedMigrationNames: [], hasMigrationsTable: true });
    } finally {
      await db.close();
    }
  });

  it('creates a missing database, applies everything, and the second run applies nothing', async () => {
    const server = new URL(await pgAdminUrl());
    const name = `csm_t_migrate_${Date.now().toString(36)}`;
    server.pathname = `/${name}`;
    const url = server.toString();
    try {
      const first = await migrate(url);
      expect(first.applied).toEqual(expectedMigrations('postgresql').map((m) => m.name));
      const started = Date.now();
      expect((await migrate(url)).applied).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      server.pathname = '/postgres';
      const admin = new pg.Client({ connectionString: server.toString() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
