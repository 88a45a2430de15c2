// The ingest store on its own, on both providers: what one bad item in a batch may and may not undo.
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client.ts';
import { createTestDb, TEST_PROVIDERS } from '../test/db.ts';
import { sqlitePathFromUrl } from '../lib/db/url.ts';
import { createIngestStore } from './ingest-store.ts';
import type { IngestItem } from '../webhooks/ports.ts';
import type { NewDelivery } from '../deliveries/deliveries.repository.ts';
import { parseClerkEvent } from '../webhooks/clerk-event.ts';
import { clerkId, makeEvent, makeUser } from '../../../emulator/factories.ts';

function eventItem(): IngestItem {
  const u = makeUser();
  const payload = JSON.stringify(makeEvent('user.created', u, u.updated_at));
  const svixId = clerkId('msg');
  return {
    svixId,
    event: parseClerkEvent(JSON.parse(payload), new Date()),
    payload,
    request: { receivedAt: new Date(), svixId, headers: {}, body: '', bodyBytes: payload.length, bodyTruncated: false },
    startedAt: performance.now(),
    replayOf: null,
  };
}

const rejected = (over: Partial<NewDelivery> = {}): NewDelivery => ({
  receivedAt: new Date(),
  svixId: 'msg_forged',
  eventType: null,
  outcome: 'rejected',
  httpStatus: 401,
  errorCode: 'invalid_signature',
  error: 'No svix-signature entry matches',
  durationMs: 0.4,
  headers: { 'svix-id': 'msg_forged' },
  body: '{}',
  bodyBytes: 2,
  bodyTruncated: false,
  verified: false,
  eventId: null,
  ...over,
});

describe.each(TEST_PROVIDERS)('ingest store on %s', (provider) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('writes events and log rows submitted together in one batch', async () => {
    db = await createTestDb(provider);
    const store = createIngestStore(db);
    const [a, b, log] = await Promise.all([
      store.ingest(eventItem()),
      store.ingest(eventItem()),
      store.logDelivery(rejected()),
    ]);
    expect([a.outcome, b.outcome]).toEqual(['applied', 'applied']);
    expect(log).toMatchObject({ outcome: 'rejected', httpStatus: 401, failed: true, verified: false });
    expect(await db.prisma.delivery.count()).toBe(3);
    await store.close();
  });

  it('a log row that cannot be written fails alone, not the events batched with it', async () => {
    db = await createTestDb(provider);
    const store = createIngestStore(db);
    const item = eventItem();
    const broken = rejected({ outcome: null as unknown as NewDelivery['outcome'] }); // violates NOT NULL
    const [event, log] = await Promise.allSettled([store.ingest(item), store.logDelivery(broken)]);
    expect(event).toMatchObject({ status: 'fulfilled', value: { outcome: 'applied' } });
    expect(log.status).toBe('rejected');
    expect(await db.prisma.event.count({ where: { svixId: item.svixId } })).toBe(1);
    expect(await db.prisma.delivery.count()).toBe(1);
    await store.close();
  });
});

describe('ingest store on sqlite: checkpoints', () => {
  let db: Db;
  afterEach(async () => db?.close());

  it('leaves WAL checkpoints to its worker thread, which copies committed pages into the database file', async () => {
    db = await createTestDb('sqlite');
    const file = sqlitePathFromUrl(db.url);
    const store = createIngestStore(db);
    const before = statSync(file).size;
    // ~2 KB payloads: a few hundred events are many pages more than the empty database holds
    for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 100 }, () => store.ingest(eventItem())));
    // Only a checkpoint writes the database file itself; the ingest connection no longer runs them.
    await expect.poll(() => statSync(file).size, { timeout: 5000 }).toBeGreaterThan(before + 400 * 2000);
    await store.close(); // also stops the worker: a left-over thread would keep vitest from exiting
    expect(await db.prisma.event.count()).toBe(400);
  });
});
