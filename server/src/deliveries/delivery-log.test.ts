// The delivery log's outage buffer on its own: bounded by bytes, oldest rows dropped first and counted.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { DeliverySummary } from '../contract.ts';
import type { NewDelivery } from './deliveries.repository.ts';
import { bufferedSize, createDeliveryLog } from './delivery-log.ts';

const row = (i: number, body = ''): NewDelivery => ({
  receivedAt: new Date(),
  svixId: `msg_${i}`,
  eventType: null,
  outcome: 'rejected',
  httpStatus: 401,
  errorCode: 'invalid_signature',
  error: 'No svix-signature entry matches',
  durationMs: 1,
  headers: { 'content-type': 'application/json' },
  body,
  bodyBytes: body.length,
  bodyTruncated: false,
  verified: false,
  eventId: null,
});

/** A log whose database is down until `up = true`; it remembers what was written. */
function logWithOutage(maxBytes: number) {
  const written: NewDelivery[] = [];
  const state = { up: false };
  const log = createDeliveryLog({
    maxBytes,
    logger: pino({ level: 'silent' }),
    onRecorded: () => {},
    write: async (d) => {
      if (!state.up) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      written.push(d);
      return { id: written.length } as DeliverySummary;
    },
  });
  return { log, written, state };
}

describe('delivery log outage buffer', () => {
  it('holds rows up to its byte bound, drops the oldest past it (counted), writes the rest when storage is back', async () => {
    const big = 'x'.repeat(10_000);
    const size = bufferedSize(row(0, big));
    const { log, written, state } = logWithOutage(size * 5 + 100);
    for (let i = 0; i < 12; i++) expect(await log.record(row(i, big))).toBeNull();
    expect(log.buffered).toBe(5);
    expect(log.bufferedBytes).toBeLessThanOrEqual(size * 5 + 100);
    expect(log.dropped).toBe(7);
    state.up = true;
    await log.flush();
    expect(written.map((d) => d.svixId)).toEqual(['msg_7', 'msg_8', 'msg_9', 'msg_10', 'msg_11']);
    expect({ buffered: log.buffered, bytes: log.bufferedBytes }).toEqual({ buffered: 0, bytes: 0 });
  });

  it('counts by bytes, not rows: many small rows fit where a few large ones do not', async () => {
    const { log } = logWithOutage(64 * 1024);
    for (let i = 0; i < 100; i++) await log.record(row(i));
    expect({ buffered: log.buffered, dropped: log.dropped }).toEqual({ buffered: 100, dropped: 0 });
    for (let i = 0; i < 10; i++) await log.record(row(i, 'y'.repeat(20_000)));
    expect(log.bufferedBytes).toBeLessThanOrEqual(64 * 1024);
    expect(log.dropped).toBeGreaterThan(0);
  });

  it('sizes text outside Latin-1 at two bytes a character, as V8 holds it', () => {
    expect(bufferedSize(row(0, 'é'.repeat(1000))) - bufferedSize(row(0))).toBe(1000);
    expect(bufferedSize(row(0, '€'.repeat(1000))) - bufferedSize(row(0))).toBe(2000);
  });
});
