// Grouping: what counts as one cause, and what clears one.
import { describe, expect, it } from 'vitest';
import {
  clerkRetryFacts,
  fromClerkResponse,
  fromPipeline,
  normalizeError,
  SIGNATURE_FAILURES_TO_OPEN,
  usualQuietMs,
} from './signals.ts';
import type { PipelineOutcome } from '../webhooks/ports.ts';

const at = new Date('2026-11-30T06:00:00Z');
const outcome = (o: Partial<PipelineOutcome>): PipelineOutcome => ({
  at,
  outcome: 'applied',
  httpStatus: 200,
  errorCode: null,
  error: null,
  verified: true,
  replay: false,
  svixId: 'msg_1',
  eventType: 'user.created',
  deliveryId: 1,
  eventId: 1,
  userId: 'user_1',
  ...o,
});

describe('incident signals', () => {
  it('one cause whatever the ids, numbers and values in the error', () => {
    expect(normalizeError('cannot apply user_2abcDEF123: length 300 > "username"')).toBe(
      normalizeError('cannot apply user_9xyzQRS456: length 41 > "first_name"'),
    );
    expect(normalizeError('constraint failed')).not.toBe(normalizeError('deadlock detected'));
  });

  it('a failed apply signals by event type and error; a stored event clears storage; a verified one clears signature and silence', () => {
    const failed = fromPipeline(
      outcome({ outcome: 'failed', httpStatus: 500, errorCode: 'apply_failed', error: 'boom user_2abcdefgh' }),
    );
    expect(failed.signal).toMatchObject({
      kind: 'apply_failed',
      fingerprint: 'apply_failed:user.created:boom <id>',
      affected: { eventId: 1, userId: 'user_1' },
    });
    expect(fromPipeline(outcome({ outcome: 'quarantined' })).signal).toMatchObject({ quarantined: true });
    expect(fromPipeline(outcome({})).clears.map((c) => c.kind)).toEqual([
      'storage_unavailable',
      'signature_failed',
      'silence',
    ]);
    // an operator's replay is no sign of life from Clerk
    expect(fromPipeline(outcome({ replay: true })).clears.map((c) => c.kind)).toEqual(['storage_unavailable']);
  });

  it('a bad signature counts only on a request that claims a Svix message id, and opens only after several in a row', () => {
    const rejected = {
      outcome: 'rejected' as const,
      httpStatus: 401,
      errorCode: 'invalid_signature',
      verified: false,
      eventId: null,
      userId: null,
    };
    expect(fromPipeline(outcome({ ...rejected })).signal).toMatchObject({
      kind: 'signature_failed',
      openAfter: SIGNATURE_FAILURES_TO_OPEN,
    });
    expect(fromPipeline(outcome({ ...rejected, svixId: null })).signal).toBeNull();
    expect(fromPipeline(outcome({ ...rejected, svixId: 'hello' })).signal).toBeNull();
    expect(fromPipeline(outcome({ ...rejected, errorCode: 'invalid_json' })).signal).toBeNull();
  });

  it("Clerk's 429 and 5xx signal, 2xx clears, 404 is neither", () => {
    expect(fromClerkResponse(429, at).signal).toMatchObject({ fingerprint: 'clerk_api:throttled' });
    expect(fromClerkResponse(503, at).signal).toMatchObject({ fingerprint: 'clerk_api:server_error' });
    expect(fromClerkResponse(200, at).clears).toHaveLength(2);
    expect(fromClerkResponse(404, at)).toEqual({ signal: null, clears: [] });
    // a retry adds when it is due to the incident of its answer
    expect(clerkRetryFacts(429, 4000, at)).toEqual({
      fingerprint: 'clerk_api:throttled',
      facts: { status: 429, retryInMs: 4000, retryAt: '2026-11-30T06:00:04.000Z' },
    });
  });

  it('the usual quiet: 4 × the 95th percentile of the gaps, never below the floor, unknown until enough gaps', () => {
    const rule = { minQuietMs: 60_000, factor: 4, minGaps: 20 };
    const gaps = Array.from({ length: 20 }, (_, i) => (i === 19 ? 600_000 : 30_000));
    expect(usualQuietMs(gaps.slice(0, 19), rule)).toBeNull();
    expect(usualQuietMs(gaps, rule)).toBe(2_400_000); // the one long gap is the 95th percentile of 20
    expect(usualQuietMs([...gaps.slice(0, 19), 30_000], rule)).toBe(120_000);
    expect(
      usualQuietMs(
        Array.from({ length: 20 }, () => 1_000),
        rule,
      ),
    ).toBe(60_000);
  });
});
