// Worker thread: a reconcile run's per-page reads of local users and its `in_sync` marks, on its own SQLite
// connection (page-store.ts says why). Plain ESM so it loads in a worker under node, tsx and vitest alike.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, busyTimeoutMs } = workerData;
const db = new Database(path, { timeout: busyTimeoutMs });
db.pragma('synchronous = NORMAL');

const COLUMNS = `"id", "deleted", "data", "clerkUpdatedAt", "clerkCreatedAt", "primaryEmail"`;
const statements = new Map();
const prepare = (sql) => {
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
};
// Prisma's SQLite adapter stores DateTime as ISO-8601 text and booleans as 0/1: hand back what Prisma would
const date = (v) => (v === null ? null : new Date(v));
const row = (r) => ({ ...r, deleted: r.deleted === 1, clerkUpdatedAt: date(r.clerkUpdatedAt), clerkCreatedAt: date(r.clerkCreatedAt) });
const text = (d) => d.replace('Z', '+00:00');

const ops = {
  usersInWindow({ from, to, after, take }) {
    const where = ['"clerkCreatedAt" IS NOT NULL'];
    const args = [];
    if (from) {
      where.push('"clerkCreatedAt" >= ?');
      args.push(text(from));
    }
    if (to) {
      where.push('"clerkCreatedAt" <= ?');
      args.push(text(to));
    }
    if (after) {
      where.push('("clerkCreatedAt", "id") > (?, ?)');
      args.push(text(after.createdAt), after.id);
    }
    const sql = `SELECT ${COLUMNS} FROM "User" WHERE ${where.join(' AND ')} ORDER BY "clerkCreatedAt", "id" LIMIT ?`;
    return prepare(sql).all(...args, take).map(row);
  },
  createdAtCuts({ parts }) {
    const counted = prepare('SELECT COUNT(*) AS n FROM "User" WHERE "clerkCreatedAt" IS NOT NULL').get().n;
    const step = Math.floor(counted / parts);
    const cuts = [];
    if (parts < 2 || step < 1) return { counted, cuts };
    // keyset steps: each cut is `step` rows past the previous one's millisecond, so a read never walks from the start
    const first = prepare('SELECT "clerkCreatedAt" AS c FROM "User" WHERE "clerkCreatedAt" IS NOT NULL ORDER BY "clerkCreatedAt" LIMIT 1 OFFSET ?');
    const after = prepare('SELECT "clerkCreatedAt" AS c FROM "User" WHERE "clerkCreatedAt" > ? ORDER BY "clerkCreatedAt" LIMIT 1 OFFSET ?');
    let row = first.get(step);
    while (row && cuts.length < parts - 1) {
      cuts.push(new Date(row.c).toISOString());
      row = after.get(row.c, step - 1);
    }
    return { counted, cuts };
  },
  usersWithoutCreatedAt({ afterId, take }) {
    const sql = `SELECT ${COLUMNS} FROM "User" WHERE "clerkCreatedAt" IS NULL${afterId === null ? '' : ' AND "id" > ?'} ORDER BY "id" LIMIT ?`;
    return prepare(sql).all(...(afterId === null ? [] : [afterId]), take).map(row);
  },
  localUsers({ ids }) {
    const byId = prepare(`SELECT ${COLUMNS} FROM "User" WHERE "id" = ?`);
    return ids.flatMap((id) => {
      const r = byId.get(id);
      return r ? [row(r)] : [];
    });
  },
  markInSync({ ids, at }) {
    // `updatedAt` stays: the copy did not change, only what is known about it
    const mark = prepare(`UPDATE "User" SET "syncStatus" = 'in_sync', "lastComparedAt" = ? WHERE "id" = ? AND "syncStatus" <> 'in_sync'`);
    // IMMEDIATE: the write lock up front, so a busy database is waited for here, before anything is written
    db.transaction(() => {
      for (const id of ids) mark.run(text(at), id);
    }).immediate();
  },
};

parentPort.on('message', (msg) => {
  if (msg === 'close') {
    db.close();
    parentPort.postMessage('closed');
    return;
  }
  try {
    parentPort.postMessage({ seq: msg.seq, result: ops[msg.op](msg.args) ?? null });
  } catch (err) {
    parentPort.postMessage({ seq: msg.seq, error: err instanceof Error ? err.message : String(err) });
  }
});
