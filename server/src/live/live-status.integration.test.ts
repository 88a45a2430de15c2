// The live status through a real server: a storage outage and a rotated secret are pushed to a signed-in
// dashboard's socket as they happen, answered by GET /api/live, and cleared by the next good delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../realtime/contract.ts';
import type { LiveStatus } from '../contract.ts';
import { TEST_PROVIDERS } from '../test/db.ts';
import { newSecret, startTestServer, type TestServer } from '../test/harness.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** The next `status:changed` whose problem kinds are `kinds`. */
function statusWith(socket: ClientSocket, kinds: string[]): Promise<LiveStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status:changed with [${kinds.join(', ')}]`)), 10_000);
    const onStatus = (s: LiveStatus) => {
      if (JSON.stringify(s.problems.map((p) => p.kind)) !== JSON.stringify(kinds)) return;
      clearTimeout(timer);
      socket.off('status:changed', onStatus);
      resolve(s);
    };
    socket.on('status:changed', onStatus);
  });
}

describe.each(TEST_PROVIDERS)('live status on %s', (provider) => {
  let s: TestServer;
  let socket: ClientSocket;
  const fault = { storage: false };

  beforeAll(async () => {
    s = await startTestServer(provider, {
      onApplied: () => {
        if (fault.storage)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      },
    });
    socket = connect(s.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: await s.cookie() },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  });
  afterAll(async () => {
    socket?.close();
    await s?.close();
  });

  it('pushes a storage outage when the first 503 is answered, and its end with the next stored delivery', async () => {
    const outage = statusWith(socket, ['storage_refusing']);
    fault.storage = true;
    expect((await s.deliver(makeEvent('user.created', makeUser()))).status).toBe(503);
    const during = await outage;
    expect(during.problems[0]!.message).toMatch(/Webhooks are being refused: database unavailable/);
    const live = await s.api('/api/live');
    expect(((await live.json()) as LiveStatus).problems.map((p) => p.kind)).toEqual(['storage_refusing']);
    expect((await fetch(`${s.url}/api/live`)).status).toBe(401);

    const over = statusWith(socket, []);
    fault.storage = false;
    expect((await s.deliver(makeEvent('user.created', makeUser()))).status).toBe(200);
    await over;
  });

  it('pushes signature failures that look like a rotated secret, not a single forged request', async () => {
    const rotated = newSecret();
    expect((await s.deliver(makeEvent('user.created', makeUser()), { secret: rotated })).status).toBe(401);
    expect(((await (await s.api('/api/live')).json()) as LiveStatus).problems).toEqual([]);
    const suspected = statusWith(socket, ['signature_failures']);
    for (let i = 0; i < 2; i++)
      expect((await s.deliver(makeEvent('user.created', makeUser()), { secret: rotated })).status).toBe(401);
    expect((await suspected).problems[0]!.message).toMatch(/signing secret may have been rotated/);
    const cleared = statusWith(socket, []);
    expect((await s.deliver(makeEvent('user.created', makeUser()))).status).toBe(200);
    await cleared;
  });
});
