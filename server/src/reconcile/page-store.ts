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
import { Worker } from 'node:worker_threads';
import { Prisma } from '../generated/sqlite/client.ts';
import type { Db } from '../lib/db/client.ts';
import { chunks } from '../lib/chunks.ts';
import { sqlitePathFromUrl } from '../lib/db/schema-engine.ts';

/** A local user as a page's classification reads it. */
export interface LocalUser {
  id: string;
  deleted: boolean;
  data: string | null;
  clerkUpdatedAt: Date | null;
  clerkCreatedAt: Date | null;
  primaryEmail: string | null;
}

export interface PageStore {
  /**
   * Local users (alive or not) whose Clerk created_at falls in [from, to] (null: open), in created_at
   * order after `after`: one read gives a page both its users as held here and those held here that Clerk
   * did not list. (In index order: ordered by id, SQLite sorted every row of the window, data and all.)
   */
  usersInWindow(w: { from: Date | null; to: Date | null; after: { createdAt: Date; id: string } | null; take: number }): Promise<LocalUser[]>;
  /**
   * Local users with a Clerk created_at, and `parts − 1` created_at values that cut them into about equal
   * parts (ascending; fewer when many share a millisecond): where a run's windows are cut. One pass over the
   * created_at index, `parts` short reads.
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
  return path && path !== ':memory:' ? workerStore(path, db.options.busyTimeoutMs ?? 5000) : queryStore(db);
}

// Plain SQL through Prisma ($queryRaw binds values the way each provider stores them): ~500 rows per page,
// where the model API's per-row mapping cost more than the database did.
const COLUMNS = Prisma.sql`"id", "deleted", "data", "clerkUpdatedAt", "clerkCreatedAt", "primaryEmail"`;

function queryStore(db: Db): PageStore {
  const { prisma } = db;
  return {
    usersInWindow(w) {
      const from = w.from ? Prisma.sql`AND "clerkCreatedAt" >= ${w.from}` : Prisma.empty;
      const to = w.to ? Prisma.sql`AND "clerkCreatedAt" <= ${w.to}` : Prisma.empty;
      const after = w.after ? Prisma.sql`AND ("clerkCreatedAt", "id") > (${w.after.createdAt}, ${w.after.id})` : Prisma.empty;
      return prisma.$queryRaw<LocalUser[]>`SELECT ${COLUMNS} FROM "User"
        WHERE "clerkCreatedAt" IS NOT NULL ${from} ${to} ${after} ORDER BY "clerkCreatedAt", "id" LIMIT ${w.take}`;
    },
    async createdAtCuts(parts) {
      const [{ n }] = await prisma.$queryRaw<[{ n: bigint | number }]>`SELECT COUNT(*) AS "n" FROM "User" WHERE "clerkCreatedAt" IS NOT NULL`;
      const counted = Number(n);
      const step = Math.floor(counted / parts);
      const cuts: Date[] = [];
      if (parts < 2 || step < 1) return { counted, cuts };
      // keyset steps: each cut is `step` rows past the previous one's millisecond, so a read never walks from the start
      let row = await prisma.$queryRaw<{ c: Date }[]>`SELECT "clerkCreatedAt" AS "c" FROM "User" WHERE "clerkCreatedAt" IS NOT NULL
        ORDER BY "clerkCreatedAt" LIMIT 1 OFFSET ${step}`;
      while (row[0] && cuts.length < parts - 1) {
        cuts.push(new Date(row[0].c));
        row = await prisma.$queryRaw<{ c: Date }[]>`SELECT "clerkCreatedAt" AS "c" FROM "User" WHERE "clerkCreatedAt" > ${row[0].c}
          ORDER BY "clerkCreatedAt" LIMIT 1 OFFSET ${step - 1}`;
      }
      return { counted, cuts };
    },
    usersWithoutCreatedAt(afterId, take) {
      const after = afterId === null ? Prisma.empty : Prisma.sql`AND "id" > ${afterId}`;
      return prisma.$queryRaw<LocalUser[]>`SELECT ${COLUMNS} FROM "User" WHERE "clerkCreatedAt" IS NULL ${after} ORDER BY "id" LIMIT ${take}`;
    },
    async localUsers(ids) {
      const rows: LocalUser[] = [];
      for (const part of chunks(ids)) rows.push(...(await prisma.$queryRaw<LocalUser[]>`SELECT ${COLUMNS} FROM "User" WHERE "id" IN (${Prisma.join(part)})`));
      return rows;
    },
    async markInSync(ids, at) {
      // `updatedAt` stays: the copy did not change, only what is known about it
      for (const part of chunks(ids)) {
        await prisma.$executeRaw`UPDATE "User" SET "syncStatus" = 'in_sync', "lastComparedAt" = ${at}
          WHERE "id" IN (${Prisma.join(part)}) AND "syncStatus" <> 'in_sync'`;
      }
    },
    close: async () => {},
  };
}

/** One worker thread with its own connection. */
function connection(path: string, busyTimeoutMs: number) {
  // plain ESM: without the parent's loaders (tsx) it starts in a third of the time
  const worker = new Worker(new URL('./page-store.worker.mjs', import.meta.url), { workerData: { path, busyTimeoutMs }, execArgv: [] });
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
    call<T>(op: keyof PageStore, args: unknown): Promise<T> {
      if (failure) return Promise.reject(failure);
      return new Promise<T>((resolve, reject) => {
        const n = ++seq;
        waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ seq: n, op, args });
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
function workerStore(path: string, busyTimeoutMs: number): PageStore {
  const reader = connection(path, busyTimeoutMs);
  const writer = connection(path, busyTimeoutMs);
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    usersInWindow: (w) =>
      reader.call('usersInWindow', { from: iso(w.from), to: iso(w.to), after: w.after && { createdAt: iso(w.after.createdAt), id: w.after.id }, take: w.take }),
    createdAtCuts: async (parts) => {
      const r = await reader.call<{ counted: number; cuts: string[] }>('createdAtCuts', { parts });
      return { counted: r.counted, cuts: r.cuts.map((c) => new Date(c)) };
    },
    usersWithoutCreatedAt: (afterId, take) => reader.call('usersWithoutCreatedAt', { afterId, take }),
    localUsers: (ids) => (ids.length ? reader.call('localUsers', { ids }) : Promise.resolve([])),
    markInSync: (ids, at) => (ids.length ? writer.call('markInSync', { ids, at: at.toISOString() }) : Promise.resolve()),
    close: async () => {
      await Promise.all([reader.close(), writer.close()]);
    },
  };
}
