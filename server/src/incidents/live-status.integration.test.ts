// The live status through real servers: a storage outage and a rotated secret are pushed to a signed-in
// dashboard's socket as they happen, answered by GET /api/live, marked when acknowledged and cleared by the next
// good delivery; and a second instance on the same database, which received nothing, shows the outage too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../realtime/contract.ts';
import type { IncidentDetail, LiveStatus } from '../contract.ts';
import { createTestDb, TEST_PROVIDERS } from '../test/db.ts';
import { newSecret, startTestServer, type TestServer } from '../test/harness.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';
import type { Db } from '../lib/db/client.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

async function dashboard(s: TestServer): Promise<ClientSocket> {
  const socket: ClientSocket = connect(s.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie: await s.cookie() },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The next `status:changed` whose problem kinds are `kinds` (and that passes `also`), with when it arrived. */
function statusWith(
  socket: ClientSocket,
  kinds: string[],
  also: (s: LiveStatus) => boolean = () => true,
): Promise<{ status: LiveStatus; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status:changed with [${kinds.join(', ')}]`)), 15_000);
    const onStatus = (s: LiveStatus) => {
      if (JSON.stringify(s.problems.map((p) => p.kind)) !== JSON.stringify(kinds) || !also(s)) return;
      clearTimeout(timer);
      socket.off('status:changed', onStatus);
      resolve({ status: s, at: performance.now() });
    };
    socket.on('status:changed', onStatus);
  });
}

const liveOf = async (s: TestServer) => (await (await s.api('/api/live')).json()) as LiveStatus;
const storageDown = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe.each(TEST_PROVIDERS)('live status on %s', (provider) => {
  let s: TestServer;
  let socket: ClientSocket;
  const fault = { storage: false };

  beforeAll(async () => {
    s = await startTestServer(provider, {
      onApplied: () => {
        if (fault.storage) throw storageDown();
      },
    });
    socket = await dashboard(s);
  });
  afterAll(async () => {
    socket?.close();
    await s?.close();
  });

  it('pushes a storage outage when the first 503 is answered, marks it acknowledged, and ends it with the next stored delivery', async () => {
    const outage = statusWith(socket, ['storage_refusing']);
    fault.storage = true;
    const sentAt = performance.now();
    expect((await s.deliver(makeEvent('user.created', makeUser()))).status).toBe(503);
    const during = await outage;
    console.info(
      `[${provider}] request answered 503 → status:changed: ${Math.round(during.at - sentAt)} ms after it was sent`,
    );
    const [problem] = during.status.problems;
    expect(problem).toMatchObject({
      message: 'Webhooks are being refused: database unavailable',
      acknowledgedBy: null,
      incidentId: expect.stringMatching(/^inc_/),
    });
    expect((await liveOf(s)).problems.map((p) => p.kind)).toEqual(['storage_refusing']);
    expect((await fetch(`${s.url}/api/live`)).status).toBe(401);

    // the incident behind it, once written; acknowledged, it still shows (the trouble is still there), marked
    await expect
      .poll(async () => (await s.api(`/api/incidents/${problem!.incidentId}`)).status, { timeout: 10_000 })
      .toBe(200);
    const marked = statusWith(socket, ['storage_refusing'], (st) => st.problems[0]!.acknowledgedBy !== null);
    const ack = await s.api(`/api/incidents/${problem!.incidentId}/acknowledge`, { method: 'POST', body: '{}' });
    expect(((await ack.json()) as IncidentDetail).state).toBe('acknowledged');
    expect((await marked).status.problems[0]).toMatchObject({
      incidentId: problem!.incidentId,
      acknowledgedBy: 'admin@test.local',
    });

    const over = statusWith(socket, []);
    fault.storage = false;
    expect((await s.deliver(makeEvent('user.created', makeUser()))).status).toBe(200);
    await over;
    // and the incident resolves by itself at the next tick
    await expect
      .poll(
        async () => ((await (await s.api(`/api/incidents/${problem!.incidentId}`)).json()) as IncidentDetail).state,
        { timeout: 10_000 },
      )
      .toBe('resolved');
  });

  it('pushes signature failures that look like a rotated secret, not a single forged request', async () => {
    const rotated = newSecret();
    expect((await s.deliver(makeEvent('user.created', makeUser()), { secret: rotated })).status).toBe(401);
    expect((await liveOf(s)).problems).toEqual([]);
    const suspected = statusWith(socket, ['signature_failures']);
    for (let i = 0; i < 2; i++)
      expect((await s.deliver(makeEvent('user.created', makeUser()), { secret: rotated })).status).toBe(401);
    expect((await suspected).status.problems[0]!.message).toMatch(/signing secret may have been rotated/);
    const cleared = statusWith(socket, []);
    expect((await s.deliver(makeEvent('user.created', makeUser()))).status).toBe(200);
    await cleared;
  });
});

// Behind a load balancer: instance A answers the 503s, instance B received nothing. B's dashboards (and its
// GET /api/live) still show the outage, from the incident A wrote (no Redis here: B reads it at its tick).
describe('live status with two instances on one database (postgresql)', () => {
  let db: Db;
  let a: TestServer;
  let b: TestServer;
  let onB: ClientSocket;
  const fault = { storage: false };

  beforeAll(async () => {
    db = await createTestDb('postgresql');
    const secret = newSecret();
    a = await startTestServer('postgresql', {
      db,
      secrets: [secret],
      onApplied: () => {
        if (fault.storage) throw storageDown();
      },
    });
    b = await startTestServer('postgresql', { db, secrets: [secret] });
    onB = await dashboard(b);
  }, 60_000);
  afterAll(async () => {
    onB?.close();
    await a?.close();
    await b?.close();
    await db?.close();
  });

  it('shows an outage another instance saw on this one too, and its end', async () => {
    const outage = statusWith(onB, ['storage_refusing']);
    fault.storage = true;
    const sentAt = performance.now();
    expect((await a.deliver(makeEvent('user.created', makeUser()))).status).toBe(503);
    const seen = await outage;
    console.info(`503 on A → status:changed on B's dashboard: ${Math.round(seen.at - sentAt)} ms after it was sent`);
    expect((await liveOf(b)).problems).toEqual([
      expect.objectContaining({ kind: 'storage_refusing', incidentId: seen.status.problems[0]!.incidentId }),
    ]);

    const over = statusWith(onB, []);
    fault.storage = false;
    const recoveredAt = performance.now();
    expect((await a.deliver(makeEvent('user.created', makeUser()))).status).toBe(200);
    const ended = await over;
    console.info(
      `stored on A → status:changed on B's dashboard: ${Math.round(ended.at - recoveredAt)} ms after it was sent`,
    );
    expect((await liveOf(b)).problems).toEqual([]);
  });
});
