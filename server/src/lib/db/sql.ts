// A thin SQL layer for the ingest hot path, over better-sqlite3 (SQLite) or pg (PostgreSQL): prepared
// statements and explicit transactions, nothing else. Prisma stays the data layer everywhere else; here its
// per-query overhead (~0.8 ms) would cap ingest far below what the machine can do
// (docs/decisions/008-ingest-hot-path.md). Values are encoded the way Prisma stores them, so both read
// the same rows. The statements themselves live with their tables (users/, sessions/, events/, deliveries/).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Db } from './client.ts';
import { sqlitePathFromUrl } from './url.ts';
import { startCheckpointer } from './wal-checkpointer.ts';

export interface SqlTx {
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  run(sql: string, params?: unknown[]): Promise<void>;
  /** runs fn; on a throw, undoes only what fn wrote and rethrows */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** serialises writers of these keys across connections (PostgreSQL); SQLite has one writer anyway */
  lock(keys: string[]): Promise<void>;
  date(d: Date | null): unknown;
  bool(b: boolean): unknown;
  /** a SQL expression reading a DateTime column as ISO text */
  dateText(column: string): string;
}

export interface SqlConn {
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Prisma's SQLite adapter stores DateTime as ISO-8601 text with an explicit offset, booleans as 0/1. */
export const sqliteDate = (d: Date): string => d.toISOString().replace('Z', '+00:00');

/**
 * Decodes the columns of a raw row the way Prisma would hand them back: `dates` from their stored or
 * `dateText` form to Date, `bools` from 0/1 (SQLite) or boolean (PostgreSQL) to boolean. Other columns and
 * columns the row lacks are left as they are.
 */
export function decodeRow<T>(
  raw: Record<string, unknown>,
  columns: { dates: readonly string[]; bools: readonly string[] },
): T {
  const row: Record<string, unknown> = { ...raw };
  for (const c of columns.dates) if (c in row) row[c] = row[c] === null ? null : new Date(row[c] as string);
  for (const c of columns.bools) if (c in row) row[c] = Boolean(row[c]);
  return row as T;
}

export function openSql(db: Db): SqlConn {
  return db.provider === 'sqlite' ? openSqlite(db) : openPostgres(db);
}

function openSqlite(db: Db): SqlConn {
  const path = sqlitePathFromUrl(db.url);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const conn = new Database(path, { timeout: db.options.busyTimeoutMs ?? 5000 });
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = NORMAL');
  // Checkpoints run on a worker thread (wal-checkpointer.ts), not inside this connection's COMMIT, where they
  // took ~40 % of the ingest transaction's time. In-memory databases have no WAL to checkpoint. Should the
  // thread ever stop, this connection checkpoints again itself (a WAL must not grow without bound).
  const checkpointer =
    path === ':memory:'
      ? null
      : startCheckpointer(path, {
          busyTimeoutMs: db.options.busyTimeoutMs ?? 5000,
          onStopped: () => void (conn.open && conn.pragma('wal_autocheckpoint = 1000')),
        });
  if (checkpointer) conn.pragma('wal_autocheckpoint = 0');
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = conn.prepare(sql)));
    return s;
  };
  // Transaction control is prepared too: `exec` re-parses its SQL on every call (measured at 14 % of the
  // server's CPU under load before this).
  const control = (sql: string) => () => void prepare(sql).run();
  const savepoints = Array.from({ length: 4 }, (_, i) => ({
    open: control(`SAVEPOINT sp${i}`),
    release: control(`RELEASE sp${i}`),
    rollback: control(`ROLLBACK TO sp${i}`),
  }));
  const begin = control('BEGIN IMMEDIATE');
  const commit = control('COMMIT');
  let depth = 0;
  const tx: SqlTx = {
    all: async <T>(sql: string, params: unknown[] = []) => prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, params: unknown[] = []) => prepare(sql).get(...params) as T | undefined,
    run: async (sql, params = []) => void prepare(sql).run(...params),
    async savepoint(fn) {
      const sp = savepoints[depth++];
      if (!sp) throw new Error('savepoints nest at most 4 deep');
      sp.open();
      try {
        const r = await fn();
        sp.release();
        return r;
      } catch (err) {
        sp.rollback();
        sp.release();
        throw err;
      } finally {
        depth--;
      }
    },
    lock: async () => {},
    date: (d) => (d ? sqliteDate(d) : null),
    bool: (b) => (b ? 1 : 0),
    dateText: (column) => `"${column}"`,
  };
  return {
    async transaction(fn) {
      // IMMEDIATE takes the write lock up front: a read-then-write transaction cannot lose the upgrade race
      // to another connection (Prisma's) and fail half-way with SQLITE_BUSY_SNAPSHOT.
      begin();
      try {
        const r = await fn(tx);
        commit();
        return r;
      } catch (err) {
        if (conn.inTransaction) conn.exec('ROLLBACK');
        throw err;
      }
    },
    async close() {
      conn.close();
      await checkpointer?.close();
    },
  };
}

function openPostgres(db: Db): SqlConn {
  const pool = new pg.Pool({ connectionString: db.url, max: 4, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {}); // an idle connection dropped; the next query reconnects
  const texts = new Map<string, { name: string; text: string }>();
  const toPg = (sql: string) => {
    let t = texts.get(sql);
    if (!t) {
      let n = 0;
      t = { name: `ingest_${texts.size}`, text: sql.replace(/\?/g, () => `$${++n}`) };
      texts.set(sql, t);
    }
    return t;
  };
  return {
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client has no pool listener: the server going away while it is held (between two
      // statements) would otherwise be an uncaught 'error' event and end the process. The next query
      // fails instead, the batch answers 503, and the broken connection is discarded on release.
      let broken = false;
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      let depth = 0;
      const query = async <T>(sql: string, params: unknown[] = []) =>
        (await client.query({ ...toPg(sql), values: params })).rows as T[];
      const tx: SqlTx = {
        all: query,
        get: async <T>(sql: string, params: unknown[] = []) => (await query<T>(sql, params))[0],
        run: async (sql, params = []) => void (await query(sql, params)),
        async savepoint(fn2) {
          const name = `sp${++depth}`;
          await client.query(`SAVEPOINT ${name}`);
          try {
            const r = await fn2();
            await client.query(`RELEASE SAVEPOINT ${name}`);
            return r;
          } catch (err) {
            await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
            throw err;
          } finally {
            depth--;
          }
        },
        async lock(keys) {
          // One statement, in hash order: two instances locking overlapping batches cannot deadlock.
          await client.query(
            'SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY 1) AS s',
            [keys],
          );
        },
        // `timestamp(3)` without time zone holds UTC wall time (as Prisma writes it); an ISO string's Z is ignored.
        date: (d) => (d ? d.toISOString() : null),
        bool: (b) => b,
        dateText: (column) => `to_char("${column}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      };
      try {
        await client.query('BEGIN');
        const r = await fn(tx);
        await client.query('COMMIT');
        return r;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
