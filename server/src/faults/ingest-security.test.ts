// Fault suite — what a signed (or nearly signed) request could still do to the pipeline, on SQLite and
// PostgreSQL: a version dated far in the future is not applied (and resync and reconcile's fix overwrite one
// held from before, saying so in the audit trail); JSON nested deeper than the limit is refused with a 4xx and a
// row, and deep payloads stored before that rule do not break the API; the signature covers the raw bytes (a
// body with invalid UTF-8 that decodes to the signed text is refused); svix-id length is bounded; a 500 names a
// request id, never its internal error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import { signHeaders, type TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import { reconcile } from '../reconcile/test-support.ts';
import { DEPTH_CAPPED, MAX_JSON_DEPTH } from '../lib/json-depth.ts';
import { MAX_SVIX_ID_LENGTH } from '../webhooks/verify.ts';
import { clerkId, makeEvent, makeSession, makeUser } from '../../../emulator/factories.ts';
import type { Emulator } from '../../../emulator/emulator.ts';
import type {
  AuditEntryDto,
  EventDetail,
  Page,
  ReconcileFixResult,
  ResyncResult,
  UserComparison,
  UserDetail,
} from '../contract.ts';

const FAR_FUTURE = 8.64e15; // the latest time a JavaScript Date can hold
const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;
type Answer = { ok?: true; outcome?: string; error?: string | { code: string; message: string; requestId?: string } };

/** `{"a":{"a":…1…}}`, `levels` objects deep, as text (JSON.stringify could not make the deep ones). */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
/** A user.updated whose public_metadata is `levels` nested objects (the whole body nests 2 more: envelope, data). */
function deepUserEvent(user: ReturnType<typeof makeUser>, levels: number): string {
  const text = JSON.stringify(
    makeEvent('user.updated', { ...user, public_metadata: { deep: '__DEEP__' }, updated_at: user.updated_at + 1 }),
  );
  return text.replace('{"deep":"__DEEP__"}', nested(levels));
}

describe.each(TEST_PROVIDERS)('fault suite: ingest security on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  const failOn = 'Boom-apply';
  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, {
      server: {
        reconcile: { rateLimit: 1_000_000, budgetShare: 1 },
        onApplied: (e) => {
          if (e.kind === 'user.upsert' && e.data.first_name === failOn)
            throw new Error('internal detail: constraint "User_pkey" at /srv/app/users.ts:42');
        },
      },
    }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));

  const userRow = (id: string) => s.db.prisma.user.findUniqueOrThrow({ where: { id } });
  /** What a future-dated user.updated left behind when such updates were still applied. */
  const holdFutureVersion = async (id: string) => {
    const current = clerk.store.users().find((u) => u.id === id)!;
    await s.db.prisma.user.update({
      where: { id },
      data: {
        clerkUpdatedAt: new Date(FAR_FUTURE),
        firstName: 'Hijacked',
        data: JSON.stringify({ ...current, first_name: 'Hijacked', updated_at: FAR_FUTURE }),
      },
    });
  };
  // PostgreSQL keeps the date, but its driver cannot read a year past 9999 back
  const FUTURE_NOTE =
    /^overwrote a local version dated in the future \(held (\+275760-09-13T00:00:00\.000Z|a date past the year 9999), Clerk's /;

  describe('versions dated in the future', () => {
    it('a signed user.updated with updated_at 8.64e15 is kept as a failed event, not applied; genuine updates still apply', async () => {
      const user = clerk.createUser({ first_name: 'Present' });
      await clerk.settled();
      const before = await userRow(user.id);
      const body = JSON.stringify(makeEvent('user.updated', { ...user, first_name: 'Future', updated_at: FAR_FUTURE }));
      const res = await s.deliver(body, { svixId: 'msg_future_1' });
      // acknowledged (2xx): stored, and Svix's retries could not change the verdict
      expect(res.status).toBe(200);
      const answer = await json<Answer>(res);
      expect(answer).toMatchObject({ ok: true, outcome: 'failed' });
      expect(answer.error).toMatch(/more than a day ahead of the server's clock/);
      const event = await s.db.prisma.event.findUniqueOrThrow({ where: { svixId: 'msg_future_1' } });
      expect(event).toMatchObject({ outcome: 'failed', appliedAt: null });
      expect(event.error).toMatch(/^updated_at \+275760-09-13T00:00:00\.000Z is more than a day ahead/);
      const delivery = await s.db.prisma.delivery.findFirstOrThrow({ where: { svixId: 'msg_future_1' } });
      expect(delivery).toMatchObject({
        outcome: 'failed',
        httpStatus: 200,
        errorCode: 'updated_at_in_future',
        failed: true,
        eventId: event.id,
      });
      const after = await userRow(user.id);
      expect({ firstName: after.firstName, clerkUpdatedAt: after.clerkUpdatedAt }).toEqual({
        firstName: 'Present',
        clerkUpdatedAt: before.clerkUpdatedAt,
      });
      // a retry of it is judged again, and refused again
      expect(await json<Answer>(s.deliver(body, { svixId: 'msg_future_1' }))).toMatchObject({ outcome: 'failed' });

      clerk.updateUser(user.id, { first_name: 'Genuine' });
      await clerk.settled();
      expect((await userRow(user.id)).firstName).toBe('Genuine');
      expect(
        (await s.db.prisma.event.findFirstOrThrow({ where: { objectId: user.id }, orderBy: { id: 'desc' } })).outcome,
      ).toBe('applied');
    });

    it('a session version dated in the future is refused the same way', async () => {
      const user = clerk.createUser();
      await clerk.settled();
      const session = makeSession(user, { updated_at: FAR_FUTURE });
      const answer = await json<Answer>(s.deliver(makeEvent('session.created', session)));
      expect(answer).toMatchObject({ outcome: 'failed' });
      expect(await s.db.prisma.session.findUnique({ where: { id: session.id } })).toBeNull();
    });

    it("resync writes Clerk's answer over a local version dated in the future, and the audit trail says so", async () => {
      const user = clerk.createUser({ first_name: 'Real' });
      await clerk.settled();
      await holdFutureVersion(user.id);
      clerk.updateUser(user.id, { last_name: 'Blocked' });
      await clerk.settled();
      expect((await userRow(user.id)).lastName).not.toBe('Blocked'); // every genuine update is stale behind it

      const res = await json<ResyncResult>(s.api(`/api/users/${user.id}/resync`, { method: 'POST' }));
      expect(res).toMatchObject({
        result: 'updated',
        user: { firstName: 'Real', lastName: 'Blocked', syncStatus: 'in_sync' },
      });
      expect(res.note).toMatch(FUTURE_NOTE);
      expect((await userRow(user.id)).clerkUpdatedAt!.getTime()).toBe(
        clerk.store.users().find((u) => u.id === user.id)!.updated_at,
      );
      const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=resync'));
      expect(audit.items.find((e) => e.target === user.id)?.summary).toMatchObject({
        result: 'updated',
        note: res.note,
      });

      clerk.updateUser(user.id, { first_name: 'AfterResync' });
      await clerk.settled();
      expect((await userRow(user.id)).firstName).toBe('AfterResync');
    });

    it("reconcile's fix writes Clerk's answer over a local version dated in the future, and its audit entry lists it", async () => {
      const user = clerk.createUser({ first_name: 'Reconciled' });
      await clerk.settled();
      await holdFutureVersion(user.id);
      const run = await reconcile(s);
      expect(run.status).toBe('completed');
      expect(run.found.stale).toBeGreaterThanOrEqual(1); // a version from the future is not a webhook that raced the run
      const fix = await json<ReconcileFixResult>(
        s.api(`/api/reconcile/runs/${run.id}/fix`, { method: 'POST', body: JSON.stringify({ userIds: [user.id] }) }),
      );
      expect(fix).toMatchObject({ fixed: 1, results: { updated: 1 } });
      const row = await userRow(user.id);
      expect({ firstName: row.firstName, source: row.source }).toEqual({
        firstName: 'Reconciled',
        source: 'reconcile',
      });
      const audit = await json<Page<AuditEntryDto>>(s.api('/api/audit?action=reconcile_fix'));
      const entry = audit.items.find((e) => e.target === String(run.id))!;
      expect(entry.summary).toMatchObject({
        noted: 1,
        notes: [{ userId: user.id, note: expect.stringMatching(FUTURE_NOTE) as unknown }],
      });
    });
  });

  describe('deep JSON', () => {
    it(`refuses a signed event nested deeper than ${MAX_JSON_DEPTH} levels with a 4xx and a row, and tells Svix not to retry`, async () => {
      const user = clerk.createUser({ first_name: 'Shallow' });
      await clerk.settled();
      const before = await userRow(user.id);
      const eventsBefore = await s.db.prisma.event.count();
      for (const levels of [5_000, MAX_JSON_DEPTH - 1]) {
        const svixId = clerkId('msg');
        const res = await s.deliver(deepUserEvent(user, levels), { svixId });
        expect(res.status).toBe(400);
        expect(res.headers.get('webhook-delivery')).toBe('abort-message');
        expect((await json<Answer>(res)).error).toMatchObject({ code: 'json_too_deep' });
        const row = await s.db.prisma.delivery.findFirstOrThrow({ where: { svixId } });
        expect(row).toMatchObject({
          outcome: 'rejected',
          httpStatus: 400,
          errorCode: 'json_too_deep',
          verified: true,
          eventType: 'user.updated',
          eventId: null,
        });
      }
      expect(await s.db.prisma.event.count()).toBe(eventsBefore);
      expect((await userRow(user.id)).data).toBe(before.data);
      // exactly at the limit (the envelope, data, and 62 levels in public_metadata) is accepted
      expect((await s.deliver(deepUserEvent(user, MAX_JSON_DEPTH - 2))).status).toBe(200);
    });

    it('answers the event, user and compare pages for deep payloads stored before the limit, cut at the limit', async () => {
      const user = makeUser({ first_name: 'Legacy' });
      const deepUser = JSON.stringify({ ...user, public_metadata: { deep: '__DEEP__' } }).replace(
        '{"deep":"__DEEP__"}',
        nested(5_000),
      );
      const first = `msg_legacy_deep_${provider}`;
      await s.db.prisma.event.create({
        data: {
          svixId: first,
          type: 'user.created',
          objectId: user.id,
          userId: user.id,
          payload: `{"type":"user.created","object":"event","data":${deepUser}}`,
          outcome: 'applied',
        },
      });
      await s.db.prisma.user.create({
        data: {
          id: user.id,
          data: deepUser,
          clerkUpdatedAt: new Date(user.updated_at),
          firstName: 'Legacy',
          lastEventSvixId: first,
        },
      });
      const second = clerkId('msg');
      expect(
        (
          await s.deliver(makeEvent('user.updated', { ...user, last_name: 'Later', updated_at: user.updated_at + 1 }), {
            svixId: second,
          })
        ).status,
      ).toBe(200);

      const deepEvent = await s.api(`/api/events/${first}`);
      expect(deepEvent.status).toBe(200);
      const detail = (await deepEvent.json()) as EventDetail;
      expect(detail.payloadDepthCapped).toBe(true);
      expect(JSON.stringify(detail.payload)).toContain(DEPTH_CAPPED);
      const later = await json<EventDetail>(s.api(`/api/events/${second}`));
      expect(JSON.stringify(later.previousUser)).toContain(DEPTH_CAPPED);

      // the user row now holds the shallow version; put the deep one back, as a legacy row would be
      await s.db.prisma.user.update({ where: { id: user.id }, data: { data: deepUser } });
      const page = await s.api(`/api/users/${user.id}`);
      expect(page.status).toBe(200);
      expect(JSON.stringify(((await page.json()) as UserDetail).data)).toContain(DEPTH_CAPPED);
      const cmp = await s.api(`/api/users/${user.id}/compare`);
      expect(cmp.status).toBe(200);
      expect(((await cmp.json()) as UserComparison).status).toBe('drifted'); // Clerk has never heard of it
    });
  });

  describe('webhook requests', () => {
    it('verifies the signature over the raw bytes: invalid UTF-8 that decodes to the signed text is refused', async () => {
      const user = makeUser({ first_name: 'A\uFFFDB' });
      const text = JSON.stringify(makeEvent('user.created', user, user.updated_at));
      const headers = { ...signHeaders(clerk.signingSecret, text), 'content-type': 'application/json' };
      // 0xFF is not UTF-8: decoded it becomes U+FFFD, the very text that was signed
      const forged = Buffer.concat(
        text
          .split('\uFFFD')
          .flatMap((part, i) => (i === 0 ? [Buffer.from(part)] : [Buffer.from([0xff]), Buffer.from(part)])),
      );
      expect(forged.toString('utf8')).toBe(text);
      const res = await fetch(`${s.url}/api/webhooks/clerk`, { method: 'POST', headers, body: forged });
      expect(res.status).toBe(400);
      expect((await json<Answer>(res)).error).toMatchObject({ code: 'invalid_encoding' });
      expect(await s.db.prisma.user.findUnique({ where: { id: user.id } })).toBeNull();
      expect(await s.db.prisma.delivery.findFirstOrThrow({ where: { svixId: headers['svix-id'] } })).toMatchObject({
        verified: false,
        errorCode: 'invalid_encoding',
      });
      // the bytes that were signed are accepted
      expect((await fetch(`${s.url}/api/webhooks/clerk`, { method: 'POST', headers, body: text })).status).toBe(200);
    });

    it(`bounds svix-id at ${MAX_SVIX_ID_LENGTH} characters`, async () => {
      const long = `msg_${'x'.repeat(MAX_SVIX_ID_LENGTH - 3)}`;
      const tooLong = await s.deliver(makeEvent('user.created', makeUser()), { svixId: long });
      expect(tooLong.status).toBe(400);
      expect((await json<Answer>(tooLong)).error).toMatchObject({
        code: 'invalid_headers',
        message: expect.stringMatching(/svix-id/) as unknown,
      });
      expect(await s.db.prisma.event.findUnique({ where: { svixId: long } })).toBeNull();
      const longest = long.slice(0, MAX_SVIX_ID_LENGTH);
      expect((await s.deliver(makeEvent('user.created', makeUser()), { svixId: longest })).status).toBe(200);
      expect(await s.db.prisma.delivery.findFirstOrThrow({ where: { svixId: longest } })).toMatchObject({
        outcome: 'applied',
      });
    });

    it('a 500 names the request id, never the internal error (which the delivery log keeps for operators)', async () => {
      const res = await s.deliver(makeEvent('user.created', makeUser({ first_name: failOn })));
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).not.toMatch(/internal detail|User_pkey|users\.ts/);
      const requestId = res.headers.get('x-request-id')!;
      expect(requestId).toBeTruthy();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'apply_failed', requestId } });
      expect(text).toContain(requestId);
      const row = await s.db.prisma.delivery.findFirstOrThrow({ where: { httpStatus: 500 }, orderBy: { id: 'desc' } });
      expect(row.error).toMatch(/internal detail/);
    });
  });
});
