// Fault suite — crash: the real server runs as a child process (`node --import tsx server/src/index.ts`)
// on a SQLite file while the emulator streams a few thousand events at it; the test SIGKILLs it twice
// mid-stream and restarts it on the same database. Once Svix's retries settle, every svix-id the server
// ever answered 2xx for must be stored, and the local copy must equal the emulator's truth.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmulator, generateSecretKey, generateSigningSecret, type Emulator } from '../../../emulator/emulator.ts';
import { createDb } from '../lib/db/client.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const TICKS = 3000;
const KILL_AT = [1000, 2000];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('fault suite: crash', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'csm-crash-'));
  let emulator: Emulator | undefined;
  let child: ChildProcess | undefined;
  const output: string[] = [];
  afterAll(async () => {
    child?.kill('SIGKILL');
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses nothing it acknowledged across kill -9 and restarts', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const databaseUrl = `file:${path.join(dir, 'crash.db')}`;
    emulator = createEmulator({
      signingSecret: generateSigningSecret(),
      secretKey: generateSecretKey(),
      targets: [`${url}/api/webhooks/clerk`],
      // Svix's schedule at 1/5000: retries after 1 ms, 60 ms, 0.36 s, 1.4 s, 3.6 s, 7.2 s, 7.2 s — ~20 s in all,
      // so a restart of a few seconds is caught up by the later attempts
      timeFactor: 0.0002,
      rateLimit: null,
      seed: 7,
      seedUsers: 0,
    });
    const { url: emulatorUrl } = await emulator.listen();

    const start = async (): Promise<number> => {
      const t0 = performance.now();
      const c = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          CLERK_WEBHOOK_SIGNING_SECRET: emulator!.signingSecret,
          CLERK_SECRET_KEY: emulator!.secretKey,
          CLERK_API_URL: emulatorUrl,
          ADMIN_PASSWORD: 'crash-test-password',
          LOG_LEVEL: 'error',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      c.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
      c.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
      child = c;
      for (let i = 0; i < 300; i++) {
        if (c.exitCode !== null) throw new Error(`server exited (${c.exitCode}):\n${output.join('')}`);
        try {
          if ((await fetch(`${url}/healthz`)).ok) return performance.now() - t0;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error(`server did not start:\n${output.join('')}`);
    };
    const kill = async () => {
      const c = child!;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    };

    const startups = [await start()];
    for (let i = 0; i < 20; i++) emulator.createUser();
    const t0 = performance.now();
    let restarting: Promise<void> = Promise.resolve();
    for (let i = 0; i < TICKS; i++) {
      emulator.activityTick();
      if (KILL_AT.includes(i)) {
        await restarting;
        await kill();
        // the stream goes on while the server is down; it comes back after its normal start time
        restarting = start().then((ms) => void startups.push(ms));
      }
      if (i % 25 === 0) await sleep(5);
    }
    await restarting;
    await Promise.race([
      emulator.settled(),
      sleep(90_000).then(() => Promise.reject(new Error('retries did not settle'))),
    ]);
    const seconds = (performance.now() - t0) / 1000;

    const attempts = emulator.deliveries();
    const messages = emulator.messages();
    const acked = new Set(attempts.filter((a) => a.ok).map((a) => a.svixId));
    const connectionErrors = attempts.filter((a) => a.status === null).length;
    const db = await createDb(databaseUrl);
    try {
      const stored = new Set((await db.prisma.event.findMany({ select: { svixId: true } })).map((e) => e.svixId));
      const lost = [...acked].filter((id) => !stored.has(id));
      console.log(
        `crash: ${messages.length} events sent in ${seconds.toFixed(1)} s, ${KILL_AT.length} kills (-9), ${attempts.length} attempts ` +
          `(${connectionErrors} refused or cut by a kill), ${acked.size} acked, ${lost.length} lost; ` +
          `restarts took ${startups
            .slice(1)
            .map((ms) => `${(ms / 1000).toFixed(1)} s`)
            .join(', ')}`,
      );
      expect(connectionErrors).toBeGreaterThan(0); // the kills really hit the stream
      expect(messages.every((m) => m.state === 'delivered')).toBe(true);
      expect(lost).toEqual([]);
      expect(stored.size).toBe(new Set(messages.map((m) => m.svixId)).size);

      // the local copy equals the truth
      const truth = emulator.store.users();
      const local = new Map((await db.prisma.user.findMany()).map((u) => [u.id, u]));
      for (const u of truth) {
        const row = local.get(u.id);
        expect(row?.deleted, `user ${u.id}`).toBe(false);
        expect(JSON.parse(row!.data!)).toEqual(u);
      }
      const deleted = emulator.store.deletedUserIds();
      for (const id of deleted) expect(local.get(id)?.deleted, `tombstone ${id}`).toBe(true);
      expect(local.size).toBe(truth.length + deleted.length);
      const sessions = new Map((await db.prisma.session.findMany()).map((s) => [s.id, s]));
      for (const s of emulator.store.sessions()) expect(sessions.get(s.id)?.status, `session ${s.id}`).toBe(s.status);
    } finally {
      await db.close();
    }
    child!.kill('SIGTERM');
  });
});
