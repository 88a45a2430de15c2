// Test helpers: make the database go away and come back, for real, on either provider.
//   SQLite: the database file and its WAL made immutable (`chattr +i`: even open handles cannot write).
//   PostgreSQL: a TCP proxy between the app and the server is cut (open connections reset, new ones refused);
//   the shared server keeps running.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Db } from '../lib/db/client.ts';
import { createDb } from '../lib/db/client.ts';
import { createTestDb, type TestProvider } from './db.ts';

export interface Outage {
  /** the database the app under test uses (through the proxy on PostgreSQL) */
  db: Db;
  /** the same database, reached directly (still there while the app's link is cut) */
  direct: Db;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A fresh test database whose link to the app can be cut. */
export function createOutage(provider: TestProvider): Promise<Outage> {
  return provider === 'sqlite' ? sqliteOutage() : postgresOutage();
}

async function sqliteOutage(): Promise<Outage> {
  const db = await createTestDb('sqlite', { busyTimeoutMs: 200 });
  const file = db.url.replace(/^file:/, '');
  // not -shm: it is memory-mapped, and a write there would fault (SIGBUS) instead of returning an error
  const files = () => [file, `${file}-wal`].filter((f) => existsSync(f));
  const chattr = (flag: '+i' | '-i') => {
    try {
      execFileSync('chattr', [flag, ...files()], { stdio: 'pipe' });
    } catch (err) {
      throw new Error(
        `this test makes the SQLite file immutable with \`chattr ${flag}\` (root, and a filesystem with the immutable flag such as ext4, for ${tmpdir()}): ${String(err)}`,
      );
    }
  };
  return {
    db,
    direct: db,
    cut: () => chattr('+i'), // even root, and the already open handles, can no longer write
    restore: () => chattr('-i'),
    async close() {
      try {
        chattr('-i');
      } catch {
        // already writable
      }
      await db.close();
    },
  };
}

async function postgresOutage(): Promise<Outage> {
  const direct = await createTestDb('postgresql');
  const upstream = new URL(direct.url);
  // A cuttable link: while `up`, connections are piped to the real server; cut() resets every open one and
  // refuses new ones, like a network partition or a stopped server.
  const open = new Set<Socket>();
  let up = true;
  const proxy: Server = createServer((client) => {
    if (!up) return client.destroy();
    const server = createConnection({ host: upstream.hostname, port: Number(upstream.port || 5432) });
    open.add(client).add(server);
    const drop = () => {
      open.delete(client);
      open.delete(server);
      client.destroy();
      server.destroy();
    };
    client.on('error', drop).on('close', drop);
    server.on('error', drop).on('close', drop);
    client.pipe(server).pipe(client);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const viaProxy = new URL(direct.url);
  viaProxy.port = String((proxy.address() as { port: number }).port);
  const db = await createDb(viaProxy.toString(), { poolMax: 4 });
  return {
    db,
    direct,
    cut() {
      up = false;
      for (const sock of open) sock.destroy();
    },
    restore() {
      up = true;
    },
    async close() {
      up = true;
      await db.close();
      proxy.close();
      for (const sock of open) sock.destroy();
      await direct.close();
    },
  };
}
