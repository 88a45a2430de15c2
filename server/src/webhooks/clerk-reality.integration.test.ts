// What the real Clerk does and a kinder emulator did not: tied updated_at, sessions that expire with no event,
// session events embedding their user, users named deep inside other events, volatile fields, the envelope time in
// seconds, malformed deletions, and the pinned API version. Real HTTP both ways (the emulator is the Backend API),
// real databases, both providers.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import type { TestServer } from '../test/harness.ts';
import { closeClerkAndServer, startClerkAndServer } from '../test/clerk-and-server.ts';
import { webhookJson, type Emulator } from '../../../emulator/emulator.ts';
import {
  clerkId,
  makeEvent,
  makeOrganization,
  makeOrganizationInvitation as makeInvitation,
  makeOrganizationMembership as makeMembership,
  makeSession,
  makeUser,
} from '../../../emulator/factories.ts';
import { createClerkClient } from '../clerk/clerk-client.ts';
import { CLERK_API_VERSION, type ClerkUserJson } from '../clerk/clerk-json.ts';
import type { EventSummary, OverviewStats, Page, PurgeUserResult, UserComparison, UserDetail } from '../contract.ts';

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;
const HOUR = 3_600_000;

describe.each(TEST_PROVIDERS)('against the real Clerk on %s', (provider) => {
  let s: TestServer;
  let clerk: Emulator;
  beforeAll(async () => {
    ({ clerk, s } = await startClerkAndServer(provider, { deliver: false }));
  });
  afterAll(() => closeClerkAndServer({ clerk, s }));
  const send = async (type: string, data: unknown, timestamp?: number) => {
    const res = await s.deliver(makeEvent(type, data, timestamp));
    return {
      status: res.status,
      body: (await res.json()) as { outcome?: string; error?: { code: string; message: string } },
    };
  };
  const sessionRow = (id: string) => s.db.prisma.session.findUniqueOrThrow({ where: { id } });

  describe('equal updated_at', () => {
    it('a session ended, removed or revoked at the updated_at of the held active row ends it, in either order', async () => {
      for (const end of ['ended', 'removed', 'revoked'] as const) {
        const user = makeUser();
        const active = makeSession(user, { updated_at: 1_700_000_000_000 });
        expect((await send('session.created', active)).body.outcome).toBe('applied');
        expect((await send(`session.${end}`, { ...active, status: end })).body.outcome).toBe('applied');
        expect((await sessionRow(active.id)).status).toBe(end);
        // the late creation at the same time does not bring it back
        expect((await send('session.created', active)).body.outcome).toBe('stale');
        expect((await sessionRow(active.id)).status).toBe(end);
      }
    });

    it('a user version with the same updated_at and the same content (other bytes) is a duplicate', async () => {
      const user = makeUser();
      expect((await send('user.created', user)).body.outcome).toBe('applied');
      expect((await send('user.updated', webhookJson(user))).body.outcome).toBe('duplicate');
      // volatile fields do not make another version either
      expect((await send('user.updated', { ...user, last_active_at: user.updated_at + 5 })).body.outcome).toBe(
        'duplicate',
      );
    });

    it('a user version with the same updated_at and other content is a conflict, settled by Clerk through the Backend API', async () => {
      const truth = clerk.store.insertUser(makeUser({ first_name: 'Truth' }));
      expect((await send('user.created', { ...truth, first_name: 'First' })).body.outcome).toBe('applied');
      const r = await send('user.updated', { ...truth, first_name: 'Second' });
      expect(r).toEqual({ status: 200, body: { ok: true, svixId: expect.any(String), outcome: 'conflict' } });
      const event = await s.db.prisma.event.findFirstOrThrow({ where: { userId: truth.id, outcome: 'conflict' } });
      expect(await s.db.prisma.delivery.findFirstOrThrow({ where: { eventId: event.id } })).toMatchObject({
        outcome: 'conflict',
        failed: false,
      });
      await s.services.conflicts.idle();
      const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: truth.id } });
      expect(JSON.parse(row.data!)).toEqual(truth);
      expect(row).toMatchObject({ source: 'resync', syncStatus: 'in_sync' });
    });
  });

  describe('sessions that expire with no event', () => {
    it('are shown and counted expired or abandoned, not active, and written down by the sweep', async () => {
      const user = makeUser();
      await send('user.created', user);
      const now = Date.now();
      const expired = makeSession(user, {
        created_at: now - 10 * HOUR,
        updated_at: now - 10 * HOUR,
        expire_at: now - HOUR,
        abandon_at: now + HOUR,
      });
      const abandoned = makeSession(user, {
        created_at: now - 10 * HOUR,
        updated_at: now - 10 * HOUR,
        expire_at: now + HOUR,
        abandon_at: now - 2 * HOUR,
      });
      const live = makeSession(user, {
        created_at: now,
        updated_at: now,
        expire_at: now + HOUR,
        abandon_at: now + 2 * HOUR,
      });
      for (const sess of [expired, abandoned, live])
        expect((await send('session.created', sess)).body.outcome).toBe('applied');
      const before = await json<OverviewStats>(s.api('/api/overview'));

      const detail = await json<UserDetail>(s.api(`/api/users/${user.id}`));
      const status = Object.fromEntries(detail.sessions.map((x) => [x.id, x.status]));
      expect(status).toEqual({ [expired.id]: 'expired', [abandoned.id]: 'abandoned', [live.id]: 'active' });
      expect(before.sessions.expired).toBeGreaterThanOrEqual(1);
      expect(before.sessions.abandoned).toBeGreaterThanOrEqual(1);

      expect(await s.services.repos.sessions.expireDue()).toBeGreaterThanOrEqual(2);
      expect((await sessionRow(expired.id)).status).toBe('expired');
      expect((await sessionRow(abandoned.id)).status).toBe('abandoned');
      expect((await sessionRow(live.id)).status).toBe('active');
      // counting reads the same either way
      expect((await json<OverviewStats>(s.api('/api/overview'))).sessions).toEqual(before.sessions);
    });

    it('a resync of the user refreshes its sessions from GET /v1/sessions?user_id=', async () => {
      const user = clerk.createUser({}, { sendWebhook: false });
      const sess = clerk.createSession(user.id, {}, { sendWebhook: false });
      await send('user.created', user);
      await send('session.created', sess);
      clerk.revokeSession(sess.id, { sendWebhook: false }); // the event was lost
      const other = clerk.createSession(user.id, {}, { sendWebhook: false }); // never sent at all
      expect((await s.api(`/api/users/${user.id}/resync`, { method: 'POST' })).status).toBe(200);
      expect((await sessionRow(sess.id)).status).toBe('revoked');
      expect((await sessionRow(other.id)).status).toBe('active');
    });

    it("an operator's resync also finds the sessions of a user none of whose session events arrived", async () => {
      const user = clerk.createUser({}, { sendWebhook: false });
      await send('user.created', user);
      const lost = clerk.createSession(user.id, {}, { sendWebhook: false }); // no local session of this user at all
      expect((await s.api(`/api/users/${user.id}/resync`, { method: 'POST' })).status).toBe(200);
      expect((await sessionRow(lost.id)).status).toBe('active');
    });
  });

  describe("session events' embedded user", () => {
    it('is applied when newer than the held user, ignored when older, and never stored in the session row', async () => {
      const user = makeUser({ updated_at: 1_700_000_000_000, first_name: 'Old' });
      await send('user.created', user);
      const newer: ClerkUserJson = { ...user, first_name: 'Newer', updated_at: user.updated_at + 1000 };
      const sess = makeSession(user);
      expect((await send('session.created', { ...sess, user: newer })).body.outcome).toBe('applied');
      const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
      expect(JSON.parse(row.data!)).toEqual(newer);
      const stored = JSON.parse((await sessionRow(sess.id)).data) as Record<string, unknown>;
      expect(stored).toEqual(sess);
      expect(stored).not.toHaveProperty('user');

      await send('session.ended', { ...sess, status: 'ended', updated_at: sess.updated_at + 1, user });
      expect(JSON.parse((await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).data!)).toEqual(newer);
      expect((await sessionRow(sess.id)).status).toBe('ended');
    });
  });

  describe('users named deep inside other events', () => {
    it('link those events to the user: timeline, search and the privacy purge find them', async () => {
      const user = makeUser();
      await send('user.created', user);
      const org = makeOrganization();
      const projected = [
        ['organizationMembership.created', makeMembership(org, user)],
        [
          'organizationInvitation.accepted',
          makeInvitation(org, { status: 'accepted', user_id: user.id, email_address: 'x@example.com' }),
        ],
      ] as const;
      for (const [type, data] of projected) expect((await send(type, data)).body.outcome).toBe('applied');
      const events = [
        ...projected,
        [
          'email.created',
          {
            object: 'email',
            id: clerkId('ema'),
            user_id: user.id,
            slug: 'verification_code',
            from_email_name: 'n',
            data: {},
            delivered_by_clerk: true,
          },
        ],
        [
          'sms.created',
          {
            object: 'sms_message',
            id: clerkId('sms'),
            user_id: user.id,
            message: 'code',
            status: 'queued',
            data: {},
            delivered_by_clerk: true,
          },
        ],
        ['subscription.created', { object: 'commerce_subscription', id: clerkId('csub'), payer: { user_id: user.id } }],
      ] as const;
      for (const [type, data] of events.slice(projected.length))
        expect((await send(type, data)).body.outcome).toBe('not_projected');

      const timeline = await json<Page<EventSummary>>(s.api(`/api/events?userId=${user.id}&limit=50`));
      expect(timeline.items.map((e) => e.type)).toEqual(expect.arrayContaining(events.map(([t]) => t)));
      const search = await json<Page<EventSummary>>(s.api(`/api/events?q=${user.id}&limit=50`));
      expect(search.items.map((e) => e.type)).toEqual(expect.arrayContaining(events.map(([t]) => t)));
      const purge = await json<PurgeUserResult>(s.api(`/api/admin/users/${user.id}/purge`, { method: 'POST' }));
      expect(purge.eventPayloads).toBeGreaterThanOrEqual(events.length + 1);
    });
  });

  describe('volatile fields', () => {
    it('are shown by compare but never make a user drifted', async () => {
      const truth = clerk.createUser({}, { sendWebhook: false });
      await send('user.created', {
        ...truth,
        last_active_at: 1,
        lockout_expires_in_seconds: 900,
        verification_attempts_remaining: 3,
      });
      const cmp = await json<UserComparison>(s.api(`/api/users/${truth.id}/compare`));
      expect(cmp.status).toBe('in_sync');
      expect(cmp.diff).toEqual([]);
      expect(cmp.volatile.map((d) => d.path).sort()).toEqual([
        'last_active_at',
        'lockout_expires_in_seconds',
        'verification_attempts_remaining',
      ]);
    });
  });

  describe('the envelope and malformed events', () => {
    it('reads the envelope timestamp in seconds or milliseconds', async () => {
      const a = makeUser();
      const b = makeUser();
      await send('user.created', a);
      await send('user.created', b);
      const seconds = 1_716_883_200;
      await send('user.deleted', { object: 'user', id: a.id, deleted: true }, seconds);
      await send('user.deleted', { object: 'user', id: b.id, deleted: true }, seconds * 1000);
      for (const id of [a.id, b.id]) {
        expect((await s.db.prisma.user.findUniqueOrThrow({ where: { id } })).deletedAt!.getTime()).toBe(seconds * 1000);
        expect(
          (
            await s.db.prisma.event.findFirstOrThrow({ where: { userId: id, type: 'user.deleted' } })
          ).occurredAt!.getTime(),
        ).toBe(seconds * 1000);
      }
    });

    it('answers a user.deleted without id, or updated_at: null, with a clear 400 and a delivery-log row, changing nothing else', async () => {
      const user = makeUser();
      await send('user.created', user);
      const cases = [
        ['user.deleted', { object: 'user', deleted: true }, 'id'],
        ['user.updated', { ...user, updated_at: null }, 'updated_at'],
      ] as const;
      for (const [type, data, field] of cases) {
        const before = { events: await s.db.prisma.event.count(), users: await s.db.prisma.user.count() };
        const r = await send(type, data);
        expect(r.status).toBe(400);
        expect(r.body.error?.code).toBe('invalid_event');
        expect(r.body.error?.message).toContain(field);
        const d = await s.db.prisma.delivery.findFirstOrThrow({ orderBy: { id: 'desc' } });
        expect(d).toMatchObject({
          outcome: 'rejected',
          httpStatus: 400,
          errorCode: 'invalid_event',
          verified: true,
          eventType: type,
        });
        expect({ events: await s.db.prisma.event.count(), users: await s.db.prisma.user.count() }).toEqual(before);
      }
      expect((await s.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).deleted).toBe(false);
    });
  });
});

describe('the Backend API client', () => {
  it(`pins Clerk-API-Version ${CLERK_API_VERSION} on every request`, async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        req.url!.startsWith('/v1/users/count')
          ? '{"object":"total_count","total_count":0}'
          : req.url!.startsWith('/v1/users/')
            ? '{"id":"user_1","object":"user","updated_at":1}'
            : '[]',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const c = createClerkClient({
        apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        secretKey: 'sk_test_x',
      });
      await c.getUser('user_1');
      await c.listUsers({ limit: 10 });
      await c.countUsers();
      await c.listSessions('user_1');
      expect(seen).toHaveLength(4);
      for (const h of seen) expect(h['clerk-api-version']).toBe(CLERK_API_VERSION);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
