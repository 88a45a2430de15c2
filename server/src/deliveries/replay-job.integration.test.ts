// Bulk replay as a job, and names beside ids, through real HTTP and a real Socket.IO client against a real
// database: more than 1,000 deliveries in one job with its progress pushed live, one job at a time, cancel
// between two replays with a summary that still adds up; the user's label in the delivery log and in live pushes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../realtime/contract.ts';
import type {
  AuditEntryDto,
  BulkReplayJobDto,
  BulkReplayResult,
  DeliveryDetail,
  DeliverySummary,
  EventSummary,
  FailuresPage,
  LatestReplayJob,
  Page,
} from '../contract.ts';
import { TEST_PROVIDERS } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import { chunks } from '../lib/chunks.ts';
import { clerkId, makeEvent, makeSession, makeUser } from '../../../emulator/factories.ts';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

/** matched = replayed + skipped + notRun + remaining, and the skipped reasons add up to skipped */
function addsUp(j: BulkReplayJobDto): boolean {
  const skipped = Object.values(j.skippedBy).reduce((a, b) => a + b, 0);
  return skipped === j.skipped && j.matched === j.replayed + j.skipped + j.notRun + j.remaining;
}

async function openSocket(s: TestServer): Promise<ClientSocket> {
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

/** The job's progress messages, and its end, as one dashboard receives them. */
function watchJob(socket: ClientSocket) {
  const progress: BulkReplayJobDto[] = [];
  let onFirst: (j: BulkReplayJobDto) => void = () => {};
  const first = new Promise<BulkReplayJobDto>((resolve) => (onFirst = resolve));
  socket.on('replay:progress', (j) => {
    progress.push(j);
    onFirst(j);
  });
  const finished = new Promise<BulkReplayJobDto>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no replay:finished (${progress.length} progress messages)`)),
      120_000,
    );
    socket.once('replay:finished', (j) => {
      clearTimeout(timer);
      resolve(j);
    });
  });
  return { progress, first, finished };
}

/** A server whose storage refuses webhooks while `fault.storage` is set (its apply fails as a lost database does). */
const withFault = (fault: { storage: boolean }) => ({
  onApplied: () => {
    if (fault.storage) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  },
});

/**
 * `n` messages Clerk sent during a storage outage: answered 503 and never retried since, so outstanding. One
 * goes through the webhook for real; the others copy its row with their own signed-for svix-id and payload.
 */
async function outageOf(s: TestServer, fault: { storage: boolean }, n: number): Promise<string[]> {
  const first = clerkId('msg');
  fault.storage = true;
  expect((await s.deliver(makeEvent('user.created', makeUser()), { svixId: first })).status).toBe(503);
  fault.storage = false;
  const { id: _id, ...template } = (await s.db.prisma.delivery.findFirst({ where: { svixId: first } }))!;
  expect(template).toMatchObject({ outcome: 'unavailable', verified: true, failed: true, eventId: null });
  const rows = Array.from({ length: n - 1 }, () => {
    const body = JSON.stringify(makeEvent('user.created', makeUser()));
    return { ...template, svixId: clerkId('msg'), body, bodyBytes: Buffer.byteLength(body) };
  });
  for (const part of chunks(rows, 40)) await s.db.prisma.delivery.createMany({ data: part });
  return [first, ...rows.map((r) => r.svixId)];
}

const OUTSTANDING = { filter: {}, outstandingOnly: true };
const startOn = (s: TestServer, body: object) =>
  s.api('/api/deliveries/replay', { method: 'POST', body: JSON.stringify(body) });

describe.each(TEST_PROVIDERS)('bulk replay jobs on %s', (provider) => {
  let s: TestServer;
  const fault = { storage: false };

  beforeAll(async () => {
    s = await startTestServer(provider, withFault(fault));
  });
  afterAll(async () => s?.close());

  const outage = (n: number) => outageOf(s, fault, n);

  /** Replay rows recorded for these messages, and their events applied (counted 500 ids at a time). */
  async function replaysOf(svixIds: string[]): Promise<{ replays: number; applied: number }> {
    let replays = 0;
    let applied = 0;
    for (const part of chunks(svixIds, 500)) {
      replays += await s.db.prisma.delivery.count({ where: { replayOf: { not: null }, svixId: { in: part } } });
      applied += await s.db.prisma.event.count({ where: { svixId: { in: part }, outcome: 'applied' } });
    }
    return { replays, applied };
  }

  const start = (body: object) => startOn(s, body);
  const outstandingOnly = OUTSTANDING;

  it('replays 1,200 outstanding messages in one job, pushing its progress live; a second start gets 409', async () => {
    const svixIds = await outage(1200);
    const dry = await json<BulkReplayResult>(start({ ...outstandingOnly, dryRun: true }));
    expect(dry).toMatchObject({ dryRun: true, matched: 1200, replayed: 1200, skipped: 0, messages: 1200 });

    const socket = await openSocket(s);
    const watched = watchJob(socket);
    const res = await start(outstandingOnly);
    expect(res.status).toBe(202);
    const job = await json<BulkReplayJobDto>(res);
    expect(job).toMatchObject({ status: 'running', startedBy: 'admin@test.local', matched: 1200, notRun: 0 });
    expect(job.request).toEqual({ filter: {}, outstandingOnly: true });

    // one at a time: the second start names the running job
    const second = await start(outstandingOnly);
    expect(second.status).toBe(409);
    const refused = await json<{ error: { code: string; details: { job: BulkReplayJobDto } } }>(second);
    expect(refused.error.code).toBe('replay_running');
    expect(refused.error.details.job).toMatchObject({ id: job.id, status: 'running' });

    // a reloaded page finds it
    const during = await json<LatestReplayJob>(s.api('/api/deliveries/replay/jobs/latest'));
    expect(during.job).toMatchObject({ id: job.id });
    expect(addsUp(during.job!)).toBe(true);

    const done = await watched.finished;
    socket.close();
    expect(done).toMatchObject({
      id: job.id,
      status: 'completed',
      matched: 1200,
      replayed: 1200,
      skipped: 0,
      notRun: 0,
      remaining: 0,
      progress: 1,
      outcomes: { applied: 1200 },
      failures: [],
    });
    // progress arrived along the way, every message adding up, counts only growing
    expect(watched.progress.length).toBeGreaterThan(1);
    expect(watched.progress.every(addsUp)).toBe(true);
    expect(watched.progress.every((p) => p.status === 'running' && p.id === job.id)).toBe(true);
    const replayed = watched.progress.map((p) => p.replayed);
    expect(replayed).toEqual([...replayed].sort((a, b) => a - b));
    expect(watched.progress.at(-1)!.remaining).toBeLessThan(watched.progress[0]!.remaining);

    expect(await json<LatestReplayJob>(s.api('/api/deliveries/replay/jobs/latest'))).toEqual({ job: done });
    expect(await json<BulkReplayJobDto>(s.api(`/api/deliveries/replay/jobs/${job.id}`))).toEqual(done);
    // each message replayed once, each replay its own delivery row
    expect(await replaysOf(svixIds)).toEqual({ replays: 1200, applied: 1200 });
    expect((await json<FailuresPage>(s.api('/api/deliveries/failures'))).outstanding).toBe(0);

    const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?limit=5'));
    const ofJob = audit.items.filter((a) => a.target === String(job.id));
    expect(ofJob.map((a) => a.action)).toEqual(['replay_bulk', 'replay_bulk_start']);
    expect(ofJob[0]!.summary).toMatchObject({ status: 'completed', matched: 1200, replayed: 1200, notRun: 0 });
    expect(ofJob[1]!.summary).toMatchObject({ outstandingOnly: true, matched: 1200 });
  }, 180_000);

  it('cancel stops the job between two replays; what it never reached is counted as not run', async () => {
    const svixIds = await outage(1200);
    const socket = await openSocket(s);
    const watched = watchJob(socket);
    const job = await json<BulkReplayJobDto>(start(outstandingOnly));
    expect(job).toMatchObject({ status: 'running', matched: 1200 });
    await watched.first;
    const res = await s.api(`/api/deliveries/replay/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    const cancelled = await json<BulkReplayJobDto>(res);
    expect(cancelled).toMatchObject({ id: job.id, status: 'cancelled', cancelledBy: 'admin@test.local', remaining: 0 });
    expect(cancelled.replayed).toBeGreaterThan(0);
    expect(cancelled.notRun).toBeGreaterThan(0);
    expect(addsUp(cancelled)).toBe(true);
    expect(await watched.finished).toEqual(cancelled);
    socket.close();

    // it stopped: exactly the replays it counted were recorded, and nothing more happens
    const counted = { replays: cancelled.replayed, applied: cancelled.replayed };
    expect(await replaysOf(svixIds)).toEqual(counted);
    await new Promise((r) => setTimeout(r, 300));
    expect(await replaysOf(svixIds)).toEqual(counted);
    // what it never reached is still outstanding: a new dry run finds exactly that
    const rest = await json<BulkReplayResult>(start({ ...outstandingOnly, dryRun: true }));
    expect(rest.replayed).toBe(cancelled.notRun);

    const again = await s.api(`/api/deliveries/replay/jobs/${job.id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await json<{ error: { code: string } }>(again)).error.code).toBe('replay_not_running');
    const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?limit=5'));
    const ofJob = audit.items.filter((a) => a.target === String(job.id)).map((a) => a.action);
    expect(ofJob).toEqual(['replay_bulk', 'replay_bulk_cancel', 'replay_bulk_start']);

    // the rest, replayed by a second job: the two jobs together replayed every message once
    const finish = await json<BulkReplayJobDto>(start(outstandingOnly));
    expect(finish.matched).toBe(cancelled.notRun);
    await s.services.replayJobs.idle();
    expect(await replaysOf(svixIds)).toEqual({ replays: 1200, applied: 1200 });
  }, 180_000);

  it('a job whose server went quiet is ended as interrupted by the next start; its summary adds up', async () => {
    const quiet = await s.db.prisma.replayJob.create({
      data: {
        status: 'running',
        runningKey: 'bulk_replay',
        startedBy: 'other@test.local',
        request: JSON.stringify({ filter: { failed: true }, outstandingOnly: false }),
        maxDeliveryId: 1,
        matched: 10,
        replayed: 3,
        skippedBy: JSON.stringify({ already_applied: 2 }),
        lockedBy: 'gone:1:abc',
        heartbeatAt: new Date(Date.now() - 60_000),
      },
    });
    const res = await start({ filter: { outcome: 'stale' } });
    expect(res.status).toBe(202);
    await s.services.replayJobs.idle();
    const ended = await json<BulkReplayJobDto>(s.api(`/api/deliveries/replay/jobs/${quiet.id}`));
    expect(ended).toMatchObject({ status: 'interrupted', replayed: 3, skipped: 2, notRun: 5, remaining: 0 });
    expect(ended.error).toMatch(/stopped answering/);
    expect(addsUp(ended)).toBe(true);
  });

  it('refuses bad input with a clear error and starts nothing', async () => {
    const before = await s.db.prisma.replayJob.count();
    // a misspelt filter key must not widen the replay to every delivery
    const typo = await start({ filter: { outcom: 'failed' } });
    expect(typo.status).toBe(400);
    expect((await json<{ error: { code: string; message: string } }>(typo)).error.message).toMatch(/outcom/);
    expect((await start({ filter: { failed: 'yes' } })).status).toBe(400);
    expect((await start({})).status).toBe(400);
    expect(await s.db.prisma.replayJob.count()).toBe(before);
    expect((await s.api('/api/deliveries/replay/jobs/abc')).status).toBe(400);
    expect((await s.api('/api/deliveries/replay/jobs/999999')).status).toBe(404);
    expect((await s.api('/api/deliveries/replay/jobs/999999/cancel', { method: 'POST' })).status).toBe(404);
  });

  it("shows the user's name beside ids in the delivery log, and in live-pushed events and deliveries", async () => {
    const user = makeUser({ first_name: 'Ada', last_name: 'Lovelace' });
    const email = user.email_addresses.find((e) => e.id === user.primary_email_address_id)!.email_address;
    const socket = await openSocket(s);
    const events: EventSummary[] = [];
    const deliveries: DeliverySummary[] = [];
    socket.on('event:received', (batch) => events.push(...batch));
    socket.on('delivery:recorded', (batch) => deliveries.push(...batch));
    expect((await s.deliver(makeEvent('user.created', user), { svixId: 'msg_named_1' })).status).toBe(200);
    // an event that names its user deeper: the label comes from the local users table
    expect((await s.deliver(makeEvent('session.created', makeSession(user)), { svixId: 'msg_named_2' })).status).toBe(
      200,
    );
    // Svix delivers the first one again: a duplicate still names its user
    expect((await s.deliver(makeEvent('user.created', user), { svixId: 'msg_named_1' })).status).toBe(200);
    await expect.poll(() => deliveries.filter((d) => d.svixId?.startsWith('msg_named_')).length).toBe(3);
    socket.close();
    for (const svixId of ['msg_named_1', 'msg_named_2']) {
      expect(events.find((e) => e.svixId === svixId)).toMatchObject({ userId: user.id, userLabel: email });
    }
    const pushed = deliveries.filter((d) => d.svixId?.startsWith('msg_named_'));
    expect(pushed.map((d) => d.outcome)).toEqual(['applied', 'applied', 'duplicate']);
    expect(pushed.every((d) => d.userId === user.id && d.userLabel === email)).toBe(true);

    const list = await json<Page<DeliverySummary>>(s.api('/api/deliveries?limit=3'));
    expect(list.items.map((d) => [d.svixId, d.userId, d.userLabel])).toEqual([
      ['msg_named_1', user.id, email],
      ['msg_named_2', user.id, email],
      ['msg_named_1', user.id, email],
    ]);
    const detail = await json<DeliveryDetail>(s.api(`/api/deliveries/${list.items[1]!.id}`));
    expect(detail).toMatchObject({ userId: user.id, userLabel: email });
    // a forged request claiming the same svix-id is not shown as that user's
    await s.deliver(makeEvent('user.created', user), {
      svixId: 'msg_named_1',
      secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAA',
    });
    const [forged] = (await json<Page<DeliverySummary>>(s.api('/api/deliveries?limit=1'))).items;
    expect(forged).toMatchObject({ verified: false, userId: null, userLabel: null });
  });
});

// several instances share PostgreSQL only (README: Several instances)
describe('one bulk replay at a time across instances on PostgreSQL', () => {
  const fault = { storage: false };
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('postgresql', withFault(fault));
  });
  afterAll(async () => s?.close());

  it('another instance refuses a second start and sees the job; a shutdown interrupts it, and the rest replays', async () => {
    await outageOf(s, fault, 400);
    const other = await startTestServer('postgresql', { db: s.db });
    try {
      const socket = await openSocket(other);
      const watched = watchJob(socket);
      const job = await json<BulkReplayJobDto>(startOn(other, OUTSTANDING));
      await watched.first;
      // this instance does not run it, but knows it runs
      const second = await startOn(s, OUTSTANDING);
      expect(second.status).toBe(409);
      expect((await json<LatestReplayJob>(s.api('/api/deliveries/replay/jobs/latest'))).job).toMatchObject({
        id: job.id,
        status: 'running',
      });
      await other.close();
      socket.close();
      const ended = await json<BulkReplayJobDto>(s.api(`/api/deliveries/replay/jobs/${job.id}`));
      expect(ended).toMatchObject({ status: 'interrupted', remaining: 0 });
      expect(ended.error).toMatch(/shut down/);
      expect(ended.notRun).toBeGreaterThan(0);
      expect(addsUp(ended)).toBe(true);
      // starting again here replays what it never reached
      const rest = await json<BulkReplayJobDto>(startOn(s, OUTSTANDING));
      expect(rest.matched).toBe(ended.notRun);
      await s.services.replayJobs.idle();
      const { job: done } = await json<LatestReplayJob>(s.api('/api/deliveries/replay/jobs/latest'));
      expect(done).toMatchObject({ id: rest.id, status: 'completed', notRun: 0 });
    } finally {
      await other.close().catch(() => {});
    }
  }, 120_000);
});
