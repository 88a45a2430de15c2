// Fault suite — anyone who can reach the webhook URL can send unsigned requests. Each must cost little: a
// refused request keeps its facts (when, from where, the svix-id it claimed cut short, why, sizes, a SHA-256
// and the first bytes of its body), not its body and headers; past a per-source budget refused requests are
// answered 429 without a row (counted; shared through Redis); correctly signed deliveries are never refused by
// that budget; and while storage is down the rows waiting in memory are bounded by bytes. Figures printed:
// bytes stored per refused request, and memory under a 10,000-request flood during an outage.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeliveryRow } from '../deliveries/deliveries.repository.ts';
import type { DeliveryDetail } from '../contract.ts';
import { createTestDb, TEST_PROVIDERS } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { createOutage } from '../test/outage.ts';
import { MAX_BUFFERED_BYTES } from '../deliveries/delivery-log.ts';
import { REJECTED_BODY_PREFIX } from '../webhooks/webhooks.service.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const FLOOD = 10_000;
const CONCURRENCY = 24;
const MiB = 1024 * 1024;

/** What the issue's attacker sent: a 64 KiB body and large headers (~12 KB: Node accepts 16 KB in all). */
const BODY = Buffer.from(`{"type":"user.created","data":{"pad":"${'A'.repeat(64 * 1024 - 38)}"}}`);
const PAD_HEADERS = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`x-pad-${i}`, 'p'.repeat(2000)]));
const unsigned = (svixId = `msg_${'u'.repeat(96)}`) => ({
  ...PAD_HEADERS,
  'content-type': 'application/json',
  'user-agent': `flood/1.0 ${'z'.repeat(300)}`,
  'svix-id': svixId,
  'svix-timestamp': String(Math.floor(Date.now() / 1000)),
  'svix-signature': `v1,${randomBytes(32).toString('base64')}`,
});
const post = (s: TestServer, headers: Record<string, string>, body: Buffer | string = BODY) =>
  fetch(`${s.url}/api/webhooks/clerk`, { method: 'POST', headers, body });

/** Bytes a row's values take in the database: text by its UTF-8 length, numbers, dates and flags 8 each. */
function storedBytes(row: DeliveryRow): number {
  return Object.values(row).reduce<number>(
    (n, v) => n + (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : 8),
    0,
  );
}

function signedUserEvent() {
  const u = makeUser();
  return JSON.stringify(makeEvent('user.created', u, u.updated_at));
}

/** The number a metric line shows (0 when absent). */
async function metric(s: TestServer, line: RegExp): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').at(-1)) : 0;
}

describe.each(TEST_PROVIDERS)('fault suite: unsigned requests on %s', (provider) => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('a refused request keeps its facts, not its body and headers; the dashboard shows what it can', async () => {
    const s = await startTestServer(provider);
    servers.push(s);
    const res = await post(s, unsigned());
    expect(res.status).toBe(401);
    const row = await s.db.prisma.delivery.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(row).toMatchObject({
      outcome: 'rejected',
      verified: false,
      errorCode: 'invalid_signature',
      bodyBytes: BODY.length,
      bodyTruncated: true,
    });
    expect(row.body).toBe(BODY.subarray(0, REJECTED_BODY_PREFIX).toString('utf8'));
    expect(row.bodySha256).toBe(createHash('sha256').update(BODY).digest('hex'));
    expect(row.svixId).toBe(`msg_${'u'.repeat(60)}`);
    expect(row.sourceIp).toMatch(/127\.0\.0\.1/);
    expect(row.headerBytes).toBeGreaterThan(12_000);
    const headers = JSON.parse(row.headers) as Record<string, string>;
    expect(Object.keys(headers).sort()).toEqual([
      'content-length',
      'content-type',
      'svix-signature',
      'svix-timestamp',
      'user-agent',
    ]);
    expect(headers['svix-signature']).toBe('v1,[redacted]');
    expect(headers['user-agent']).toHaveLength(100);

    const stored = storedBytes(row);
    // a row keeping the body (up to 64 KiB) and every header, as each refused request's row did before
    const keptWhole = Math.min(row.bodyBytes, 64 * 1024) + row.headerBytes!;
    console.log(
      `refused request (${provider}): ${(row.bodyBytes + row.headerBytes!).toLocaleString()} bytes sent (${row.bodyBytes.toLocaleString()} body, ${row.headerBytes!.toLocaleString()} headers); ` +
        `a row keeping body and headers ≈ ${keptWhole.toLocaleString()} bytes; stored now: ${stored.toLocaleString()} bytes`,
    );
    expect(stored).toBeLessThan(1_500);

    const detail = (await (await s.api(`/api/deliveries/${row.id}`)).json()) as DeliveryDetail;
    expect(detail).toMatchObject({
      body: row.body,
      bodyBytes: BODY.length,
      bodyTruncated: true,
      bodySha256: row.bodySha256,
      sourceIp: row.sourceIp,
      headerBytes: row.headerBytes,
      verified: false,
    });
    expect(detail.replayBlockedReason).toMatch(/signature did not verify/);
  });

  it('past its budget a source gets 429 without a row (one row says so); signed deliveries are never refused', async () => {
    const s = await startTestServer(provider, { env: { WEBHOOK_REJECTED_PER_MINUTE: '5' } });
    servers.push(s);
    const lastId = (await s.db.prisma.delivery.findFirst({ orderBy: { id: 'desc' } }))?.id ?? 0;
    const statuses: number[] = [];
    let signedOk = 0;
    for (let i = 0; i < 20; i++) {
      const res = await post(s, unsigned(), '{}');
      statuses.push(res.status);
      if (i === 5) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
      }
      // the same source's correctly signed deliveries go through, limited or not
      if (i % 4 === 3) signedOk += Number((await s.deliver(signedUserEvent())).status === 200);
    }
    expect(statuses).toEqual([...Array<number>(5).fill(401), ...Array<number>(15).fill(429)]);
    expect(signedOk).toBe(5);
    await s.services.deliveryLog.flush();
    const rows = await s.db.prisma.delivery.findMany({ where: { id: { gt: lastId } }, orderBy: { id: 'asc' } });
    // 5 refused rows, 1 row saying the source is limited, and the 5 signed deliveries
    expect(rows.filter((r) => r.httpStatus === 401)).toHaveLength(5);
    const limited = rows.filter((r) => r.httpStatus === 429);
    expect(limited).toHaveLength(1);
    expect(limited[0]).toMatchObject({ errorCode: 'rate_limited', outcome: 'rejected' });
    expect(limited[0]!.error).toMatch(/answered 429 without a row/);
    expect(rows.filter((r) => r.httpStatus === 200)).toHaveLength(5);
    expect(await metric(s, /^csm_webhook_refused_unlogged_total\{reason="rate_limited"\}/)).toBe(14);
  });

  it(
    `${FLOOD.toLocaleString()} unsigned 64 KiB requests while storage is down: memory stays bounded, every one is logged after`,
    { timeout: 300_000 },
    async () => {
      const outage = await createOutage(provider);
      // no budget: a flood from many sources gets past any per-source limit, so the buffer's bound must hold alone
      const s = await startTestServer(provider, { db: outage.db, env: { WEBHOOK_REJECTED_PER_MINUTE: '0' } });
      try {
        expect((await s.deliver(signedUserEvent())).status).toBe(200);
        const rssBefore = process.memoryUsage().rss;
        let peak = rssBefore;
        let peakBuffered = 0;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().rss);
          peakBuffered = Math.max(peakBuffered, s.services.deliveryLog.bufferedBytes);
        }, 25);
        outage.cut();
        const statuses = new Map<number, number>();
        let sent = 0;
        const t0 = performance.now();
        const worker = async () => {
          while (sent < FLOOD) {
            sent++;
            const res = await post(s, unsigned(`msg_flood_${sent}`));
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        const seconds = (performance.now() - t0) / 1000;
        clearInterval(sampler);
        peak = Math.max(peak, process.memoryUsage().rss);
        const buffered = {
          rows: s.services.deliveryLog.buffered,
          bytes: s.services.deliveryLog.bufferedBytes,
          dropped: s.services.deliveryLog.dropped,
        };

        outage.restore();
        await s.services.deliveryLog.flush();
        const logged = await outage.direct.prisma.delivery.count({ where: { svixId: { startsWith: 'msg_flood_' } } });
        const sample = await outage.direct.prisma.delivery.findMany({
          where: { svixId: { startsWith: 'msg_flood_' } },
          take: 200,
        });
        const perRow = sample.reduce((n, r) => n + storedBytes(r), 0) / sample.length;
        console.log(
          `unsigned flood during a storage outage (${provider}): ${sent.toLocaleString()} requests of ${(BODY.length / 1024).toFixed(0)} KiB + ~12 KB headers in ${seconds.toFixed(1)} s ` +
            `(${CONCURRENCY} concurrent), statuses ${[...statuses].map(([k, v]) => `${k}×${v}`).join(' ')}; ` +
            `buffered ${buffered.rows.toLocaleString()} rows = ${(buffered.bytes / MiB).toFixed(1)} MiB (peak ${(peakBuffered / MiB).toFixed(1)} MiB, bound ${MAX_BUFFERED_BYTES / MiB} MiB), ${buffered.dropped} dropped; ` +
            `RSS ${(rssBefore / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - rssBefore) / MiB).toFixed(0)} MiB, test client included); ` +
            `after recovery ${logged.toLocaleString()} rows written, ≈ ${Math.round(perRow)} bytes each`,
        );
        expect(statuses.get(401)).toBe(FLOOD);
        expect(peakBuffered).toBeLessThanOrEqual(MAX_BUFFERED_BYTES);
        expect(buffered.rows).toBe(FLOOD);
        expect(logged).toBe(FLOOD);
        expect(perRow).toBeLessThan(1_500);
        // before: up to 10,000 rows of ~80 KB each waited in memory (≈ 0.8 GB)
        expect(peak - rssBefore).toBeLessThan(256 * MiB);
      } finally {
        outage.restore();
        await s.close();
        await outage.close();
      }
    },
  );
});

describe('fault suite: the refused-request budget with REDIS_URL', () => {
  it('is shared by every instance', async () => {
    const db = await createTestDb('sqlite');
    const env = {
      WEBHOOK_REJECTED_PER_MINUTE: '4',
      REDIS_URL,
      REDIS_CHANNEL_PREFIX: `csm-test-${randomBytes(4).toString('hex')}`,
    };
    const a = await startTestServer('sqlite', { db, env });
    const b = await startTestServer('sqlite', { db, env });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await post(i % 2 ? a : b, unsigned(), '{}')).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
      expect((await a.deliver(signedUserEvent())).status).toBe(200);
      expect((await b.deliver(signedUserEvent())).status).toBe(200);
    } finally {
      await a.close();
      await b.close();
      await db.close();
    }
  });
});
