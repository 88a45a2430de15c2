// isStorageUnavailable / isUniqueViolation against errors provoked from real databases, in the wrappings the
// code meets them (Prisma client errors, driver adapter errors, raw driver errors).
import { mkdtempSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PrismaClient as SqlitePrismaClient } from '../../generated/sqlite/client.ts';
import { createDb } from './client.ts';
import { isStorageUnavailable, isUniqueViolation } from './errors.ts';
import { migrate } from '../../data/migrate.ts';
import { createTestDb, pgAdminUrl } from '../../test/db.ts';

const dir = mkdtempSync(join(tmpdir(), 'csm-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function migratedSqlite(name: string): Promise<string> {
  const file = join(dir, name);
  await migrate(`file:${file}`);
  return file;
}

const newOperator = (email = `op${Math.random()}@example.com`) => ({ data: { email, passwordHash: 'x' } });

describe('isStorageUnavailable on SQLite', () => {
  it('is true for a locked database (SQLITE_BUSY after the busy timeout)', async () => {
    const file = await migratedSqlite('locked.db');
    const holder = new Database(file);
    holder.exec('BEGIN EXCLUSIVE');
    const db = await createDb(`file:${file}`, { busyTimeoutMs: 50 }).catch((e: unknown) => e);
    try {
      // Opening runs PRAGMAs that may already hit the lock; otherwise the first write does.
      const err =
        db instanceof Error
          ? db
          : await (db as Awaited<ReturnType<typeof createDb>>).prisma.operator
              .create(newOperator())
              .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isStorageUnavailable(err)).toBe(true);
      expect(isUniqueViolation(err)).toBe(false);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
      if (!(db instanceof Error)) await (db as Awaited<ReturnType<typeof createDb>>).close();
    }
  });

  it('is true for a write to a read-only database', async () => {
    const file = await migratedSqlite('readonly.db');
    // Root ignores file modes, so open it read-only the way a read-only mount would present it.
    const prisma = new SqlitePrismaClient({ adapter: new PrismaBetterSqlite3({ url: file, readonly: true }) });
    try {
      expect(await prisma.operator.count()).toBe(0);
      const err = await prisma.operator.create(newOperator()).catch((e: unknown) => e);
      expect(String(err)).toMatch(/readonly/i);
      expect(isStorageUnavailable(err)).toBe(true);
    } finally {
      await prisma.$disconnect();
    }
  });

  it('is true when the database file was moved away while open (SQLITE_IOERR_* / SQLITE_READONLY_DBMOVED)', async () => {
    const file = await migratedSqlite('moved.db');
    const db = await createDb(`file:${file}`);
    try {
      renameSync(file, `${file}.gone`);
      const err = await db.prisma.operator.create(newOperator()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isStorageUnavailable(err)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('is true when the file cannot be opened (SQLITE_CANTOPEN)', async () => {
    const path = join(dir, 'a-directory.db');
    mkdirSync(path, { recursive: true });
    const err = await createDb(`file:${path}`).then(
      async (db) => {
        const e = await db.prisma.operator.count().catch((x: unknown) => x);
        await db.close().catch(() => {});
        return e;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isStorageUnavailable(err)).toBe(true);
  });

  it('raw better-sqlite3 errors are classified too', async () => {
    const file = await migratedSqlite('raw.db');
    const a = new Database(file);
    const b = new Database(file, { timeout: 10 });
    a.exec('BEGIN EXCLUSIVE');
    try {
      let busy: unknown;
      try {
        b.exec("INSERT INTO \"User\" (id, updatedAt) VALUES ('u', '2026-01-01T00:00:00.000Z')");
      } catch (e) {
        busy = e;
      }
      expect((busy as { code?: string }).code).toBe('SQLITE_BUSY');
      expect(isStorageUnavailable(busy)).toBe(true);
    } finally {
      a.exec('ROLLBACK');
      a.close();
      b.close();
    }
  });
});

describe('isStorageUnavailable on PostgreSQL', () => {
  it('is true when nothing listens (connection refused)', async () => {
    const db = await createDb('postgresql://root@127.0.0.1:1/nothing');
    try {
      const err = await db.prisma.operator.count().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isStorageUnavailable(err)).toBe(true);
      expect(isUniqueViolation(err)).toBe(false);
    } finally {
      await db.close();
    }
    const raw = new pg.Client({ connectionString: 'postgresql://root@127.0.0.1:1/nothing' });
    const rawErr = await raw.connect().catch((e: unknown) => e);
    expect(isStorageUnavailable(rawErr)).toBe(true);
  });

  it('is true for a database that does not exist', async () => {
    const url = new URL(await pgAdminUrl());
    url.pathname = '/csm_no_such_database';
    const db = await createDb(url.toString());
    try {
      const err = await db.prisma.operator.count().catch((e: unknown) => e);
      expect(isStorageUnavailable(err)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('is true when the server terminates the connection', async () => {
    const db = await createTestDb('postgresql', { poolMax: 1 });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await db.prisma.operator.count(); // opens the pooled connection
      const dbName = new URL(db.url).pathname.slice(1);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [dbName],
      );
      await new Promise((r) => setTimeout(r, 100));
      const err = await db.prisma.$transaction(async (tx) => tx.operator.count()).catch((e: unknown) => e);
      // pg may already have dropped the dead idle connection and opened a new one; either outcome is fine,
      // but an error, if any, must count as unavailability.
      if (err instanceof Error) expect(isStorageUnavailable(err)).toBe(true);
    } finally {
      await admin.end();
      await db.close();
    }
  });

  it('is true for a transaction cut off mid-way by the server', async () => {
    const db = await createTestDb('postgresql', { poolMax: 2 });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const err = await db.prisma
        .$transaction(async (tx) => {
          const rows = await tx.$queryRawUnsafe<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
          await tx.operator.count();
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isStorageUnavailable(err)).toBe(true);
      expect(isUniqueViolation(err)).toBe(false);
    } finally {
      await admin.end();
      await db.close();
    }
  });
});

describe('isUniqueViolation / isStorageUnavailable on non-errors', () => {
  it('is false for values that are not errors', () => {
    for (const v of [undefined, null, 'SQLITE_BUSY', 42, {}]) {
      expect(isStorageUnavailable(v)).toBe(false);
      expect(isUniqueViolation(v)).toBe(false);
    }
    expect(isStorageUnavailable(new Error('boom'))).toBe(false);
  });
});
