// A reconcile run's per-page work on the local copy: reading the users a page's window holds, and marking
// those found in sync. It is most of what a run asks of the database — a first run marks every user once,
// and on SQLite each mark rewrites its user's row, which holds the user's JSON: ~500 database pages per
// page of Clerk users that the commit writes to the WAL (~11 ms per page measured), plus ~5 ms to read a
// page's rows and map them through Prisma. SQLite runs inside this process, so on the request thread that
// was half of the thread's time per page, and the run went at that pace instead of the rate budget's. On
// SQLite a worker thread with its own connection does it (the API stays responsive meanwhile); PostgreSQL
// does the work in its own process anyway, so there these are plain queries.
//
// The marks are written before the page's commit, not inside it: a mark is a fact about that user
// ("compared, equal, at"), true whether or not the run gets to commit the page; a run resumed before that
// page compares those users again and writes the same marks. The caller starts a page's marks only after the
// previous page is committed and commits it only after they are written, so the two connections never wait
// for each other's write lock.
//
// The statements are the users table's (users/users.repository.ts): its Prisma ones on PostgreSQL, its SQLite
// SQL in the worker, which runs what it is sent and answers raw rows, decoded here by the table's decoder.
import { Worker } from 'node:worker_threads';
import type { Db } from '../lib/db/client.ts';
import { sqlitePathFromUrl } from '../lib/db/url.ts';
import {
  createUsersRepository,
  decodeUserRow,
  usersSqlite,
  type CreatedWindow,
  type LocalUser,
  type SqliteStatement,
} from '../users/users.repository.ts';

export type { LocalUser };

export interface PageStore {
  /**
   * Local users (alive or not) whose Clerk created_at falls in [from, to] (null: open), in created_at
   * order after `after`: one read gives a page both its users as held here and those held here that Clerk
   * did not list.
   */
  usersInWindow(w: CreatedWindow): Promise<LocalUser[]>;
  /**
   * Local users with a Clerk created_at, and `parts − 1` created_at values that cut them into about equal
   * parts (ascending; fewer when many share a millisecond): where a run's windows are cut. Read once per run.
   */
  createdAtCuts(parts: number): Promise<{ counted: number; cuts: Date[] }>;
  /** Local users without a Clerk created_at (the last window takes them), in id order after `afterId`. */
  usersWithoutCreatedAt(afterId: string | null, take: number): Promise<LocalUser[]>;
  localUsers(ids: string[]): Promise<LocalUser[]>;
  /** Marks these users in sync as of `at` (those marked already keep their time). */
  markInSync(ids: string[], at: Date): Promise<void>;
  close(): Promise<void>;
}

export function openPageStore(db: Db): PageStore {
  const path = db.provider === 'sqlite' ? sqlitePathFromUrl(db.url) : null;
  return path && path !== ':memory:'
    ? workerStore(path, db.options.busyTimeoutMs ?? 5000, createUsersRepository(db.prisma))
    : queryStore(db);
}

/** The users table's Prisma statements, on the server's own connection. */
function queryStore(db: Db): PageStore {
  const users = createUsersRepository(db.prisma);
  return {
    usersInWindow: (w) => users.inCreatedWindow(w),
    createdAtCuts: (parts) => users.createdAtCuts(parts),
    usersWithoutCreatedAt: (afterId, take) => users.withoutCreatedAt(afterId, take),
    localUsers: (ids) => users.localUsers(ids),
    markInSync: (ids, at) => users.markInSync(ids, at),
    close: async () => {},
  };
}

/** One worker thread with its own connection. */
function connection(path: string, busyTimeoutMs: number) {
  // plain ESM: without the parent's loaders (tsx) it starts in a third of the time
  const worker = new Worker(new URL('./page-store.worker.mjs', import.meta.url), {
    workerData: { path, busyTimeoutMs },
    execArgv: [],
  });
  worker.unref(); // never what keeps the process alive
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (err: Error) => void }>();
  let seq = 0;
  let failure: Error | null = null;
  const failAll = (err: Error) => {
    failure ??= err;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  worker.on('message', (msg: { seq: number; result?: unknown; error?: string } | 'closed') => {
    if (msg === 'closed') return;
    const w = waiting.get(msg.seq);
    waiting.delete(msg.seq);
    if (msg.error !== undefined) w?.reject(new Error(`reconcile's local read or write failed: ${msg.error}`));
    else w?.resolve(msg.result);
  });
  worker.on('error', failAll);
  worker.on('exit', () => failAll(new Error('the reconcile page store stopped')));
  return {
    /** `read` answers the rows (raw, as SQLite stores them); `write` runs in one IMMEDIATE transaction. */
    call<T>(op: 'read' | 'write', statement: SqliteStatement): Promise<T> {
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => {
        const n = ++seq;
        waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ seq: n, op, statement });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (failure) return resolve();
        worker.on('message', (msg) => {
          if (msg === 'closed') void worker.terminate().then(() => resolve());
        });
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }),
  };
}

/** Two connections: the next page's rows are read (WAL: readers do not wait) while this page's marks are written. */
function workerStore(
  path: string,
  busyTimeoutMs: number,
  planning: Pick<ReturnType<typeof createUsersRepository>, 'createdAtCuts'>,
): PageStore {
  const reader = connection(path, busyTimeoutMs);
  const writer = connection(path, busyTimeoutMs);
  const read = async (statement: SqliteStatement) =>
    (await reader.call<Record<string, unknown>[]>('read', statement)).map((raw) => decodeUserRow<LocalUser>(raw));
  return {
    usersInWindow: (w) => read(usersSqlite.inCreatedWindow(w)),
    // once per run, a handful of short reads: the server's own connection will do
    createdAtCuts: (parts) => planning.createdAtCuts(parts),
    usersWithoutCreatedAt: (afterId, take) => read(usersSqlite.withoutCreatedAt(afterId, take)),
    localUsers: (ids) => (ids.length ? read(usersSqlite.localUsers(ids)) : Promise.resolve([])),
    markInSync: (ids, at) => (ids.length ? writer.call('write', usersSqlite.markInSync(ids, at)) : Promise.resolve()),
    close: async () => {
      await Promise.all([reader.close(), writer.close()]);
    },
  };
}
