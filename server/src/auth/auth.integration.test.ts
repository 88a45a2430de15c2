// Access control through real HTTP and real sockets: roles, API tokens, CSRF, security headers, sign-in
// lockout, sign-out everywhere, and sockets that lose their session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { TEST_PROVIDERS } from '../test/db.ts';
import { ADMIN, startTestServer, type OperatorSession, type TestServer } from '../test/harness.ts';
import { createLoginLimiter } from './login-limiter.ts';
import { hashToken } from './auth.service.ts';
import type { ApiTokenDto, CreateOperatorResult, CreatedApiToken, MeDto, OperatorAdminDto } from '../contract.ts';

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;
const code = async (r: Response | Promise<Response>) => (await json<{ error?: { code: string } }>(r)).error?.code;

function openSocket(url: string, headers: Record<string, string>): Socket {
  return connect(url, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: headers });
}
const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
const disconnected = (socket: Socket) =>
  new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

describe.each(TEST_PROVIDERS)('access control on %s', (provider) => {
  let s: TestServer;
  let admin: OperatorSession;
  const password = 'viewer-password-1';

  async function invite(email: string, role: 'viewer' | 'operator' | 'admin', pw: string | null = password) {
    const res = await admin.api('/api/admin/operators', {
      method: 'POST',
      body: JSON.stringify({ email, role, ...(pw ? { password: pw } : {}) }),
    });
    expect(res.status).toBe(201);
    return json<CreateOperatorResult>(res);
  }

  beforeAll(async () => {
    s = await startTestServer(provider, {
      loginLimiter: createLoginLimiter({
        maxFailuresPerEmail: 3,
        maxFailuresPerIp: 50,
        windowSeconds: 60,
        blockSeconds: 60,
      }),
      sessionRecheckMs: 200,
    });
    admin = await s.signInAs(ADMIN);
  });
  afterAll(async () => s?.close());

  it('lets a viewer read everything and change nothing (403 JSON)', async () => {
    await invite('viewer@test.local', 'viewer');
    const viewer = await s.signInAs({ email: 'viewer@test.local', password });
    expect(await json<MeDto>(viewer.api('/api/auth/me'))).toMatchObject({ email: 'viewer@test.local', role: 'viewer' });
    for (const path of [
      '/api/overview',
      '/api/events',
      '/api/deliveries',
      '/api/users',
      '/api/reconcile/runs',
      '/api/audit',
    ]) {
      expect((await viewer.api(path)).status, path).toBe(200);
    }
    for (const [method, path] of [
      ['POST', '/api/users/user_x/resync'],
      ['POST', '/api/deliveries/1/replay'],
      ['POST', '/api/deliveries/replay'],
      ['POST', '/api/reconcile'],
      ['POST', '/api/reconcile/runs/1/fix'],
      ['GET', '/api/admin/operators'],
      ['POST', '/api/admin/tokens'],
    ] as const) {
      const res = await viewer.api(path, { method, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await code(res)).toBe('forbidden');
    }
  });

  it('keeps administration to admins', async () => {
    await invite('operator@test.local', 'operator');
    const op = await s.signInAs({ email: 'operator@test.local', password });
    expect((await op.api('/api/admin/operators')).status).toBe(403);
    expect(
      (
        await op.api('/api/deliveries/replay', {
          method: 'POST',
          body: JSON.stringify({ filter: { failed: true }, dryRun: true }),
        })
      ).status,
    ).toBe(200);
  });

  it('invites with a one-time password shown once, changes roles, and disabling signs out everywhere', async () => {
    const { operator, oneTimePassword } = await invite('new@test.local', 'operator', null);
    expect(oneTimePassword).toMatch(/^[\w-]{16}$/);
    const list = await json<OperatorAdminDto[]>(admin.api('/api/admin/operators'));
    expect(list.find((o) => o.id === operator.id)).toMatchObject({
      email: 'new@test.local',
      role: 'operator',
      disabled: false,
    });
    expect(JSON.stringify(list)).not.toContain(oneTimePassword);
    // the one-time password opens nothing but the password change
    const first = await s.signInAs({ email: 'new@test.local', password: oneTimePassword! });
    expect(await json<MeDto>(first.api('/api/auth/me'))).toMatchObject({ mustChangePassword: true });
    const blocked = await first.api('/api/events');
    expect(blocked.status).toBe(403);
    expect(await code(blocked)).toBe('password_change_required');
    const chosen = 'a-password-of-my-own';
    const changed = await first.api('/api/auth/password', {
      method: 'POST',
      body: JSON.stringify({ currentPassword: oneTimePassword, newPassword: chosen }),
    });
    expect(changed.status).toBe(204);
    expect(await json<MeDto>(first.api('/api/auth/me'))).toMatchObject({ mustChangePassword: false });
    await expect(s.signInAs({ email: 'new@test.local', password: oneTimePassword! })).rejects.toThrow(/401/);
    const one = await s.signInAs({ email: 'new@test.local', password: chosen });
    const two = await s.signInAs({ email: 'new@test.local', password: chosen });
    const socket = openSocket(s.url, { cookie: one.cookie });
    await connected(socket);
    const gone = disconnected(socket);

    const demoted = await admin.api(`/api/admin/operators/${operator.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(await json<OperatorAdminDto>(demoted)).toMatchObject({ role: 'viewer' });
    expect((await one.api('/api/users/u/resync', { method: 'POST' })).status).toBe(403);

    expect(
      (
        await admin.api(`/api/admin/operators/${operator.id}`, {
          method: 'PATCH',
          body: JSON.stringify({ disabled: true }),
        })
      ).status,
    ).toBe(200);
    expect(await gone).toBe('io server disconnect');
    for (const session of [one, two]) expect((await session.api('/api/events')).status).toBe(401);
    await expect(s.signInAs({ email: 'new@test.local', password: chosen })).rejects.toThrow(/401/);
    expect(await s.db.prisma.operatorSession.count({ where: { operatorId: operator.id } })).toBe(0);
    socket.close();

    // the duplicate email, and the last admin
    expect(
      (
        await admin.api('/api/admin/operators', {
          method: 'POST',
          body: JSON.stringify({ email: 'NEW@test.local', role: 'viewer' }),
        })
      ).status,
    ).toBe(409);
    const me = await json<MeDto>(admin.api('/api/auth/me'));
    const self = await admin.api(`/api/admin/operators/${me.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ disabled: true }),
    });
    expect(self.status).toBe(403);
  });

  it('lets every operator change their own password: checks the current one, refuses a weak one, ends other sessions', async () => {
    await invite('changer@test.local', 'operator', 'first-password-1');
    const here = await s.signInAs({ email: 'changer@test.local', password: 'first-password-1' });
    const elsewhere = await s.signInAs({ email: 'changer@test.local', password: 'first-password-1' });
    expect(await json<MeDto>(here.api('/api/auth/me'))).toMatchObject({ mustChangePassword: false });
    const change = (body: unknown) => here.api('/api/auth/password', { method: 'POST', body: JSON.stringify(body) });

    const wrong = await change({ currentPassword: 'not-it', newPassword: 'second-password-2' });
    expect(wrong.status).toBe(400);
    expect(await code(wrong)).toBe('invalid_credentials');
    const short = await change({ currentPassword: 'first-password-1', newPassword: 'short' });
    expect(await code(short)).toBe('weak_password');
    expect(await code(change({ currentPassword: 'first-password-1' }))).toBe('invalid_request');
    // nothing changed by the refused attempts: the old password and the other session still work
    expect((await elsewhere.api('/api/events')).status).toBe(200);
    const noCsrf = await fetch(`${s.url}/api/auth/password`, {
      method: 'POST',
      headers: { cookie: here.cookie, 'content-type': 'application/json', origin: s.url },
      body: JSON.stringify({ currentPassword: 'first-password-1', newPassword: 'second-password-2' }),
    });
    expect(noCsrf.status).toBe(403);

    expect((await change({ currentPassword: 'first-password-1', newPassword: 'second-password-2' })).status).toBe(204);
    expect((await here.api('/api/events')).status).toBe(200);
    expect((await elsewhere.api('/api/events')).status).toBe(401);
    await expect(s.signInAs({ email: 'changer@test.local', password: 'first-password-1' })).rejects.toThrow(/401/);
    await s.signInAs({ email: 'changer@test.local', password: 'second-password-2' });
    const signedOut = await fetch(`${s.url}/api/auth/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(signedOut.status).toBe(401);
  });

  it('creates API tokens shown once, stored hashed, with the same roles, and revokes them', async () => {
    const created = await json<CreatedApiToken>(
      admin.api('/api/admin/tokens', { method: 'POST', body: JSON.stringify({ name: 'ci', role: 'viewer' }) }),
    );
    expect(created.secret).toMatch(/^csm_/);
    const row = await s.db.prisma.apiToken.findUniqueOrThrow({ where: { id: created.token.id } });
    expect(row.tokenHash).toBe(hashToken(created.secret));
    expect(JSON.stringify(row)).not.toContain(created.secret);
    expect(JSON.stringify(await json<ApiTokenDto[]>(admin.api('/api/admin/tokens')))).not.toContain(created.secret);

    const bearer = { authorization: `Bearer ${created.secret}` };
    expect((await fetch(`${s.url}/api/events`, { headers: bearer })).status).toBe(200);
    const refused = await fetch(`${s.url}/api/deliveries/replay`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{"filter":{}}',
    });
    expect(refused.status).toBe(403);
    // an operator token changes things without a CSRF token (a browser never sends it on its own)
    const opToken = await json<CreatedApiToken>(
      admin.api('/api/admin/tokens', { method: 'POST', body: JSON.stringify({ name: 'bot', role: 'operator' }) }),
    );
    const replay = await fetch(`${s.url}/api/deliveries/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opToken.secret}`, 'content-type': 'application/json' },
      body: '{"filter":{"failed":true},"dryRun":true}',
    });
    expect(replay.status).toBe(200);
    expect(
      (await s.db.prisma.apiToken.findUniqueOrThrow({ where: { id: created.token.id } })).lastUsedAt,
    ).not.toBeNull();

    const revoked = await json<ApiTokenDto>(admin.api(`/api/admin/tokens/${created.token.id}`, { method: 'DELETE' }));
    expect(revoked.revokedAt).not.toBeNull();
    expect((await fetch(`${s.url}/api/events`, { headers: bearer })).status).toBe(401);
    for (const authorization of ['Bearer csm_forged', 'Basic abc', `Bearer ${created.secret.slice(0, -1)}`]) {
      expect((await fetch(`${s.url}/api/events`, { headers: { authorization } })).status).toBe(401);
    }
  });

  it('refuses cookie changes without the CSRF token and cross-site requests', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/api/deliveries/replay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: admin.cookie, ...headers },
        // a dry run: a change an operator may make, with no job left running
        body: '{"filter":{},"dryRun":true}',
      });
    for (const headers of [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': '' }] as Record<string, string>[]) {
      const res = await post(headers);
      expect(res.status).toBe(403);
      expect(await code(res)).toBe('csrf_failed');
    }
    const tokenOk = { 'x-csrf-token': admin.csrfToken };
    expect((await post(tokenOk)).status).toBe(200);
    expect((await post({ ...tokenOk, 'sec-fetch-site': 'same-origin', origin: s.url })).status).toBe(200);
    for (const headers of [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
    ] as Record<string, string>[]) {
      const res = await post({ ...tokenOk, ...headers });
      expect(res.status).toBe(403);
      expect(await code(res)).toBe('cross_site');
    }
    // sign-in itself refuses a cross-site form post (login CSRF)
    const login = await fetch(`${s.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify(ADMIN),
    });
    expect(login.status).toBe(403);
    // the socket refuses a handshake from another site's page
    const socket = openSocket(s.url, { cookie: admin.cookie, origin: 'https://evil.example' });
    await expect(connected(socket)).rejects.toThrow();
    socket.close();
  });

  it('sends security headers', async () => {
    const res = await fetch(`${s.url}/healthz`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('locks an email after repeated failures (429 + Retry-After), even for the right password', async () => {
    await invite('locked@test.local', 'viewer');
    const attempt = (pw: string) =>
      fetch(`${s.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'locked@test.local', password: pw }),
      });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong-password')).status).toBe(401);
    const locked = await attempt(password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await code(locked)).toBe('too_many_attempts');
    // other accounts are not affected
    expect((await s.signInAs(ADMIN)).csrfToken).toBeTruthy();
  });

  it('signs out everywhere: every session and socket of the operator ends', async () => {
    await invite('everywhere@test.local', 'operator');
    const creds = { email: 'everywhere@test.local', password };
    const [a, b] = [await s.signInAs(creds), await s.signInAs(creds)];
    const socket = openSocket(s.url, { cookie: b.cookie });
    await connected(socket);
    const gone = disconnected(socket);
    expect(
      (await fetch(`${s.url}/api/auth/logout-all`, { method: 'POST', headers: { cookie: a.cookie } })).status,
    ).toBe(403); // no CSRF token
    expect((await a.api('/api/auth/logout-all', { method: 'POST' })).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    expect((await a.api('/api/events')).status).toBe(401);
    expect((await b.api('/api/events')).status).toBe(401);
    expect((await admin.api('/api/events')).status).toBe(200); // somebody else's session is untouched
    socket.close();
  });

  it('disconnects a socket on sign-out, and one whose session expired at the next re-check', async () => {
    const one = await s.signInAs(ADMIN);
    const socket = openSocket(s.url, { cookie: one.cookie });
    await connected(socket);
    const gone = disconnected(socket);
    expect((await one.api('/api/auth/logout', { method: 'POST' })).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    socket.close();

    const two = await s.signInAs(ADMIN);
    const socket2 = openSocket(s.url, { cookie: two.cookie });
    await connected(socket2);
    const gone2 = disconnected(socket2);
    const token = decodeURIComponent(two.cookie.split('csm_session=')[1]!.split(';')[0]!);
    await s.db.prisma.operatorSession.update({
      where: { tokenHash: hashToken(token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await gone2).toBe('io server disconnect'); // re-checked every 200 ms here, every 60 s by default
    expect((await two.api('/api/events')).status).toBe(401);
    socket2.close();
  });
});
