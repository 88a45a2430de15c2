// Worker thread: a reconcile run's per-page reads of local users and its `in_sync` marks, on its own SQLite
// connection (page-store.ts says why). It knows no table: it runs the statements it is sent (the users
// table's, users/users.repository.ts) and answers rows as SQLite stores them. Plain ESM so it loads in a
// worker under node, tsx and vitest alike.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, busyTimeoutMs } = workerData;
const db = new Database(path, { timeout: busyTimeoutMs });
db.pragma('synchronous = NORMAL');

const statements = new Map();
const prepare = (sql) => {
  let s = statements.get(sql);
  if (!s) statements.set(sql, (s = db.prepare(sql)));
  return s;
};

const ops = {
  /** `args`: the rows of one query; `each`: one single-row lookup per argument list, the rows found. */
  read({ sql, args, each }) {
    const s = prepare(sql);
    if (each === undefined) return s.all(...args);
    return each.flatMap((a) => {
      const r = s.get(...a);
      return r ? [r] : [];
    });
  },
  write({ sql, args, each }) {
    const s = prepare(sql);
    // IMMEDIATE: the write lock up front, so a busy database is waited for here, before anything is written
    db.transaction(() => {
      for (const a of each ?? [args]) s.run(...a);
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
    parentPort.postMessage({ seq: msg.seq, result: ops[msg.op](msg.statement) ?? null });
  } catch (err) {
    parentPort.postMessage({ seq: msg.seq, error: err instanceof Error ? err.message : String(err) });
  }
});
