// Organizations through the real server on both providers: the read API (list, search, pages, one organization
// with its members and pending invitations, a user's memberships), the live push over Socket.IO, refusals of
// malformed events, and the privacy purge of a deleted user's memberships and invitations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { TEST_PROVIDERS } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import {
  clerkId,
  makeDeletedOrganization,
  makeDeletedUser,
  makeEmailAddress,
  makeEvent,
  makeOrganization,
  makeOrganizationInvitation as makeInvitation,
  makeOrganizationMembership as makeMembership,
  makeUser,
} from '../../../emulator/factories.ts';
import type {
  ApiError,
  OrganizationDetail,
  OrganizationSummary,
  Page,
  PurgeUserResult,
  UserDetail,
} from '../contract.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../realtime/contract.ts';

const json = async <T>(r: Response | Promise<Response>): Promise<T> => (await (await r).json()) as T;

describe.each(TEST_PROVIDERS)('organizations API on %s', (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(provider);
  });
  afterAll(async () => s?.close());

  const send = async (type: string, data: unknown, timestamp?: number) => {
    const res = await s.deliver(makeEvent(type, data, timestamp));
    return { status: res.status, headers: res.headers, body: (await res.json()) as { outcome?: string } & ApiError };
  };

  it('lists organizations newest first, finds them by name, slug or id, and pages by cursor', async () => {
    const tag = clerkId('t').slice(2, 10).toLowerCase();
    const base = Date.now() - 600_000;
    const orgs = ['Alpha Labs', 'Beta Works', 'Gamma Group'].map((name, i) =>
      makeOrganization({
        name: `${name} ${tag}`,
        slug: `${name.split(' ')[0]!.toLowerCase()}-${tag}`,
        members_count: 1,
        updated_at: base + i,
      }),
    );
    for (const o of orgs) expect((await send('organization.created', o)).body.outcome).toBe('applied');

    const find = (query: string) =>
      json<Page<OrganizationSummary>>(s.api(`/api/organizations?query=${encodeURIComponent(query)}`));
    expect((await find(`alpha labs ${tag}`)).items.map((o) => o.id)).toEqual([orgs[0]!.id]);
    expect((await find(`BETA-${tag}`)).items.map((o) => o.id)).toEqual([orgs[1]!.id]);
    expect((await find(orgs[2]!.id)).items).toMatchObject([
      { id: orgs[2]!.id, name: `Gamma Group ${tag}`, slug: `gamma-${tag}`, deleted: false, membersCount: 1 },
    ]);
    // `q` as on the other lists
    expect(
      (await json<Page<OrganizationSummary>>(s.api(`/api/organizations?q=${tag}`))).items.map((o) => o.id),
    ).toEqual([orgs[2]!.id, orgs[1]!.id, orgs[0]!.id]);

    const first = await json<Page<OrganizationSummary>>(s.api(`/api/organizations?query=${tag}&limit=2`));
    expect(first.items.map((o) => o.id)).toEqual([orgs[2]!.id, orgs[1]!.id]);
    expect(first.nextCursor).not.toBeNull();
    const second = await json<Page<OrganizationSummary>>(
      s.api(`/api/organizations?query=${tag}&limit=2&cursor=${first.nextCursor}`),
    );
    expect(second).toEqual({ items: [expect.objectContaining({ id: orgs[0]!.id })], nextCursor: null });

    // bad input: a clear 400, never a 500
    for (const q of ['cursor=bm90LW91cnM', 'limit=0', 'limit=abc', `query=${'x'.repeat(201)}`]) {
      const res = await s.api(`/api/organizations?${q}`);
      expect(res.status, q).toBe(400);
      expect((await json<ApiError>(res)).error.code, q).toMatch(/bad_request|invalid_request/);
    }
  });

  it('answers 404 JSON for an unknown organization, and nothing without a session', async () => {
    const res = await s.api('/api/organizations/org_unknown');
    expect(res.status).toBe(404);
    expect(await json<ApiError>(res)).toEqual({
      error: { code: 'not_found', message: 'Organization org_unknown not found' },
    });
    expect((await fetch(`${s.url}/api/organizations`)).status).toBe(401);
    expect((await fetch(`${s.url}/api/organizations/org_unknown`)).status).toBe(401);
  });

  it('shows members (linked both ways), former members and pending invitations; links a user when they arrive', async () => {
    const org = makeOrganization({ name: 'Linked Inc' });
    const ada = makeUser({ first_name: 'Ada', last_name: 'Lovelace' });
    const late = makeUser({
      first_name: 'Late',
      last_name: 'Comer',
      email_addresses: [makeEmailAddress('late@members.test')],
    });
    await send('user.created', ada);
    await send('organization.created', org);
    const mAda = makeMembership(org, ada, { role: 'org:admin' });
    // a millisecond later: members are listed in the order they joined (ids break ties, and ids are random)
    const mLate = makeMembership(org, late, { created_at: mAda.created_at + 1, updated_at: mAda.updated_at + 1 });
    const mGone = makeMembership(org, ada, { id: clerkId('orgmem') });
    for (const m of [mAda, mLate, mGone]) await send('organizationMembership.created', m);
    await send('organizationMembership.deleted', mGone, Date.now());
    const now = Date.now();
    const pending = makeInvitation(org, {
      email_address: 'new@invitee.test',
      created_at: now - 1000,
      updated_at: now - 1000,
    });
    const expired = makeInvitation(org, { email_address: 'old@invitee.test', expires_at: now - 1000 });
    const accepted = makeInvitation(org, { email_address: 'yes@invitee.test', status: 'accepted', user_id: ada.id });
    await send('organizationInvitation.created', pending);
    await send('organizationInvitation.created', expired);
    await send('organizationInvitation.accepted', accepted);

    let detail = await json<OrganizationDetail>(s.api(`/api/organizations/${org.id}`));
    expect(detail).toMatchObject({
      id: org.id,
      name: 'Linked Inc',
      deleted: false,
      membersTotal: 2,
      source: 'webhook',
    });
    expect(detail.data).toEqual(org);
    expect(detail.lastEvent?.type).toBe('organization.created');
    expect(detail.members).toEqual([
      expect.objectContaining({
        id: mAda.id,
        userId: ada.id,
        userHeld: true,
        userLabel: ada.email_addresses[0]!.email_address,
        role: 'org:admin',
        roleName: 'Admin',
        permissions: mAda.permissions,
        organizationId: org.id,
        organizationName: 'Linked Inc',
        deleted: false,
        endedBy: null,
      }),
      // not held yet: shown as the membership itself names them
      expect.objectContaining({ id: mLate.id, userId: late.id, userHeld: false, userLabel: 'late@members.test' }),
    ]);
    expect(detail.formerMembers).toEqual([
      expect.objectContaining({ id: mGone.id, deleted: true, endedBy: 'membership_deleted' }),
    ]);
    expect(detail.pendingInvitations).toEqual([
      expect.objectContaining({
        id: pending.id,
        emailAddress: 'new@invitee.test',
        status: 'pending',
        role: 'org:member',
      }),
    ]);

    // the user's page lists their memberships, each naming its organization
    const user = await json<UserDetail>(s.api(`/api/users/${ada.id}`));
    expect(user.memberships.map((m) => [m.id, m.organizationName, m.deleted])).toEqual([
      [mAda.id, 'Linked Inc', false],
      [mGone.id, 'Linked Inc', true],
    ]);

    // the user arrives: the membership links up
    await send('user.created', late);
    detail = await json<OrganizationDetail>(s.api(`/api/organizations/${org.id}`));
    expect(detail.members[1]).toMatchObject({
      userId: late.id,
      userHeld: true,
      userLabel: late.email_addresses[0]!.email_address,
    });
    expect((await json<UserDetail>(s.api(`/api/users/${late.id}`))).memberships.map((m) => m.id)).toEqual([mLate.id]);

    // a deletion: no members, no pending invitations; what was there stays as former members
    await send('organization.deleted', makeDeletedOrganization(org), Date.now());
    detail = await json<OrganizationDetail>(s.api(`/api/organizations/${org.id}`));
    expect(detail).toMatchObject({
      deleted: true,
      syncStatus: 'deleted',
      members: [],
      membersTotal: 0,
      pendingInvitations: [],
    });
    expect(detail.formerMembers.map((m) => [m.id, m.endedBy])).toEqual(
      expect.arrayContaining([
        [mAda.id, 'organization_deleted'],
        [mLate.id, 'organization_deleted'],
        [mGone.id, 'membership_deleted'],
      ]),
    );
    expect(await s.db.prisma.organizationInvitation.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({
      status: 'revoked',
      endedBy: 'organization_deleted',
    });
    // a late membership of the deleted organization is kept, ended
    const afterwards = makeMembership(org, ada, { updated_at: Date.now() });
    expect((await send('organizationMembership.created', afterwards)).body.outcome).toBe('applied');
    expect(await s.db.prisma.organizationMembership.findUniqueOrThrow({ where: { id: afterwards.id } })).toMatchObject({
      deleted: true,
      endedBy: 'organization_deleted',
    });
    expect((await json<OrganizationDetail>(s.api(`/api/organizations/${org.id}`))).members).toEqual([]);
  });

  it('pushes an organization summary over Socket.IO when it, its members or its invitations change', async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connect(s.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      extraHeaders: { cookie: await s.cookie() },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const org = makeOrganization({ name: 'Live Org' });
      const pushed: OrganizationSummary[] = [];
      const until = (n: number) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`only ${pushed.length}/${n} pushes`)), 10_000);
          const check = () => {
            if (pushed.filter((o) => o.id === org.id).length >= n) {
              clearTimeout(timer);
              resolve();
            }
          };
          socket.on('organization:changed', (batch) => {
            pushed.push(...batch);
            check();
          });
        });
      const first = until(1);
      await send('organization.created', org);
      await first;
      expect(pushed.at(-1)).toMatchObject({ id: org.id, name: 'Live Org', deleted: false });
      const second = until(2);
      await send('organizationMembership.created', makeMembership(org, makeUser()));
      await second;
      const third = until(3);
      await send('organization.deleted', makeDeletedOrganization(org), Date.now());
      await third;
      expect(pushed.filter((o) => o.id === org.id).at(-1)).toMatchObject({ id: org.id, deleted: true });
    } finally {
      socket.close();
    }
  });

  it('decides a tie by content: counts alone are no new version, other content is a conflict and the held one stays', async () => {
    const org = makeOrganization({ name: 'Tied', members_count: 1 });
    expect((await send('organization.created', org)).body.outcome).toBe('applied');
    expect((await send('organization.updated', { ...org, members_count: 7 })).body.outcome).toBe('duplicate');
    expect((await send('organization.updated', { ...org, name: 'Tied Other' })).body.outcome).toBe('conflict');
    expect(await s.db.prisma.organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({
      name: 'Tied',
      membersCount: 1,
    });
    const user = makeUser();
    const m = makeMembership(org, user);
    expect((await send('organizationMembership.created', m)).body.outcome).toBe('applied');
    // the member's profile follows the user, not the membership: no new version
    const renamed = { ...m, public_user_data: { ...m.public_user_data!, first_name: 'Renamed' } };
    expect((await send('organizationMembership.updated', renamed)).body.outcome).toBe('duplicate');
    expect((await send('organizationMembership.updated', { ...m, role: 'org:admin' })).body.outcome).toBe('conflict');
    expect((await s.db.prisma.organizationMembership.findUniqueOrThrow({ where: { id: m.id } })).role).toBe(
      'org:member',
    );
  });

  it('refuses malformed organization events (400, Svix told not to retry) and changes nothing', async () => {
    const org = makeOrganization();
    const membership = makeMembership(org, makeUser());
    const { organization: _o, ...withoutOrg } = membership;
    const bad: [string, unknown, RegExp][] = [
      ['organization.created', { ...org, updated_at: undefined }, /at updated_at$/],
      ['organization.updated', { ...org, id: '' }, /at id$/],
      ['organization.deleted', { object: 'organization', id: org.id }, /at deleted$/],
      ['organizationMembership.created', withoutOrg, /at organization$/],
      ['organizationMembership.updated', { ...membership, role: 42 }, /at role$/],
      ['organizationInvitation.created', { ...makeInvitation(org), updated_at: 'yesterday' }, /at updated_at$/],
    ];
    for (const [type, data, field] of bad) {
      const r = await send(type, data);
      expect(r.status, type).toBe(400);
      expect(r.body.error.code, type).toBe('invalid_event');
      expect(r.body.error.message, type).toMatch(field);
      expect(r.headers.get('webhook-delivery'), type).toBe('abort-message');
    }
    const p = s.db.prisma;
    expect(await p.organization.count({ where: { id: org.id } })).toBe(0);
    expect(await p.organizationMembership.count({ where: { id: membership.id } })).toBe(0);
    expect(await p.event.count({ where: { organizationId: org.id } })).toBe(0);
  });
});

describe.each(TEST_PROVIDERS)('the deleted-user purge and organizations on %s', (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(provider, { retention: { days: 30, purgeDeletedUsers: true, intervalMs: 3_600_000 } });
  });
  afterAll(async () => s?.close());

  it("erases the user's memberships' public data and their invitations' addresses; other members keep theirs", async () => {
    const p = s.db.prisma;
    const org = makeOrganization({ name: 'Privacy Org' });
    const grace = makeUser({ first_name: 'Grace', last_name: 'Hopper' });
    const graceEmail = grace.email_addresses[0]!.email_address;
    const other = makeUser({
      first_name: 'Other',
      last_name: 'Member',
      email_addresses: [makeEmailAddress('other@example.com')],
    });
    for (const u of [grace, other]) await s.deliver(makeEvent('user.created', u, u.updated_at));
    const mine = makeMembership(org, grace);
    const theirs = makeMembership(org, other);
    const toGrace = makeInvitation(org, { email_address: graceEmail });
    const acceptedByGrace = makeInvitation(org, {
      email_address: 'grace.alias@example.com',
      status: 'accepted',
      user_id: grace.id,
    });
    const sentByGrace = makeInvitation(org, {
      email_address: 'friend@example.com',
      inviter_id: grace.id,
      public_inviter_data: {
        user_id: grace.id,
        first_name: 'Grace',
        last_name: 'Hopper',
        image_url: 'https://img',
        has_image: false,
        identifier: graceEmail,
      },
    });
    const deliveries: [string, unknown][] = [
      ['organization.created', org],
      ['organizationMembership.created', mine],
      ['organizationMembership.created', theirs],
      ['organizationInvitation.created', toGrace],
      ['organizationInvitation.accepted', acceptedByGrace],
      ['organizationInvitation.created', sentByGrace],
    ];
    for (const [type, data] of deliveries) expect((await s.deliver(makeEvent(type, data))).status).toBe(200);

    expect((await s.deliver(makeEvent('user.deleted', makeDeletedUser(grace.id), Date.now()))).status).toBe(200);
    await s.services.retention.idle();

    const data = async (id: string) =>
      JSON.parse((await p.organizationMembership.findUniqueOrThrow({ where: { id } })).data) as Record<string, unknown>;
    expect(await data(mine.id)).not.toHaveProperty('public_user_data');
    expect((await data(mine.id)).role).toBe('org:member'); // the membership itself stays
    expect(await data(theirs.id)).toHaveProperty('public_user_data.identifier', 'other@example.com');
    const invitation = (id: string) => p.organizationInvitation.findUniqueOrThrow({ where: { id } });
    for (const id of [toGrace.id, acceptedByGrace.id]) {
      const row = await invitation(id);
      expect(row.emailAddress, id).toBeNull();
      expect(JSON.parse(row.data), id).not.toHaveProperty('email_address');
    }
    const sent = await invitation(sentByGrace.id);
    expect(sent.emailAddress).toBe('friend@example.com'); // someone else's address
    expect(JSON.parse(sent.data)).not.toHaveProperty('public_inviter_data');
    // the events of the invitation sent to her name her address, though they link to no user: erased too
    const toGraceEvents = await p.event.findMany({ where: { objectId: toGrace.id } });
    expect(toGraceEvents.map((e) => e.payload)).toEqual(['']);
    expect(toGraceEvents[0]!.userId).toBeNull();
    const audit = await p.auditEntry.findFirstOrThrow({ where: { action: 'user_purge', target: grace.id } });
    expect(JSON.parse(audit.summary)).toMatchObject({ memberships: 1, invitations: 3 });
    // the organization page still lists the membership, without her name
    const detail = await json<OrganizationDetail>(s.api(`/api/organizations/${org.id}`));
    expect(detail.members.find((m) => m.id === mine.id)).toMatchObject({ userId: grace.id, userLabel: null });

    // a late version of her membership brings public data back: the sweep erases it again
    const late = makeMembership(org, grace, { id: mine.id, updated_at: mine.updated_at + 1000 });
    expect(
      (await json<{ outcome: string }>(s.deliver(makeEvent('organizationMembership.updated', late)))).outcome,
    ).toBe('applied');
    expect(await data(mine.id)).toHaveProperty('public_user_data');
    expect((await s.services.retention.runOnce()).users).toBeGreaterThanOrEqual(1);
    expect(await data(mine.id)).not.toHaveProperty('public_user_data');
  });

  it("an admin's purge of a live user also erases their memberships' public data (and says how many)", async () => {
    const org = makeOrganization();
    const user = makeUser();
    await s.deliver(makeEvent('user.created', user, user.updated_at));
    await s.deliver(makeEvent('organizationMembership.created', makeMembership(org, user)));
    const result = await json<PurgeUserResult>(s.api(`/api/admin/users/${user.id}/purge`, { method: 'POST' }));
    expect(result).toMatchObject({ userId: user.id, memberships: 1, invitations: 0, tombstoneCleared: false });
    // nothing left to erase: a second purge changes nothing
    expect(await json<PurgeUserResult>(s.api(`/api/admin/users/${user.id}/purge`, { method: 'POST' }))).toMatchObject({
      memberships: 0,
      invitations: 0,
    });
  });
});
