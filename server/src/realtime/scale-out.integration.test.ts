// Two server processes on one PostgreSQL database, fanned out through Redis: a dashboard on either sees
// everything, the same svix-id sent to both at once is applied once, and sign-in limits are shared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from './contract.ts';
import type { Db } from '../lib/db/client.ts';
import { createTestDb } from '../test/db.ts';
import { newSecret, signHeaders, ADMIN } from '../test/harness.ts';
import { clerkId, makeEvent, makeUser } from '../../../emulator/factories.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function requireRedis() {
  const c = createClient({ url: REDIS_URL, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.ping();
  } catch (err) {
    throw new Error(
      `Redis is required for the scale-out test at ${REDIS_URL} (${(err as Error).message}); start it with ` +
        '`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`, or set TEST_REDIS_URL.',
    );
  } finally {
    c.destroy();
  }
}

interface Instance {
  url: string;
  proc: ChildProcess;
}

function startInstance(env: Record<string, string>): Promise<Instance> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/index.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /running: (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, proc });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

function stop(i: Instance | undefined): Promise<void> {
  if (!i || i.proc.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    i.proc.once('exit', () => r());
    i.proc.kill('SIGTERM');
  });
}

async function signIn(url: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  expect(res.status).toBe(200);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

describe('several instances on PostgreSQL + Redis', () => {
  let db: Db;
  const instances: Instance[] = [];
  const secret = newSecret();

  beforeAll(async () => {
    await requireRedis();
    db = await createTestDb('postgresql');
    const env = {
      PORT: '0',
      DATABASE_URL: db.url,
      REDIS_URL,
      // this test's own channels: parallel runs on one Redis do not see each other
      REDIS_CHANNEL_PREFIX: `csm-test-${randomBytes(4).toString('hex')}`,
      CLERK_WEBHOOK_SIGNING_SECRET: secret,
      CLERK_SECRET_KEY: 'sk_test_scaleout',
      CLERK_API_URL: 'http://127.0.0.1:9',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      LOG_LEVEL: 'warn',
    };
    // started together: both race to create the first admin, as a real rollout would
    instances.push(...(await Promise.all([startInstance(env), startInstance(env)])));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map(stop));
    await db?.close();
  });

  it('shows every event to a dashboard on either instance, and applies a svix-id sent to both once', async () => {
    const [a, b] = instances as [Instance, Instance];
    const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];
    const seen = [new Set<string>(), new Set<string>()];
    for (const [k, inst] of [a, b].entries()) {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(inst.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        extraHeaders: { cookie: await signIn(inst.url) },
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      socket.on('event:received', (batch) => batch.forEach((e) => seen[k]!.add(e.svixId)));
      sockets.push(socket);
    }

    const post = (url: string, body: string, svixId: string) =>
      fetch(`${url}/api/webhooks/clerk`, { method: 'POST', headers: signHeaders(secret, body, { svixId }), body }).then(
        async (r) => ({ status: r.status, json: (await r.json()) as { outcome?: string } }),
      );
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const u = makeUser();
      const svixId = clerkId('msg');
      sent.push(svixId);
      const res = await post(i % 2 ? b.url : a.url, JSON.stringify(makeEvent('user.created', u, u.updated_at)), svixId);
      expect(res.status).toBe(200);
    }
    // the same message to both instances at the same moment (two endpoints, or a retry racing)
    const shared = clerkId('msg');
    const u = makeUser();
    const body = JSON.stringify(makeEvent('user.created', u, u.updated_at));
    const both = await Promise.all([post(a.url, body, shared), post(b.url, body, shared)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    expect(both.map((r) => r.json.outcome).sort()).toEqual(['applied', 'duplicate']);
    sent.push(shared);

    for (const k of [0, 1])
      await expect.poll(() => sent.filter((id) => seen[k]!.has(id)).length, { timeout: 10_000 }).toBe(sent.length);
    expect(await db.prisma.event.count()).toBe(sent.length);
    expect(await db.prisma.user.count({ where: { id: u.id } })).toBe(1);
    for (const s of sockets) s.close();
  });

  it('counts failed sign-ins across instances: guesses spread over both still lock the account', async () => {
    const [a, b] = instances as [Instance, Instance];
    const attempt = (url: string) =>
      fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ADMIN.email, password: 'wrong guess' }),
      });
    // the default limit is 5 consecutive failures per email: 3 on one instance, 2 on the other
    for (const url of [a.url, b.url, a.url, b.url, a.url]) expect((await attempt(url)).status).toBe(401);
    for (const url of [a.url, b.url]) expect((await attempt(url)).status).toBe(429);
    // the right password is refused too while the lock lasts, on either instance
    const right = await fetch(`${b.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    expect(right.status).toBe(429);
  });
});
