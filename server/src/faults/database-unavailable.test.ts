// Fault suite — the database goes away: a SQLite file that becomes unwritable (immutable, so even the
// open handles fail) and a PostgreSQL server that becomes unreachable (a TCP proxy between the app and
// 127.0.0.1:5432 is cut; the shared server keeps running; both in test/outage.ts). Meanwhile the endpoint
// answers 503 (Svix retries); it recovers by itself when the database returns; nothing acknowledged is lost
// and the delivery log keeps the refused attempts.
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { createOutage } from '../test/outage.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';

const EVENTS = 40;

/** Sends EVENTS user.created events; answers their bodies and statuses. */
async function burst(s: TestServer, prefix: string) {
  const items = Array.from({ length: EVENTS }, (_, i) => {
    const u = makeUser();
    return { svixId: `${prefix}_${i}`, body: JSON.stringify(makeEvent('user.created', u, u.updated_at)) };
  });
  const statuses = await Promise.all(items.map(async (it) => (await s.deliver(it.body, { svixId: it.svixId })).status));
  return { items, statuses };
}

/** Svix's retry: the same svix-id and body until a 2xx, a little later each time. */
async function retryUntilAcked(s: TestServer, items: { svixId: string; body: string }[], deadlineMs = 20_000) {
  const pending = new Set(items.map((i) => i.svixId));
  const started = Date.now();
  while (pending.size > 0 && Date.now() - started < deadlineMs) {
    for (const it of items) {
      if (!pending.has(it.svixId)) continue;
      const res = await s.deliver(it.body, { svixId: it.svixId });
      if (res.ok) pending.delete(it.svixId);
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 200));
  }
  return { pending: pending.size, ms: Date.now() - started };
}

function report(
  name: string,
  before: number[],
  during: number[],
  recovered: { pending: number; ms: number },
  lost: number,
) {
  const counts = (xs: number[]) =>
    [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<number, number>())]
      .map(([k, v]) => `${k}×${v}`)
      .join(' ');
  console.log(
    `database unavailable (${name}): before ${counts(before)}; while down ${counts(during)}; all acked ${recovered.ms} ms after it came back; ${lost} lost`,
  );
}

describe('fault suite: database unavailable', () => {
  it('SQLite file unwritable: 503 while it is, recovers by itself, loses nothing', { timeout: 60_000 }, async () => {
    const outage = await createOutage('sqlite');
    const s = await startTestServer('sqlite', { db: outage.db });
    try {
      const ok = await burst(s, 'msg_ro_ok');
      expect(ok.statuses.every((x) => x === 200)).toBe(true);
      outage.cut(); // even root, and the already open handles, can no longer write
      const down = await burst(s, 'msg_ro_down');
      expect(
        down.statuses.every((x) => x === 503),
        down.statuses.join(','),
      ).toBe(true);
      outage.restore();
      const recovered = await retryUntilAcked(s, down.items);
      expect(recovered.pending).toBe(0);
      await s.services.deliveryLog.flush();
      const p = s.db.prisma;
      const ids = [...ok.items, ...down.items].map((i) => i.svixId);
      const lost = ids.length - (await p.event.count({ where: { svixId: { in: ids } } }));
      report('SQLite immutable file', ok.statuses, down.statuses, recovered, lost);
      expect(lost).toBe(0);
      // the refused attempts are in the delivery log too (buffered while the file was unwritable)
      expect(
        await p.delivery.count({ where: { svixId: { in: down.items.map((i) => i.svixId) }, httpStatus: 503 } }),
      ).toBe(EVENTS);
    } finally {
      outage.restore();
      await s.close();
      await outage.close();
    }
  });

  it('PostgreSQL unreachable: 503 while it is, recovers by itself, loses nothing', { timeout: 60_000 }, async () => {
    const outage = await createOutage('postgresql');
    const { direct } = outage;
    const s = await startTestServer('postgresql', { db: outage.db });
    try {
      const ok = await burst(s, 'msg_pg_ok');
      expect(ok.statuses.every((x) => x === 200)).toBe(true);
      outage.cut();
      const down = await burst(s, 'msg_pg_down');
      expect(
        down.statuses.every((x) => x === 503),
        down.statuses.join(','),
      ).toBe(true);
      expect((await fetch(`${s.url}/healthz`)).status).toBe(503);
      outage.restore();
      const recovered = await retryUntilAcked(s, down.items);
      expect(recovered.pending).toBe(0);
      await s.services.deliveryLog.flush();
      const ids = [...ok.items, ...down.items].map((i) => i.svixId);
      const lost = ids.length - (await direct.prisma.event.count({ where: { svixId: { in: ids } } }));
      report('PostgreSQL behind a cut TCP link', ok.statuses, down.statuses, recovered, lost);
      expect(lost).toBe(0);
      expect(
        await direct.prisma.delivery.count({
          where: { svixId: { in: down.items.map((i) => i.svixId) }, httpStatus: 503 },
        }),
      ).toBe(EVENTS);
    } finally {
      outage.restore();
      await s.close();
      await outage.close();
    }
  });
});
