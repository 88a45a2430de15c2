// Fault suite — slow and idle clients: a request's headers and the whole request must arrive in time (slowloris,
// slow bodies), one source holds only so many webhook requests open at once, a Socket.IO connection without a
// session is closed within seconds and is not counted as a dashboard, and catch-up requests are limited per
// connection. Real sockets against the real server; storage plays no part (SQLite).
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { io as ioConnect, type Socket as ClientSocket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../realtime/contract.ts';
import { parseConfig } from '../config.ts';
import { startTestServer, type TestServer, type TestServerOptions } from '../test/harness.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `check` to hold, looking every 50 ms; fails after `ms` (a generous bound, not a measurement). */
async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

/** A raw TCP client: what it received, and whether the server closed the connection. */
function rawClient(url: string) {
  const u = new URL(url);
  const socket: Socket = tcpConnect(Number(u.port), u.hostname);
  const state = { received: '', closed: false };
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (state.received += d));
  socket.on('close', () => (state.closed = true));
  socket.on('error', () => {});
  return { socket, state, write: (text: string) => !state.closed && socket.write(text) };
}

async function metric(s: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const signedEvent = () => {
  const u = makeUser();
  return makeEvent('user.created', u, u.updated_at);
};

describe('fault suite: slow clients', () => {
  let s: TestServer | undefined;
  const start = async (opts: TestServerOptions = {}) => (s = await startTestServer('sqlite', opts));
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it("sets the HTTP server timeouts from the configuration, well under Node's 300 s", async () => {
    const c = parseConfig({});
    expect(c.http).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
    expect(c.webhook).toEqual({ rejectedPerMinute: 60, maxOpenPerIp: 64 });
    expect(c.socket).toEqual({ handshakeTimeoutMs: 5_000, catchUpPerMinute: 10 });
    expect(() => parseConfig({ HTTP_REQUEST_TIMEOUT_SECONDS: '300' })).toThrow(
      /HTTP_REQUEST_TIMEOUT_SECONDS: must be at most 290/,
    );
    expect(() => parseConfig({ HTTP_HEADERS_TIMEOUT_SECONDS: '20', HTTP_REQUEST_TIMEOUT_SECONDS: '10' })).toThrow(
      /HTTP_REQUEST_TIMEOUT_SECONDS/,
    );
    const { http } = (await start()).server;
    expect({ headers: http.headersTimeout, request: http.requestTimeout, keepAlive: http.keepAliveTimeout }).toEqual({
      headers: 10_000,
      request: 30_000,
      keepAlive: 5_000,
    });
  });

  it(
    'closes a connection whose headers trickle in (slowloris) and one whose body does, with 408',
    { timeout: 30_000 },
    async () => {
      const server = await start({ env: { HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '2' } });
      const headers = rawClient(server.url);
      headers.write('POST /api/webhooks/clerk HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const body = rawClient(server.url);
      body.write(
        'POST /api/webhooks/clerk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
      );
      // each keeps sending a little, so neither is ever idle
      const drip = setInterval(() => {
        headers.write('x-slow: 1\r\n');
        body.write(' ');
      }, 200);
      try {
        await eventually(() => headers.state.closed && body.state.closed, 'both slow connections closed', 15_000);
      } finally {
        clearInterval(drip);
        for (const c of [headers, body]) c.socket.destroy();
      }
      expect(headers.state.received).toMatch(/^HTTP\/1\.1 408/);
      expect(body.state.received).toMatch(/^HTTP\/1\.1 408/);
    },
  );

  it(
    'answers a source over its open webhook requests 429 at once, unread; a slot frees when one finishes',
    { timeout: 30_000 },
    async () => {
      const server = await start({ env: { WEBHOOK_MAX_OPEN_PER_IP: '2' } });
      let arrived = 0;
      server.server.http.on('request', () => arrived++); // nothing else is sent meanwhile
      // two requests whose bodies never finish arriving hold both of the source's slots
      const slow = [rawClient(server.url), rawClient(server.url)];
      try {
        for (const c of slow)
          c.write(
            'POST /api/webhooks/clerk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{',
          );
        await eventually(() => arrived === 2, 'both slow requests arrived');
        await sleep(100);
        const refused = await server.deliver(signedEvent());
        expect(refused.status).toBe(429);
        expect(refused.headers.get('connection')).toBe('close');
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('too_many_open');
        expect(await metric(server, 'csm_webhook_refused_unlogged_total{reason="too_many_open"}')).toBe(1);

        slow[0]!.write('"a":1}   ');
        await eventually(() => slow[0]!.state.received.includes('\r\n\r\n'), 'the first slow request answered');
        expect(slow[0]!.state.received).toMatch(/^HTTP\/1\.1 400/); // unsigned
        await eventually(
          async () => (await server.deliver(signedEvent())).status === 200,
          'a signed delivery accepted again',
        );
      } finally {
        for (const c of slow) c.socket.destroy();
      }
    },
  );

  describe('Socket.IO', () => {
    type Client = ClientSocket<ServerToClientEvents, ClientToServerEvents>;
    const open = (url: string, cookie?: string): Client =>
      ioConnect(url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        extraHeaders: cookie ? { cookie } : {},
      });

    it(
      'closes a connection without a session within the handshake timeout, and does not count it as a dashboard',
      { timeout: 30_000 },
      async () => {
        const server = await start({ env: { SOCKET_HANDSHAKE_TIMEOUT_SECONDS: '1' } });
        const engine = server.server.io.engine;
        // an Engine.IO connection that never asks to join (a bare polling handshake)
        const handshake = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
        expect(await handshake.text()).toMatch(/^0\{"sid"/);
        // and one that asks without a session: refused, but the connection itself stays until the timeout
        const anonymous = open(server.url);
        await new Promise<void>((resolve) => anonymous.once('connect_error', () => resolve()));
        await eventually(() => engine.clientsCount === 2, 'both Engine.IO connections open');
        expect(await metric(server, 'csm_dashboards_connected')).toBe(0);

        const dashboard = open(server.url, await server.cookie());
        await new Promise<void>((resolve, reject) => dashboard.once('connect', resolve).once('connect_error', reject));
        expect(await metric(server, 'csm_dashboards_connected')).toBe(1);

        await eventually(() => engine.clientsCount === 1, 'the two connections without a session closed', 10_000);
        expect(dashboard.connected).toBe(true);
        anonymous.close();
        dashboard.close();
      },
    );

    it('limits catch-up requests per connection: past the limit nothing is read and the answer says so', async () => {
      const server = await start({ env: { SOCKET_CATCH_UP_PER_MINUTE: '3' } });
      for (let i = 0; i < 2; i++) expect((await server.deliver(signedEvent())).status).toBe(200);
      const dashboard = open(server.url, await server.cookie());
      await new Promise<void>((resolve, reject) => dashboard.once('connect', resolve).once('connect_error', reject));
      const answers = [];
      for (let i = 0; i < 4; i++)
        answers.push(
          await dashboard.timeout(5_000).emitWithAck('feed:catch-up', { lastEventId: 0, lastDeliveryId: 0 }),
        );
      expect(answers.slice(0, 3).map((a) => [a.events.length, a.deliveries.length, a.rateLimited ?? false])).toEqual([
        [2, 2, false],
        [2, 2, false],
        [2, 2, false],
      ]);
      expect(answers[3]).toEqual({ events: [], deliveries: [], truncated: true, rateLimited: true });
      // another connection has its own allowance
      const other = open(server.url, await server.cookie());
      await new Promise<void>((resolve, reject) => other.once('connect', resolve).once('connect_error', reject));
      expect((await other.timeout(5_000).emitWithAck('feed:catch-up', { lastEventId: 0 })).events).toHaveLength(2);
      dashboard.close();
      other.close();
    });
  });
});
