// The live status as a view of the incidents: what each cause shows, when it shows and when it stops — all from
// memory, with a database that refuses every call (the banner must work while storage is what is down).
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { LiveStatus } from '../contract.ts';
import type { PipelineOutcome } from '../webhooks/ports.ts';
import type { IncidentsRepository } from './incidents.repository.ts';
import { createIncidentsService, type IncidentsOptions } from './incidents.service.ts';
import { CLERK_GRACE_MS, liveStatusOf, type ViewedIncident } from './live-status.ts';

const down = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

function setup(
  options: Partial<IncidentsOptions> = {},
  latestGenuineAt: () => Promise<Date | null> = async () => null,
) {
  let now = Date.parse('2026-12-01T05:00:00Z');
  const sent: LiveStatus[] = [];
  const incidents = createIncidentsService({
    repo: new Proxy({}, { get: () => down }) as IncidentsRepository,
    eventOutcomes: down,
    replayDelivery: down,
    audit: { record: down },
    logger: pino({ level: 'silent' }),
    notify: () => {},
    statusChanged: (s) => sent.push(s),
    latestGenuineAt,
    channels: [],
    options: { publicUrl: 'http://127.0.0.1:3000', silenceMs: 15 * 60_000, reminderMs: null, ...options },
    clock: () => new Date(now),
  });
  const deliver = (o: Partial<PipelineOutcome> = {}) =>
    incidents.observer.observe({
      at: new Date(now),
      outcome: 'applied',
      httpStatus: 200,
      errorCode: null,
      error: null,
      verified: true,
      replay: false,
      svixId: 'msg_1',
      eventType: 'user.created',
      deliveryId: null,
      eventId: null,
      userId: null,
      ...o,
    });
  const problems = () => incidents.liveStatus().problems;
  const kinds = () => problems().map((p) => p.kind);
  return { incidents, sent, deliver, problems, kinds, advance: (ms: number) => (now += ms) };
}

const refused = { outcome: 'unavailable', httpStatus: 503, errorCode: 'storage_unavailable' } as const;
const badSignature = { outcome: 'rejected', httpStatus: 401, verified: false, errorCode: 'invalid_signature' } as const;

describe('live status, a view of the incidents', () => {
  it('shows storage refusing webhooks from the first 503 until a delivery is stored again, and pushes each change once, at once', () => {
    const { deliver, kinds, problems, sent, advance } = setup();
    deliver(refused);
    const [first] = problems();
    expect(first).toMatchObject({
      kind: 'storage_refusing',
      message: 'Webhooks are being refused: database unavailable',
      since: '2026-12-01T05:00:00.000Z',
      incidentId: expect.stringMatching(/^inc_/),
      acknowledgedBy: null,
    });
    advance(2000);
    deliver(refused);
    expect(problems()).toEqual([first]); // one incident, the same start
    // a forged request in between does not end it
    deliver({ ...badSignature, svixId: null });
    expect(kinds()).toEqual(['storage_refusing']);
    advance(1000);
    deliver();
    expect(kinds()).toEqual([]);
    // pushed by the fold and the clear themselves: no tick ran
    expect(sent.map((s) => s.problems.length)).toEqual([1, 0]);
  });

  it('says when storing fails for another reason than the database', () => {
    const { deliver, problems } = setup();
    deliver({ ...refused, errorCode: 'ingest_failed' });
    expect(problems()[0]!.message).toBe('Webhooks are being refused: storing them fails');
  });

  it('calls silence only past the usual quiet, once that is known, and never below ALERT_SILENCE_MINUTES', async () => {
    const { incidents, deliver, kinds, problems, advance } = setup({ silenceMs: 60_000, quiet: { minGaps: 5 } });
    advance(10 * 60_000);
    await incidents.tick();
    expect(kinds()).toEqual([]); // no traffic seen yet: the usual quiet is unknown
    for (let i = 0; i < 6; i++) {
      deliver();
      advance(30_000);
    }
    const lastDelivery = new Date(Date.parse('2026-12-01T05:10:00Z') + 5 * 30_000).toISOString();
    await incidents.tick();
    expect(kinds()).toEqual([]); // 30 s since the last: inside 4 × the usual 30 s gap
    advance(91_000);
    await incidents.tick();
    expect(problems()).toEqual([
      expect.objectContaining({
        kind: 'silence',
        since: lastDelivery,
        message:
          "No webhook delivery for longer than the usual quiet (2 min): check the endpoint in Clerk's dashboard.",
      }),
    ]);
    deliver();
    expect(kinds()).toEqual([]);
  });

  it('does not call silence while the shared log has newer genuine deliveries (they went to another instance)', async () => {
    let shared: Date | null = null;
    const { incidents, deliver, kinds, advance } = setup(
      { silenceMs: 60_000, quiet: { minGaps: 5 } },
      async () => shared,
    );
    for (let i = 0; i < 6; i++) {
      deliver();
      advance(30_000);
    }
    advance(100_000);
    shared = new Date(Date.parse('2026-12-01T05:00:00Z') + 5 * 30_000 + 110_000); // 20 s ago
    await incidents.tick();
    expect(kinds()).toEqual([]);
    advance(121_000);
    await incidents.tick();
    expect(kinds()).toEqual(['silence']);
    expect(incidents.liveStatus().lastDeliveryAt).toBe(shared.toISOString());
  });

  it('suspects a rotated secret after several Svix-looking signature failures in a row, not after a scanner', () => {
    const { deliver, kinds, problems } = setup();
    deliver({ ...badSignature, svixId: null });
    deliver({ ...badSignature, svixId: 'hello' });
    deliver({ ...badSignature, svixId: 'msg_a' });
    deliver({ ...badSignature, svixId: 'msg_b' });
    deliver();
    deliver({ ...badSignature, svixId: 'msg_c' });
    expect(kinds()).toEqual([]);
    deliver({ ...badSignature, svixId: 'msg_d' });
    deliver({ ...badSignature, svixId: 'msg_e' });
    expect(kinds()).toEqual(['signature_failures']);
    expect(problems()[0]!.message).toMatch(/signing secret may have been rotated/);
    deliver();
    expect(kinds()).toEqual([]);
  });

  it('shows Clerk throttling with the retry time, until Clerk answers again or the retry is long past', async () => {
    const { incidents, problems, kinds, advance } = setup({ clerkGraceMs: 10_000 });
    incidents.clerkResponse(429);
    expect(problems()[0]!.message).toBe('Resync and reconcile calls fail: throttled by Clerk (429).');
    incidents.clerkRetrying({ status: 429, retryInMs: 4000 });
    expect(problems()[0]).toMatchObject({
      kind: 'clerk_throttled',
      message: 'Resync and reconcile are slowed: throttled by Clerk (429), retrying in 4 s.',
      retryAt: '2026-12-01T05:00:04.000Z',
    });
    incidents.clerkResponse(200);
    expect(kinds()).toEqual([]);
    incidents.clerkResponse(502);
    incidents.clerkRetrying({ status: 502, retryInMs: 1000 });
    expect(problems()[0]!.message).toBe(
      "Resync and reconcile are slowed: Clerk's Backend API answered 502, retrying in 1 s.",
    );
    advance(5000);
    await incidents.tick();
    expect(kinds()).toEqual(['clerk_throttled']);
    advance(10_000);
    await incidents.tick();
    expect(kinds()).toEqual([]);
  });

  it('counts a retry as the failure when its answer was not reported', () => {
    const { incidents, problems } = setup();
    incidents.clerkRetrying({ status: 429, retryInMs: 2000 });
    expect(problems()).toEqual([expect.objectContaining({ kind: 'clerk_throttled', retryAt: expect.any(String) })]);
  });
});

describe('the view', () => {
  const now = new Date('2026-12-01T06:00:00Z');
  const incident = (i: Partial<ViewedIncident>): ViewedIncident => ({
    id: 'inc_1',
    kind: 'storage_unavailable',
    fingerprint: 'storage_unavailable:storage_unavailable',
    state: 'open',
    acknowledgedBy: null,
    firstSeenAt: new Date('2026-12-01T05:12:03Z'),
    lastSeenAt: new Date('2026-12-01T05:59:00Z'),
    facts: {},
    cleared: false,
    ...i,
  });
  const view = (...is: ViewedIncident[]) =>
    liveStatusOf(is, { now, lastDeliveryAt: null, clerkGraceMs: CLERK_GRACE_MS }).problems;

  it('shows trouble of right now, oldest first; failed applies, drift, a failed reconcile and cleared causes stay on the Incidents page', () => {
    expect(
      view(
        incident({ id: 'inc_b', kind: 'signature_failed', fingerprint: 'signature_failed' }),
        incident({ id: 'inc_a', firstSeenAt: new Date('2026-12-01T05:00:00Z') }),
        incident({ id: 'inc_c', kind: 'apply_failed', fingerprint: 'apply_failed:user.created:boom' }),
        incident({ id: 'inc_d', kind: 'drift', fingerprint: 'drift' }),
        incident({ id: 'inc_e', kind: 'clerk_api', fingerprint: 'clerk_api:reconcile_failed' }),
        incident({ id: 'inc_f', kind: 'silence', fingerprint: 'silence', cleared: true }),
      ).map((p) => p.incidentId),
    ).toEqual(['inc_a', 'inc_b']);
  });

  it('marks an acknowledged incident: someone is on it, the trouble is still there', () => {
    expect(view(incident({ state: 'acknowledged', acknowledgedBy: 'ops@example.com' }))).toEqual([
      expect.objectContaining({ kind: 'storage_refusing', acknowledgedBy: 'ops@example.com' }),
    ]);
  });
});
