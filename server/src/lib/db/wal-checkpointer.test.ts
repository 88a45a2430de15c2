// The checkpointer thread against a real SQLite file with a writer that never pauses.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from './wal-checkpointer.ts';

describe('WAL checkpointer', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function database() {
    const dir = mkdtempSync(join(tmpdir(), 'csm-wal-'));
    dirs.push(dir);
    const file = join(dir, 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0'); // as the ingest connection does: only the thread checkpoints
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)');
    const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
    const batch = db.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert.run('x'.repeat(2000));
    });
    return { file, db, batch };
  }

  it('keeps the log bounded under a writer committing every millisecond, and copies it into the database file', async () => {
    const { file, db, batch } = database();
    const checkpointer = startCheckpointer(file, { intervalMs: 5, restartFrames: 200 });
    await checkpointer.ready;
    let maxWal = 0;
    // ~16 MB committed in 800 transactions, one per millisecond or so (a group commit under heavy load)
    for (let i = 0; i < 800; i++) {
      batch(10);
      maxWal = Math.max(maxWal, statSync(`${file}-wal`).size);
      await new Promise((r) => setTimeout(r, 1));
    }
    await checkpointer.close();
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 8000 });
    // Without the thread the log would hold every page written (> 20 MB here); with it the log starts over
    // again and again, so its size depends on how far the writer gets between two checkpoints, not on the total.
    expect(maxWal).toBeLessThan(6 * 1024 * 1024);
    expect(statSync(file).size).toBeGreaterThan(15 * 1024 * 1024);
    db.close();
  });

  it('tells its owner when it stops on its own, so the writer can checkpoint again itself', async () => {
    const { file, db } = database();
    let stopped = false;
    startCheckpointer(join(file, 'not-a-directory', 'x.db'), { onStopped: () => (stopped = true) });
    await expect.poll(() => stopped, { timeout: 5000 }).toBe(true);
    db.close();
  });
});
