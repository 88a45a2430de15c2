// Fault suite — security, second round, through real HTTP: API tokens follow their owner (disable, demote,
// delete) and expire; sign-in attempts are reserved before bcrypt (parallel guesses cannot overtake the count,
// in memory and in Redis); a browser that signed in before keeps signing in while a stranger locks the email;
// tampered pagination cursors are a 400 on every list; a compare (GET) writes nothing; only the configured
// host names are answered (DNS rebinding); /metrics can require a token; source maps, dotfiles and unknown
// API paths are not served. Storage-dependent parts run on SQLite and PostgreSQL.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import { ADMIN, startTestServer, type OperatorSession, type TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import { createLoginLimiter } from '../auth/login-limiter.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { createApp } from '../app.ts';
import { encodeCursor } from '../lib/cursor.ts';
import { migrationsDir } from '../../tools/db/schema-engine.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';
import type { Emulator } from '../../../emulator/emulator.ts';
import type { ApiTokenDto, CreateOperatorResult, CreatedApiToken, ResyncResult, UserComparison } from '../contract.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;
const errorOf = async (r: Response) => ((await r.json()) as { error?: { code: string; message: string } }).error;
const bearer = (secret: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: {
    authorization: `Bearer ${secret}`,
    ...(init.body ? { 'content-type': 'application/json' } : {}),
    ...(init.headers as Record<string, string>),
  },
});

/** A raw HTTP request (fetch may not set Host): status, headers and body. */
function raw(
  url: string,
  p: string,
  headers: Record<string, string>,
  opts: { method?: string; setHost?: boolean } = {},
) {
  const u = new URL(url);
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          path: p,
          method: opts.method ?? 'GET',
          headers,
          setHost: opts.setHost ?? true,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

const REAL_CLERK = {
  CLERK_WEBHOOK_SIGNING_SECRET: 'whsec_dGVzdA==',
  CLERK_SECRET_KEY: 'sk_test_x',
  ADMIN_PASSWORD: 'a-long-password',
};

describe.each(TEST_PROVIDERS)('security round two on %s', (provider) => {
  let s: TestServer;
  let admin: OperatorSession;
  let clerk: Emulator;

  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider));
    admin = await s.signInAs(ADMIN);
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  /** A second admin, and an API token they make (it acts for them). */
  async function operatorWithToken(email: string, tokenRole: 'admin' | 'operator' | 'viewer') {
    const password = 'owner-password-1';
    const { operator } = await json<CreateOperatorResult>(
      admin.api('/api/admin/operators', { method: 'POST', body: JSON.stringify({ email, role: 'admin', password }) }),
    );
    const self = await s.signInAs({ email, password });
    const created = await self.api('/api/admin/tokens', {
      method: 'POST',
      body: JSON.stringify({ name: `${email} bot`, role: tokenRole }),
    });
    expect(created.status).toBe(201);
    return { operator, token: await json<CreatedApiToken>(created) };
  }

  describe('API tokens belong to the operator who made them', () => {
    it('disabling the owner revokes their tokens at once; the token cannot re-enable its owner', async () => {
      const { operator, token } = await operatorWithToken(`disabled-${provider}@test.local`, 'admin');
      expect(token.token).toMatchObject({
        owner: operator.email,
        role: 'admin',
        effectiveRole: 'admin',
        expiresAt: null,
      });
      expect((await fetch(`${s.url}/api/admin/operators`, bearer(token.secret))).status).toBe(200);

      expect(
        (
          await admin.api(`/api/admin/operators/${operator.id}`, {
            method: 'PATCH',
            body: JSON.stringify({ disabled: true }),
          })
        ).status,
      ).toBe(200);
      expect((await fetch(`${s.url}/api/events`, bearer(token.secret))).status).toBe(401);
      const reEnable = await fetch(
        `${s.url}/api/admin/operators/${operator.id}`,
        bearer(token.secret, { method: 'PATCH', body: JSON.stringify({ disabled: false }) }),
      );
      expect(reEnable.status).toBe(401);
      expect((await s.db.prisma.operator.findUniqueOrThrow({ where: { id: operator.id } })).disabled).toBe(true);
      const listed = (await json<ApiTokenDto[]>(admin.api('/api/admin/tokens'))).find((t) => t.id === token.token.id)!;
      expect(listed.revokedAt).not.toBeNull();
      expect(listed.effectiveRole).toBeNull();
      // enabling the operator again does not bring the token back
      expect(
        (
          await admin.api(`/api/admin/operators/${operator.id}`, {
            method: 'PATCH',
            body: JSON.stringify({ disabled: false }),
          })
        ).status,
      ).toBe(200);
      expect((await fetch(`${s.url}/api/events`, bearer(token.secret))).status).toBe(401);
      const audit = await s.db.prisma.auditEntry.findFirstOrThrow({
        where: { action: 'operator_update', target: operator.email },
        orderBy: { id: 'asc' },
      });
      expect(JSON.parse(audit.summary)).toMatchObject({ disabled: true, tokensRevoked: 1 });
    });

    it('demoting the owner narrows the token at once: never more than the owner may do now', async () => {
      const { operator, token } = await operatorWithToken(`demoted-${provider}@test.local`, 'admin');
      const replay = () =>
        fetch(
          `${s.url}/api/deliveries/replay`,
          // a dry run: what an operator may do, with nothing started
          bearer(token.secret, { method: 'POST', body: '{"filter":{"failed":true},"dryRun":true}' }),
        );
      const demote = (role: string) =>
        admin.api(`/api/admin/operators/${operator.id}`, { method: 'PATCH', body: JSON.stringify({ role }) });

      expect((await demote('viewer')).status).toBe(200);
      expect((await fetch(`${s.url}/api/admin/operators`, bearer(token.secret))).status).toBe(403);
      expect((await replay()).status).toBe(403);
      expect((await fetch(`${s.url}/api/events`, bearer(token.secret))).status).toBe(200);
      expect(
        (await json<ApiTokenDto[]>(admin.api('/api/admin/tokens'))).find((t) => t.id === token.token.id),
      ).toMatchObject({ role: 'admin', effectiveRole: 'viewer' });

      expect((await demote('operator')).status).toBe(200);
      expect((await replay()).status).toBe(200);
      expect((await fetch(`${s.url}/api/admin/operators`, bearer(token.secret))).status).toBe(403);
    });

    it('deleting the owner leaves the token with nobody to act for: refused', async () => {
      const { operator, token } = await operatorWithToken(`deleted-${provider}@test.local`, 'operator');
      expect((await fetch(`${s.url}/api/events`, bearer(token.secret))).status).toBe(200);
      await s.db.prisma.operator.delete({ where: { id: operator.id } });
      expect((await fetch(`${s.url}/api/events`, bearer(token.secret))).status).toBe(401);
      expect(
        (await json<ApiTokenDto[]>(admin.api('/api/admin/tokens'))).find((t) => t.id === token.token.id),
      ).toMatchObject({ owner: null, effectiveRole: null });
    });

    it('a token another token creates acts for the same owner', async () => {
      const { operator, token } = await operatorWithToken(`chain-${provider}@test.local`, 'admin');
      const child = await json<CreatedApiToken>(
        fetch(
          `${s.url}/api/admin/tokens`,
          bearer(token.secret, { method: 'POST', body: JSON.stringify({ name: 'child', role: 'viewer' }) }),
        ),
      );
      expect(child.token).toMatchObject({ owner: operator.email, createdBy: `token:${operator.email} bot` });
      expect(
        (
          await admin.api(`/api/admin/operators/${operator.id}`, {
            method: 'PATCH',
            body: JSON.stringify({ disabled: true }),
          })
        ).status,
      ).toBe(200);
      expect((await fetch(`${s.url}/api/events`, bearer(child.secret))).status).toBe(401);
    });

    it('expires: created with expiresInDays or expiresAt, refused (401) once past it', async () => {
      const create = (body: object) =>
        admin.api('/api/admin/tokens', {
          method: 'POST',
          body: JSON.stringify({ name: 'expiring', role: 'viewer', ...body }),
        });
      const before = Date.now();
      const days = await json<CreatedApiToken>(create({ expiresInDays: 30 }));
      const expires = new Date(days.token.expiresAt!).getTime();
      expect(expires).toBeGreaterThanOrEqual(before + 30 * 86_400_000);
      expect(expires).toBeLessThan(Date.now() + 30 * 86_400_000 + 1);
      expect((await fetch(`${s.url}/api/events`, bearer(days.secret))).status).toBe(200);
      await s.db.prisma.apiToken.update({
        where: { id: days.token.id },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      const expired = await fetch(`${s.url}/api/events`, bearer(days.secret));
      expect(expired.status).toBe(401);
      expect(
        (await json<ApiTokenDto[]>(admin.api('/api/admin/tokens'))).find((t) => t.id === days.token.id)!.effectiveRole,
      ).toBeNull();

      const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
      expect((await json<CreatedApiToken>(create({ expiresAt: at }))).token.expiresAt).toBe(at);
      for (const body of [
        { expiresAt: new Date(Date.now() - 60_000).toISOString() },
        { expiresInDays: 0 },
        { expiresInDays: 1.5 },
        { expiresAt: 'tomorrow' },
        { expiresInDays: 1, expiresAt: at },
      ]) {
        const res = await create(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    });

    it('the migration gives tokens made before owners existed to the operator who created them', async () => {
      const sql = readFileSync(
        path.join(migrationsDir(s.db.provider), '20261130060506_api_token_owner_expiry', 'migration.sql'),
        'utf8',
      );
      const backfill = sql.slice(sql.lastIndexOf('UPDATE "ApiToken"')).trim();
      const me = await s.db.prisma.operator.findUniqueOrThrow({ where: { email: ADMIN.email } });
      const legacy = await s.db.prisma.apiToken.create({
        data: { name: 'legacy', tokenHash: randomBytes(8).toString('hex'), role: 'viewer', createdBy: ADMIN.email },
      });
      const orphan = await s.db.prisma.apiToken.create({
        data: { name: 'orphan', tokenHash: randomBytes(8).toString('hex'), role: 'viewer', createdBy: 'token:old' },
      });
      await s.db.prisma.$executeRawUnsafe(backfill);
      expect((await s.db.prisma.apiToken.findUniqueOrThrow({ where: { id: legacy.id } })).ownerId).toBe(me.id);
      expect((await s.db.prisma.apiToken.findUniqueOrThrow({ where: { id: orphan.id } })).ownerId).toBeNull();
    });
  });

  it('answers 400 (never 500) for a tampered cursor on every list, and still pages with real ones', async () => {
    const users = [makeUser(), makeUser(), makeUser()];
    for (const u of users) expect((await s.deliver(makeEvent('user.created', u, u.updated_at))).status).toBe(200);
    const lists = [
      '/api/events',
      '/api/deliveries',
      '/api/users',
      '/api/audit',
      '/api/reconcile/runs',
      '/api/reconcile/runs/1/findings',
    ];
    const tampered = [
      encodeCursor(['not-a-date', 5]),
      Buffer.from('[1e308]').toString('base64url'),
      encodeCursor([-1]),
      encodeCursor([1.5]),
      encodeCursor([2 ** 40]),
      encodeCursor(['2026-01-01T00:00:00.000Z']),
      encodeCursor(['2026-02-31T00:00:00.000Z', 'user_x']),
      encodeCursor([]),
      Buffer.from('{"id":1}').toString('base64url'),
      Buffer.from('not json').toString('base64url'),
      'not base64!',
    ];
    const seen = new Map<number, number>();
    for (const list of lists) {
      for (const cursor of tampered) {
        const res = await admin.api(`${list}?cursor=${encodeURIComponent(cursor)}`);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect(res.status, `${list} ${cursor}`).toBe(400);
        expect((await errorOf(res))?.message).toMatch(/cursor/);
      }
    }
    console.log(
      `cursors (${provider}): ${lists.length} lists × ${tampered.length} tampered cursors → ${[...seen].map(([k, v]) => `${v} × ${k}`).join(', ')}`,
    );
    // the cursors the API hands out still work
    const first = await json<{ items: { id: string }[]; nextCursor: string }>(admin.api('/api/users?limit=2'));
    const second = await json<{ items: { id: string }[]; nextCursor: string | null }>(
      admin.api(`/api/users?limit=2&cursor=${first.nextCursor}`),
    );
    expect(new Set([...first.items, ...second.items].map((u) => u.id))).toEqual(new Set(users.map((u) => u.id)));
    const events = await json<{ nextCursor: string }>(admin.api('/api/events?limit=1'));
    expect((await admin.api(`/api/events?limit=1&cursor=${events.nextCursor}`)).status).toBe(200);
  });

  it('GET compare writes nothing; the resync POST stores what it finds', async () => {
    const user = clerk.createUser({ first_name: 'Compared' });
    await clerk.settled();
    const row = () => s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    const before = await row();
    const published = s.published.users.length;
    expect((await json<UserComparison>(admin.api(`/api/users/${user.id}/compare`))).status).toBe('in_sync');
    clerk.updateUser(user.id, { first_name: 'Drifted' }, { sendWebhook: false });
    expect((await json<UserComparison>(admin.api(`/api/users/${user.id}/compare`))).status).toBe('drifted');
    const after = await row();
    expect(after).toMatchObject({
      syncStatus: before.syncStatus,
      lastComparedAt: before.lastComparedAt,
      updatedAt: before.updatedAt,
    });
    expect(after.syncStatus).toBe('never_compared');
    expect(s.published.users.length).toBe(published);

    const res = await json<ResyncResult>(admin.api(`/api/users/${user.id}/resync`, { method: 'POST' }));
    expect(res.user).toMatchObject({ syncStatus: 'in_sync', firstName: 'Drifted' });
    expect((await row()).lastComparedAt).not.toBeNull();
  });
});

describe('sign-in attempts are reserved before the password is checked', () => {
  const redisPrefix = `csm-test-${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    const c = createClient({ url: REDIS_URL });
    await c.connect();
    const keys = await c.keys(`${redisPrefix}*`);
    if (keys.length) await c.del(keys);
    await c.close();
  });

  it.each(['memory', 'redis'] as const)(
    '20 parallel wrong passwords: only the limit (5) are checked, the rest 429 (%s)',
    async (store) => {
      const s = await startTestServer(
        'sqlite',
        store === 'redis' ? { env: { REDIS_URL, REDIS_CHANNEL_PREFIX: `${redisPrefix}-${store}` } } : {},
      );
      try {
        const attempt = () =>
          fetch(`${s.url}/api/auth/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: ADMIN.email, password: 'a wrong guess' }),
          });
        const statuses = (await Promise.all(Array.from({ length: 20 }, attempt))).map((r) => r.status);
        const checked = statuses.filter((c) => c === 401).length;
        console.log(
          `parallel sign-in (${store}): 20 wrong passwords at once → ${checked} checked (401), ${statuses.filter((c) => c === 429).length} refused (429)`,
        );
        expect(checked).toBeLessThanOrEqual(5);
        expect(statuses.filter((c) => c !== 401 && c !== 429)).toEqual([]);
        expect(statuses.filter((c) => c === 429).length).toBe(20 - checked);
        // and the right password is refused now too
        expect(
          (
            await fetch(`${s.url}/api/auth/login`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(ADMIN),
            })
          ).status,
        ).toBe(429);
      } finally {
        await s.close();
      }
    },
  );
});

describe('a browser that signed in before is not locked out by a stranger', () => {
  let s: TestServer;
  const login = (body: object, from: { ip: string; cookie?: string }) =>
    fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': from.ip,
        ...(from.cookie ? { cookie: from.cookie } : {}),
      },
      body: JSON.stringify(body),
    });
  const deviceCookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('csm_device='));
  const wrong = { email: ADMIN.email, password: 'a stranger guessing' };

  beforeAll(async () => {
    s = await startTestServer('sqlite', {
      // per-IP limits need the client's address: the test sends it as a proxy would
      env: { TRUST_PROXY: 'loopback' },
      loginLimiter: createLoginLimiter({
        maxFailuresPerEmail: 5,
        maxFailuresPerDevice: 3,
        maxFailuresPerIp: 12,
        windowSeconds: 60,
        blockSeconds: 60,
      }),
    });
    await s.api('/api/admin/operators', {
      method: 'POST',
      body: JSON.stringify({ email: 'other@test.local', role: 'viewer', password: 'other-password' }),
    });
  });
  afterAll(async () => s?.close());

  it("keeps the owner's browser signing in while the email is locked for everyone else; the device has its own, stricter budget", async () => {
    const first = await login(ADMIN, { ip: '198.51.100.7' });
    expect(first.status).toBe(200);
    const set = deviceCookieOf(first)!;
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/Path=\/api\/auth\/login/);
    expect(set).toMatch(/SameSite=Strict/i);
    expect(Number(/Max-Age=(\d+)/i.exec(set)![1])).toBeGreaterThan(90 * 86_400);
    const device = set.split(';')[0]!;

    // a stranger locks the email
    for (let i = 0; i < 5; i++) expect((await login(wrong, { ip: '203.0.113.66' })).status).toBe(401);
    expect((await login(ADMIN, { ip: '203.0.113.66' })).status).toBe(429);
    expect((await login(ADMIN, { ip: '198.51.100.8' })).status).toBe(429); // any client without the cookie

    // the browser that signed in before still can
    const again = await login(ADMIN, { ip: '198.51.100.7', cookie: device });
    expect(again.status).toBe(200);
    const renewed = deviceCookieOf(again)!.split(';')[0]!;

    // a tampered cookie, or one earned as another operator, is worth nothing for this email
    const tampered = device.slice(0, -2) + (device.endsWith('AA') ? 'BB' : 'AA');
    expect((await login(ADMIN, { ip: '198.51.100.7', cookie: tampered })).status).toBe(429);
    const other = deviceCookieOf(
      await login({ email: 'other@test.local', password: 'other-password' }, { ip: '198.51.100.9' }),
    )!.split(';')[0]!;
    expect((await login(ADMIN, { ip: '198.51.100.9', cookie: other })).status).toBe(429);

    // the device's own budget is stricter (3) and locks only that device
    for (let i = 0; i < 3; i++) expect((await login(wrong, { ip: '198.51.100.7', cookie: renewed })).status).toBe(401);
    expect((await login(ADMIN, { ip: '198.51.100.7', cookie: renewed })).status).toBe(429);
  });

  it('keeps the per-IP block, device cookie or not', async () => {
    const ok = await login({ email: 'other@test.local', password: 'other-password' }, { ip: '192.0.2.10' });
    const device = deviceCookieOf(ok)!.split(';')[0]!;
    for (let i = 0; i < 12; i++)
      expect((await login({ email: `spray${i}@test.local`, password: 'x' }, { ip: '192.0.2.10' })).status).toBe(401);
    expect(
      (await login({ email: 'other@test.local', password: 'other-password' }, { ip: '192.0.2.10', cookie: device }))
        .status,
    ).toBe(429);
  });
});

describe('host names, metrics, and what is not served', () => {
  let s: TestServer;
  let clientDir: string;
  const evil = { host: 'rebound.evil.example' };

  beforeAll(async () => {
    clientDir = mkdtempSync(path.join(tmpdir(), 'csm-client-'));
    mkdirSync(path.join(clientDir, 'assets'));
    writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>shell</title>');
    writeFileSync(path.join(clientDir, 'assets', 'app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map');
    writeFileSync(path.join(clientDir, 'assets', 'app.js.map'), '{"version":3,"sources":["secret-source.ts"]}');
    writeFileSync(path.join(clientDir, '.env'), 'SECRET=1');
    s = await startTestServer('sqlite', { clientDir, env: { METRICS_TOKEN: 'metrics-token-0123456789' } });
  });
  afterAll(async () => {
    await s?.close();
    rmSync(clientDir, { recursive: true, force: true });
  });

  it('answers only the host names it is reached by (DNS rebinding): 421 for others, 400 without one', async () => {
    const cookie = await s.cookie();
    for (const p of ['/', '/users', '/api/meta', '/api/auth/me', '/socket.io/?EIO=4&transport=polling']) {
      const res = await raw(s.url, p, { ...evil, cookie });
      expect(res.status, p).not.toBe(200);
      expect(res.body, p).not.toContain('shell');
      if (!p.startsWith('/socket.io')) expect(res.status, p).toBe(421);
    }
    expect((await raw(s.url, '/api/meta', { cookie, host: `localhost:${s.server.port}` })).status).toBe(200);
    expect((await raw(s.url, '/api/meta', { cookie, host: `LOCALHOST.:${s.server.port}` })).status).toBe(200);
    expect(
      (await raw(s.url, '/socket.io/?EIO=4&transport=polling', { host: `127.0.0.1:${s.server.port}` })).status,
    ).toBe(200);
    expect((await raw(s.url, '/api/meta', { cookie }, { setHost: false })).status).toBe(400);
    // the signed webhook and /healthz answer any Host (Svix and load balancers); a forged webhook is still refused
    expect((await raw(s.url, '/healthz', evil)).status).toBe(200);
    const webhook = await raw(
      s.url,
      '/api/webhooks/clerk',
      { ...evil, 'content-type': 'application/json' },
      { method: 'POST' },
    );
    expect(webhook.status).toBeGreaterThanOrEqual(400);
    expect(webhook.status).not.toBe(421);
  });

  it('takes ALLOWED_HOSTS as given, and `*` turns the check off', async () => {
    const env = { ...REAL_CLERK, HOST: '0.0.0.0' };
    expect(parseConfig(env).allowedHosts).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(parseConfig({ ...env, HOST: 'monitor.internal' }).allowedHosts).toEqual([
      'localhost',
      '127.0.0.1',
      '::1',
      'monitor.internal',
    ]);
    expect(parseConfig({ HOST: '10.0.0.5' }).allowedHosts).toEqual(['localhost', '127.0.0.1', '::1', '10.0.0.5']); // demo mode
    expect(parseConfig({ ...env, ALLOWED_HOSTS: 'Monitor.Example.com, [::1]' }).allowedHosts).toEqual([
      'monitor.example.com',
      '::1',
    ]);
    expect(parseConfig({ ...env, ALLOWED_HOSTS: '*' }).allowedHosts).toBeNull();
    expect(() => parseConfig({ ...env, ALLOWED_HOSTS: 'https://monitor.example.com' })).toThrow(ConfigError);

    const own = await startTestServer('sqlite', { env: { ALLOWED_HOSTS: 'monitor.example.com' } });
    try {
      expect((await raw(own.url, '/api/auth/me', { host: 'monitor.example.com' })).status).toBe(401); // answered (not signed in)
      expect((await raw(own.url, '/api/auth/me', { host: `127.0.0.1:${own.server.port}` })).status).toBe(421);
    } finally {
      await own.close();
    }
  });

  it('serves /metrics only with METRICS_TOKEN as a bearer token, when one is set', async () => {
    const none = await fetch(`${s.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('csm_');
    expect(
      (await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-012345678' } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${s.url}/metrics`, { headers: { authorization: 'Basic bWV0cmljcy10b2tlbi0wMTIzNDU2Nzg5' } }))
        .status,
    ).toBe(401);
    const ok = await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('csm_webhook_deliveries_total');
    expect(() => parseConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
  });

  it('does not serve source maps outside demo mode, dotfiles, or the app shell for unknown API paths', async () => {
    const shell = await fetch(`${s.url}/users/user_1`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('shell');
    expect((await fetch(`${s.url}/assets/app.js`)).status).toBe(200);
    const cookie = await s.cookie();
    for (const [p, method, headers] of [
      ['/assets/app.js.map', 'GET', {}],
      ['/assets/APP.JS.MAP', 'GET', {}],
      ['/.env', 'GET', {}],
      ['/%2Eenv', 'GET', {}],
      ['/.git/config', 'GET', {}],
      ['/assets/.hidden', 'GET', {}],
      ['/api/does-not-exist', 'GET', { cookie }],
      ['/api', 'GET', { cookie }],
      ['/api%2Fmeta', 'GET', {}],
      ['/nowhere', 'POST', {}],
    ] as const) {
      const res = await fetch(`${s.url}${p}`, { method, headers });
      const text = await res.text();
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(res.headers.get('content-type'), p).toMatch(/application\/json/);
      expect(text, p).not.toContain('shell');
      expect(text, p).not.toContain('secret-source');
      expect(text, p).not.toContain('SECRET');
    }
    // unauthenticated API paths are JSON too (401 before anything else)
    const anon = await fetch(`${s.url}/api/does-not-exist`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get('content-type')).toMatch(/application\/json/);

    // demo mode (the built-in emulator's data) serves them, for debugging
    const app = createApp(s.services, { cookieSecure: false, allowedHosts: null, clientDir, serveSourceMaps: true });
    const demo = createServer(app);
    await new Promise<void>((r) => demo.listen(0, '127.0.0.1', r));
    try {
      const map = await fetch(`http://127.0.0.1:${(demo.address() as AddressInfo).port}/assets/app.js.map`);
      expect(map.status).toBe(200);
    } finally {
      await new Promise((r) => demo.close(r));
    }
  });

  it('makes cookies Secure by default with a real Clerk instance, unless the monitor listens on loopback', () => {
    expect(parseConfig({ ...REAL_CLERK, HOST: '0.0.0.0' }).cookieSecure).toBe(true);
    expect(parseConfig({ ...REAL_CLERK, HOST: 'monitor.internal' }).cookieSecure).toBe(true);
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2'])
      expect(parseConfig({ ...REAL_CLERK, HOST: host }).cookieSecure, host).toBe(false);
    expect(parseConfig({ HOST: '0.0.0.0' }).cookieSecure).toBe(false); // demo mode
    expect(parseConfig({ ...REAL_CLERK, HOST: '0.0.0.0', COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    expect(parseConfig({ HOST: '127.0.0.1', COOKIE_SECURE: 'true' }).cookieSecure).toBe(true);
    expect(() => parseConfig({ COOKIE_SECURE: 'yes' })).toThrow(ConfigError);
  });
});
