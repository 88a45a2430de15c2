// The thread wal-checkpointer.ts starts: copies SQLite's write-ahead log back into the database file on its
// own connection, so that cost lands on another core instead of inside the ingest connection's COMMIT, where
// SQLite's auto-checkpoint would run it on the request thread (docs/decisions/008-ingest-hot-path.md).
// Plain ESM: it loads in a worker under node, tsx and vitest alike.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { path, intervalMs, busyTimeoutMs, restartFrames } = workerData;
const db = new Database(path, { timeout: busyTimeoutMs });
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
// Under a steady stream of commits a passive checkpoint never finds the log fully copied at the moment a
// writer starts, so the log would never start over and would grow without bound. RESTART makes the next
// writer start it over; it holds writers back only while it copies what the passive runs have not.
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
const timer = setInterval(() => {
  try {
    const { log } = passive.get();
    if (log >= restartFrames) restart.get();
  } catch {
    // a busy or unwritable database: the next tick tries again, and the writer's own errors are reported where they happen
  }
}, intervalMs);
parentPort.postMessage('ready');
parentPort.on('message', (msg) => {
  if (msg !== 'close') return;
  clearInterval(timer);
  try {
    passive.get();
  } finally {
    db.close();
    parentPort.postMessage('closed');
  }
});
