// Failures grouped by message, the bulk replay's dry run and its summary, and the live status, through real
// HTTP against a real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import { newSecret, startTestServer, type TestServer } from '../test/harness.ts';
import { makeEvent, makeUser } from '../../../emulator/factories.ts';
import type {
  AuditEntryDto,
  BulkReplayJobDto,
  BulkReplayResult,
  FailuresPage,
  LatestReplayJob,
  OverviewStats,
  Page,
} from '../contract.ts';

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

describe.each(TEST_PROVIDERS)('failures by message on %s', (provider) => {
  let s: TestServer;
  const fault = { storage: false, apply: false };
  const recoveredUser = makeUser();
  const outstandingUser = makeUser();
  const recoveredBody = JSON.stringify(makeEvent('user.created', recoveredUser));
  const outstandingBody = JSON.stringify(makeEvent('user.created', outstandingUser));

  beforeAll(async () => {
    s = await startTestServer(provider, {
      onApplied: () => {
        if (fault.storage)
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        if (fault.apply) throw new Error('projection bug');
      },
    });
  });
  afterAll(async () => s?.close());

  it('groups attempts by svix-id: a retry that applied recovers the message, the rest stay outstanding', async () => {
    fault.storage = true;
    expect((await s.deliver(recoveredBody, { svixId: 'msg_recovered' })).status).toBe(503);
    expect((await s.deliver(outstandingBody, { svixId: 'msg_outstanding' })).status).toBe(503);
    fault.storage = false;
    // the outage is live on the overview, and was pushed to dashboards
    const during = await json<OverviewStats>(s.api('/api/overview'));
    expect(during.failingNow).toBe(true);
    expect(during.live.problems.map((p) => p.kind)).toContain('storage_refusing');
    expect(s.published.status.at(-1)?.problems.map((p) => p.kind)).toEqual(['storage_refusing']);

    // Svix retries one of them: applied, the outage is over
    expect((await s.deliver(recoveredBody, { svixId: 'msg_recovered' })).status).toBe(200);
    expect(s.published.status.at(-1)?.problems).toEqual([]);
    // a second failure of the other one: acknowledged, but its apply failed
    fault.apply = true;
    expect((await s.deliver(outstandingBody, { svixId: 'msg_outstanding' })).status).toBe(500);
    fault.apply = false;
    // a forged request: not a Clerk message, counted apart
    expect(
      (await s.deliver(makeEvent('user.created', makeUser()), { secret: newSecret(), svixId: 'msg_forged' })).status,
    ).toBe(401);

    const outstanding = await json<FailuresPage>(s.api('/api/deliveries/failures'));
    expect(outstanding).toMatchObject({ outstanding: 1, recovered: 1, unsigned: 1, truncated: false });
    expect(outstanding.items.map((m) => m.svixId)).toEqual(['msg_outstanding']);
    const [o] = outstanding.items;
    expect(o).toMatchObject({
      state: 'outstanding',
      eventType: 'user.created',
      recoveredBy: null,
      lastError: expect.stringContaining('projection bug'),
    });
    expect(o!.attempts.map((a) => a.httpStatus)).toEqual([503, 500]);

    const recovered = await json<FailuresPage>(s.api('/api/deliveries/failures?state=recovered'));
    expect(recovered.items.map((m) => m.svixId)).toEqual(['msg_recovered']);
    const [r] = recovered.items;
    expect(r).toMatchObject({ state: 'recovered', userId: recoveredUser.id, userLabel: expect.any(String) });
    expect(r!.attempts.map((a) => a.httpStatus)).toEqual([503, 200]);
    expect(r!.recoveredBy).toMatchObject({ deliveryId: r!.attempts[1]!.id, replay: false });
    expect(r!.recoveredBy!.afterMs).toBeGreaterThanOrEqual(0);
    expect((await json<FailuresPage>(s.api('/api/deliveries/failures?state=all'))).items).toHaveLength(2);

    const overview = await json<OverviewStats>(s.api('/api/overview'));
    expect(overview).toMatchObject({
      outstandingFailures: 1,
      recoveredFailures: 1,
      unsignedRequests: { total: 1, lastHour: 1 },
    });
    expect(overview.live.problems).toEqual([]);
  });

  it('refuses bad input with a clear error', async () => {
    const bad = await s.api('/api/deliveries/failures?state=lost');
    expect(bad.status).toBe(400);
    expect((await json<{ error: { code: string } }>(bad)).error.code).toBe('invalid_request');
    const badReplay = await s.api('/api/deliveries/replay', {
      method: 'POST',
      body: JSON.stringify({ filter: {}, dryRun: 'yes' }),
    });
    expect(badReplay.status).toBe(400);
  });

  it('bulk replay: a dry run changes nothing, the summary adds up, only outstanding messages are replayed', async () => {
    const deliveriesBefore = await s.db.prisma.delivery.count();
    const auditBefore = await s.db.prisma.auditEntry.count();
    const everything = await json<BulkReplayResult>(
      s.api('/api/deliveries/replay', {
        method: 'POST',
        body: JSON.stringify({ filter: { failed: true }, dryRun: true }),
      }),
    );
    // five failed attempts: 2 of msg_outstanding, 1 of msg_recovered (applied since), 1 forged; and nothing else failed
    expect(everything).toMatchObject({ dryRun: true, matched: 4, replayed: 1 });
    expect(everything.skippedBy).toMatchObject({ not_verified: 1, already_applied: 1, same_message: 1 });
    const sum = (r: BulkReplayResult) => r.replayed + Object.values(r.skippedBy).reduce((a, b) => a + b, 0);
    expect(sum(everything)).toBe(everything.matched);
    expect(everything.skipped).toBe(everything.matched - everything.replayed);
    expect(await s.db.prisma.delivery.count()).toBe(deliveriesBefore);
    expect(await s.db.prisma.auditEntry.count()).toBe(auditBefore);

    const dry = await json<BulkReplayResult>(
      s.api('/api/deliveries/replay', {
        method: 'POST',
        body: JSON.stringify({ filter: {}, outstandingOnly: true, dryRun: true }),
      }),
    );
    expect(dry).toMatchObject({ matched: 2, replayed: 1, messages: 1 });
    expect(sum(dry)).toBe(dry.matched);

    // the replay itself is a job: started (202), then it runs in the background
    const started = await s.api('/api/deliveries/replay', {
      method: 'POST',
      body: JSON.stringify({ filter: {}, outstandingOnly: true }),
    });
    expect(started.status).toBe(202);
    expect(await json<BulkReplayJobDto>(started)).toMatchObject({ status: 'running', matched: 2 });
    await s.services.replayJobs.idle();
    const { job: done } = await json<LatestReplayJob>(s.api('/api/deliveries/replay/jobs/latest'));
    expect(done).toMatchObject({ status: 'completed', matched: 2, replayed: 1, skipped: 1, notRun: 0, remaining: 0 });
    expect(done!.outcomes).toEqual({ applied: 1 });
    const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=replay_bulk&limit=1'));
    expect(audit.items[0]?.summary).toMatchObject({ outstandingOnly: true, matched: 2, replayed: 1, skipped: 1 });

    // nothing outstanding any more: the replay recovered it, and a second dry run has nothing to do
    const after = await json<FailuresPage>(s.api('/api/deliveries/failures'));
    expect(after).toMatchObject({ outstanding: 0, recovered: 2, items: [] });
    const recovered = await json<FailuresPage>(s.api('/api/deliveries/failures?state=recovered'));
    expect(recovered.items.find((m) => m.svixId === 'msg_outstanding')?.recoveredBy).toMatchObject({ replay: true });
    const again = await json<BulkReplayResult>(
      s.api('/api/deliveries/replay', {
        method: 'POST',
        body: JSON.stringify({ filter: { failed: true }, dryRun: true }),
      }),
    );
    expect(again.replayed).toBe(0);
    expect(sum(again)).toBe(again.matched);
  });
});
