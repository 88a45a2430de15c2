import { describe, expect, it } from 'vitest';
import type { LiveStatus } from '../contract.ts';
import { createLiveStatus, type ObservedDelivery } from './live-status.ts';

function setup(opts: Parameters<typeof createLiveStatus>[0] = {}) {
  let now = Date.parse('2026-12-01T05:00:00Z');
  const sent: LiveStatus[] = [];
  const live = createLiveStatus({ clock: () => new Date(now), onChange: (s) => sent.push(s), ...opts });
  const deliver = (d: Partial<ObservedDelivery> = {}) =>
    live.observeDelivery({
      receivedAt: new Date(now),
      outcome: 'applied',
      httpStatus: 200,
      verified: true,
      errorCode: null,
      svixId: 'msg_1',
      ...d,
    });
  const kinds = () => live.current().problems.map((p) => p.kind);
  return { live, sent, deliver, kinds, advance: (ms: number) => (now += ms) };
}

describe('live status', () => {
  it('shows storage refusing webhooks from the first 503 until a delivery is stored again, and says so once each', () => {
    const { deliver, kinds, sent, advance, live } = setup();
    deliver({ outcome: 'unavailable', httpStatus: 503 });
    const since = live.current().problems[0]!.since;
    advance(2000);
    deliver({ outcome: 'unavailable', httpStatus: 503 });
    expect(kinds()).toEqual(['storage_refusing']);
    expect(live.current().problems[0]!.since).toBe(since);
    // a forged request in between does not end it
    deliver({ outcome: 'rejected', httpStatus: 401, verified: false, errorCode: 'invalid_signature', svixId: null });
    expect(kinds()).toEqual(['storage_refusing']);
    deliver();
    expect(kinds()).toEqual([]);
    expect(sent.map((s) => s.problems.length)).toEqual([1, 0]);
  });

  it('calls silence only past the usual quiet, once that is known', () => {
    const { deliver, kinds, advance, live } = setup({ minQuietMs: 60_000, minGaps: 5 });
    advance(10 * 60_000);
    live.tick();
    expect(kinds()).toEqual([]); // no traffic seen yet: the usual quiet is unknown
    for (let i = 0; i < 6; i++) {
      deliver();
      advance(30_000);
    }
    live.tick();
    expect(kinds()).toEqual([]); // 30 s since the last: inside 4 × the usual 30 s gap
    advance(91_000);
    live.tick();
    expect(kinds()).toEqual(['silence']);
    deliver();
    expect(kinds()).toEqual([]);
  });

  it('suspects a rotated secret after several Svix-looking signature failures in a row, not after a scanner', () => {
    const { deliver, kinds } = setup({ signatureFailures: 3 });
    const bad = { outcome: 'rejected', httpStatus: 401, verified: false, errorCode: 'invalid_signature' } as const;
    deliver({ ...bad, svixId: null });
    deliver({ ...bad, svixId: 'hello' });
    deliver({ ...bad, svixId: 'msg_a' });
    deliver({ ...bad, svixId: 'msg_b' });
    deliver();
    deliver({ ...bad, svixId: 'msg_c' });
    expect(kinds()).toEqual([]);
    deliver({ ...bad, svixId: 'msg_d' });
    deliver({ ...bad, svixId: 'msg_e' });
    expect(kinds()).toEqual(['signature_failures']);
    deliver();
    expect(kinds()).toEqual([]);
  });

  it('shows Clerk throttling with the retry time, until Clerk answers again or the retry is long past', () => {
    const { live, kinds, advance } = setup({ throttleGraceMs: 10_000 });
    live.clerkRetrying({ status: 429, retryInMs: 4000 });
    expect(live.current().problems[0]!.message).toMatch(/throttled by Clerk \(429\), retrying in 4 s/);
    live.clerkAnswered(503);
    expect(kinds()).toEqual(['clerk_throttled']);
    live.clerkAnswered(200);
    expect(kinds()).toEqual([]);
    live.clerkRetrying({ status: 502, retryInMs: 1000 });
    advance(5000);
    live.tick();
    expect(kinds()).toEqual(['clerk_throttled']);
    advance(10_000);
    live.tick();
    expect(kinds()).toEqual([]);
  });
});
