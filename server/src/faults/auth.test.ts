// Fault suite — access: every operator route and the socket refuse a request without a session, with an
// expired session, with a revoked API token, from another site, and a viewer doing an operator's (or an
// admin's) action. The route list is explicit; a new route belongs here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect } from 'socket.io-client';
import { startTestServer, type OperatorSession, type TestServer } from '../test/harness.ts';
import { hashToken } from '../auth/auth.service.ts';
import type { CreatedApiToken } from '../contract.ts';

type Route = [method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, needs: 'viewer' | 'operator' | 'admin'];
const ROUTES: Route[] = [
  ['GET', '/api/meta', 'viewer'],
  ['GET', '/api/overview', 'viewer'],
  ['GET', '/api/events', 'viewer'],
  ['GET', '/api/events/msg_x', 'viewer'],
  ['GET', '/api/deliveries', 'viewer'],
  ['GET', '/api/deliveries/1', 'viewer'],
  ['GET', '/api/users', 'viewer'],
  ['GET', '/api/users/user_x', 'viewer'],
  ['GET', '/api/users/user_x/compare', 'viewer'],
  ['GET', '/api/reconcile/runs', 'viewer'],
  ['GET', '/api/reconcile/runs/1', 'viewer'],
  ['GET', '/api/reconcile/runs/1/findings', 'viewer'],
  ['GET', '/api/reconcile/drift-history', 'viewer'],
  ['GET', '/api/audit', 'viewer'],
  ['POST', '/api/users/user_x/resync', 'operator'],
  ['POST', '/api/deliveries/1/replay', 'operator'],
  ['POST', '/api/deliveries/replay', 'operator'],
  ['POST', '/api/reconcile', 'operator'],
  ['POST', '/api/reconcile/runs/1/fix', 'operator'],
  ['POST', '/api/reconcile/runs/1/cancel', 'operator'],
  ['GET', '/api/admin/operators', 'admin'],
  ['POST', '/api/admin/operators', 'admin'],
  ['PATCH', '/api/admin/operators/1', 'admin'],
  ['GET', '/api/admin/tokens', 'admin'],
  ['POST', '/api/admin/tokens', 'admin'],
  ['DELETE', '/api/admin/tokens/1', 'admin'],
  ['POST', '/api/admin/users/user_x/purge', 'admin'],
];
const isChange = (m: string) => m !== 'GET';

describe('fault suite: access control', () => {
  let s: TestServer;
  let viewer: OperatorSession;
  let expired: OperatorSession;
  let revokedToken: string;
  const refused = new Map<string, number>();
  const count = (k: string) => refused.set(k, (refused.get(k) ?? 0) + 1);

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    await s.api('/api/admin/operators', {
      method: 'POST',
      body: JSON.stringify({ email: 'v@test.local', role: 'viewer', password: 'viewer-pass' }),
    });
    await s.api('/api/admin/operators', {
      method: 'POST',
      body: JSON.stringify({ email: 'o@test.local', role: 'operator', password: 'operator-pass' }),
    });
    viewer = await s.signInAs({ email: 'v@test.local', password: 'viewer-pass' });
    expired = await s.signInAs({ email: 'o@test.local', password: 'operator-pass' });
    const token = decodeURIComponent(expired.cookie.split('csm_session=')[1]!.split(';')[0]!);
    await s.db.prisma.operatorSession.update({
      where: { tokenHash: hashToken(token) },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    const t = (await (
      await s.api('/api/admin/tokens', { method: 'POST', body: JSON.stringify({ name: 'old', role: 'admin' }) })
    ).json()) as CreatedApiToken;
    await s.api(`/api/admin/tokens/${t.token.id}`, { method: 'DELETE' });
    revokedToken = t.secret;
  });
  afterAll(async () => {
    console.log(
      `access control: ${ROUTES.length} routes; refused ${[...refused].map(([k, v]) => `${k} ${v}`).join(', ')}; socket refused no session, expired session, cross-site`,
    );
    await s?.close();
  });

  const send = (method: string, path: string, headers: Record<string, string>) =>
    fetch(`${s.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(isChange(method) ? { body: '{}' } : {}),
    });

  it.each(ROUTES)(
    '%s %s refuses no session, an expired session, a revoked token, cross-site, and too small a role',
    async (method, path, needs) => {
      for (const [name, headers] of [
        ['no session', {}],
        ['expired session', { cookie: expired.cookie, 'x-csrf-token': expired.csrfToken }],
        ['revoked API token', { authorization: `Bearer ${revokedToken}` }],
        ['forged cookie', { cookie: 'csm_session=forged' }],
      ] as const) {
        const res = await send(method, path, headers);
        expect(res.status, `${name}`).toBe(401);
        count(name);
      }
      if (isChange(method)) {
        const adminSession = await s.signInAs({ email: 'admin@test.local', password: 'correct horse battery' });
        for (const site of ['cross-site', 'same-site']) {
          const res = await send(method, path, {
            cookie: adminSession.cookie,
            'x-csrf-token': adminSession.csrfToken,
            'sec-fetch-site': site,
          });
          expect(res.status, site).toBe(403);
          count('cross-site');
        }
        const res = await send(method, path, {
          cookie: adminSession.cookie,
          origin: 'https://evil.example',
          'x-csrf-token': adminSession.csrfToken,
        });
        expect(res.status).toBe(403);
        const noCsrf = await send(method, path, { cookie: adminSession.cookie });
        expect(noCsrf.status).toBe(403);
        count('missing CSRF token');
      }
      if (needs !== 'viewer') {
        const res = await viewer.api(path, { method, ...(isChange(method) ? { body: '{}' } : {}) });
        expect(res.status, 'viewer').toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
        count('viewer');
      }
    },
  );

  it('the socket refuses no session, an expired session and a cross-site page', async () => {
    const attempt = (headers: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = connect(s.url, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          extraHeaders: headers,
        });
        socket.once('connect', () => (socket.close(), resolve('connected')));
        socket.once('connect_error', (err) => (socket.close(), resolve(err.message)));
      });
    expect(await attempt({})).toBe('unauthorized');
    expect(await attempt({ cookie: expired.cookie })).toBe('unauthorized');
    expect(await attempt({ cookie: viewer.cookie, origin: 'https://evil.example' })).not.toBe('connected');
    expect(await attempt({ cookie: viewer.cookie, origin: s.url })).toBe('connected'); // a viewer may watch
  });
});
