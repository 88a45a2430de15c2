// The local control API and the activity generator.
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';
import { startTestReceiver, type TestReceiver } from './test-receiver.ts';

let emulator: Emulator & { url: string };
let receiver: TestReceiver;
const secretKey = generateSecretKey();

async function setup(extra: Parameters<typeof startEmulator>[0] extends infer O ? Partial<O> : never = {}) {
  const signingSecret = generateSigningSecret();
  receiver = await startTestReceiver({ secret: signingSecret });
  emulator = await startEmulator({
    signingSecret,
    secretKey,
    targets: [receiver.url],
    timeFactor: 0.00001,
    seed: 3,
    ...extra,
  });
}
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${emulator.url}/control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
};

describe('control API', () => {
  it('creates, updates and deletes users with a webhook by default', async () => {
    await setup();
    const created = await call('POST', '/users', { first_name: 'Grace', email_address: 'grace@example.com' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^user_/);
    expect((created.body.email_addresses as { email_address: string }[])[0]!.email_address).toBe('grace@example.com');

    const patched = await call('PATCH', `/users/${id}`, { last_name: 'Hopper', email_address: 'hopper@example.com' });
    expect(patched.body).toMatchObject({
      last_name: 'Hopper',
      primary_email_address_id: created.body.primary_email_address_id,
    });
    expect((patched.body.email_addresses as { email_address: string }[])[0]!.email_address).toBe('hopper@example.com');

    expect((await call('DELETE', `/users/${id}`)).body).toEqual({ object: 'user', id, deleted: true });
    expect((await call('GET', `/users/${id}`)).body.error!.code).toBe('user_deleted');
    await emulator.settled();
    expect(receiver.requests.map((r) => r.json!.type)).toEqual(['user.created', 'user.updated', 'user.deleted']);
    const state = (await call('GET', '/state')).body;
    expect(state).toMatchObject({ users: 0, deletedUsers: 1, messages: { delivered: 3 } });
  });

  it('?webhook=false changes the truth silently (drift on purpose)', async () => {
    await setup();
    const { body } = await call('POST', '/users?webhook=false', { first_name: 'Hidden' });
    await call('PATCH', `/users/${body.id as string}?webhook=false`, { first_name: 'Still hidden' });
    await emulator.settled();
    expect(receiver.requests).toHaveLength(0);
    expect(emulator.store.getUser(body.id as string)!.first_name).toBe('Still hidden');
    const all = (await call('GET', '/users')).body as { users: { id: string }[]; deletedUserIds: string[] };
    expect(all.users.map((u) => u.id)).toEqual([body.id]);
  });

  it('sessions: create, then revoke / end / remove', async () => {
    await setup();
    const user = emulator.createUser({}, { sendWebhook: false });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await call('POST', '/sessions', { user_id: user.id });
      expect(s.status).toBe(201);
      ids.push(s.body.id as string);
    }
    expect((await call('POST', `/sessions/${ids[0]}/revoke`)).body.status).toBe('revoked');
    expect((await call('POST', `/sessions/${ids[1]}/end`)).body.status).toBe('ended');
    expect((await call('POST', `/sessions/${ids[2]}/remove`)).body.status).toBe('removed');
    expect((await call('POST', `/sessions/${ids[2]}/end`)).status).toBe(409);
    expect((await call('POST', '/sessions', { user_id: 'user_nope' })).status).toBe(404);
    await emulator.settled();
    expect(receiver.requests.map((r) => r.json!.type).sort()).toEqual([
      'session.created',
      'session.created',
      'session.created',
      'session.ended',
      'session.removed',
      'session.revoked',
    ]);
  });

  it('faults, outage, deliveries and settled', async () => {
    await setup();
    const f = await call('PUT', '/faults', { duplicate: 1, badSignature: 0 });
    expect(f.body).toMatchObject({ duplicate: 1, drop: 0 });
    expect((await call('PUT', '/faults', { drop: 2 })).status).toBe(400);
    expect((await call('PUT', '/faults', { bogus: 1 })).status).toBe(400);

    emulator.createUser();
    expect((await call('GET', '/settled?timeoutMs=5000')).body).toMatchObject({ settled: true, pendingDeliveries: 0 });
    const deliveries = (await call('GET', '/deliveries')).body as unknown as {
      svixId: string;
      type: string;
      attempt: number;
      status: number;
      at: string;
    }[];
    expect(deliveries).toHaveLength(2);
    expect(deliveries[0]!.svixId).toBe(deliveries[1]!.svixId);
    expect(deliveries[0]).toMatchObject({ type: 'user.created', attempt: 1, status: 200, at: expect.any(String) });

    await call('PUT', '/faults', { duplicate: 0 });
    const o = await call('POST', '/outage', { durationMs: 60_000 });
    expect(o.body.outageUntil).toBeGreaterThan(Date.now());
    emulator.createUser();
    await new Promise((r) => setTimeout(r, 30));
    expect(receiver.requests).toHaveLength(2);
    await call('POST', '/outage', { durationMs: 0 });
    await emulator.settled();
    expect(receiver.requests).toHaveLength(3);
  });

  it('rate limit, activity and targets can be changed at run time', async () => {
    await setup();
    expect((await call('PUT', '/rate-limit', { requests: 1, windowMs: 60_000 })).body).toEqual({
      rateLimit: { requests: 1, windowMs: 60_000 },
    });
    const h = { authorization: `Bearer ${secretKey}` };
    expect((await fetch(`${emulator.url}/v1/users/count`, { headers: h })).status).toBe(200);
    expect((await fetch(`${emulator.url}/v1/users/count`, { headers: h })).status).toBe(429);
    expect((await call('PUT', '/rate-limit', { enabled: false })).body).toEqual({ rateLimit: null });
    expect((await fetch(`${emulator.url}/v1/users/count`, { headers: h })).status).toBe(200);

    const other = await startTestReceiver();
    try {
      expect((await call('POST', '/targets', { url: other.url })).body.targets).toHaveLength(2);
      await call('POST', '/events', { type: 'email.created', data: { object: 'email', id: 'ema_1' } });
      await emulator.settled();
      expect(other.requests[0]!.json!.type).toBe('email.created');
      await call('DELETE', '/targets', { url: other.url });
      expect(emulator.targets()).toEqual([receiver.url]);
    } finally {
      await other.close();
    }

    expect((await call('PUT', '/activity', { perSecond: 200 })).body).toEqual({ activity: { perSecond: 200 } });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call('PUT', '/activity', { perSecond: 0 })).body).toEqual({ activity: null });
    await emulator.settled();
    expect(receiver.requests.length).toBeGreaterThan(10);
  });
});

describe('control API: organizations', () => {
  it('creates, changes and deletes organizations, memberships and invitations, each with its webhook', async () => {
    await setup();
    const admin = (await call('POST', '/users', { email_address: 'ada@example.com' })).body.id as string;
    const other = (await call('POST', '/users', { email_address: 'bob@example.com' })).body.id as string;
    const created = await call('POST', '/organizations', { name: 'Analytical Engines', created_by: admin });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ slug: 'analytical-engines', members_count: 1, created_by: admin });
    const id = created.body.id as string;
    // by id or by slug
    expect((await call('GET', '/organizations/analytical-engines')).body.id).toBe(id);
    expect((await call('PATCH', `/organizations/${id}`, { name: 'Difference Engines' })).body.name).toBe(
      'Difference Engines',
    );

    const added = await call('POST', `/organizations/${id}/memberships`, { user_id: other, role: 'org:billing' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ role: 'org:billing', organization: { id, members_count: 2 } });
    expect((await call('PATCH', `/organizations/${id}/memberships/${other}`, { role: 'org:admin' })).body.role).toBe(
      'org:admin',
    );
    const members = (await call('GET', `/organizations/${id}/memberships`)).body as unknown as unknown[];
    expect(members).toHaveLength(2);
    expect((await call('DELETE', `/organizations/${id}/memberships/${other}`)).body.id).toBe(added.body.id);

    const inv = await call('POST', `/organizations/${id}/invitations`, {
      email_address: 'bob@example.com',
      inviter_id: admin,
    });
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ status: 'pending', inviter_id: admin });
    const accepted = await call('POST', `/invitations/${inv.body.id as string}/accept`, {});
    expect(accepted.body).toMatchObject({
      invitation: { status: 'accepted' },
      membership: { public_user_data: { user_id: other } },
    });
    const second = await call('POST', `/organizations/${id}/invitations`, { email_address: 'carl@example.com' });
    expect((await call('POST', `/invitations/${second.body.id as string}/revoke`)).body.status).toBe('revoked');
    const pending = (await call('GET', `/organizations/${id}/invitations?status=revoked`)).body as unknown as {
      id: string;
    }[];
    expect(pending.map((i) => i.id)).toEqual([second.body.id]);

    expect((await call('DELETE', `/organizations/${id}`)).body).toEqual({
      object: 'organization',
      id,
      slug: 'analytical-engines',
      deleted: true,
    });
    expect((await call('GET', `/organizations/${id}`)).body.error!.code).toBe('organization_deleted');
    const all = (await call('GET', '/organizations')).body;
    expect(all).toEqual({ organizations: [], deletedOrganizationIds: [id] });

    await emulator.settled();
    // in the order sent (deliveries run concurrently, so the receiver may see two of one change swapped)
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    expect(receiver.requests).toHaveLength(emulator.messages().length);
    expect(emulator.messages().map((m) => m.type)).toEqual([
      'user.created',
      'user.created',
      'organization.created',
      'organizationMembership.created',
      'organization.updated',
      'organizationMembership.created',
      'organizationMembership.updated',
      'organizationMembership.deleted',
      'organizationInvitation.created',
      'organizationInvitation.accepted',
      'organizationMembership.created',
      'organizationInvitation.created',
      'organizationInvitation.revoked',
      'organization.deleted',
    ]);
    expect((await call('GET', '/state')).body).toMatchObject({ organizations: 0, deletedOrganizations: 1 });
  });

  it('?webhook=false plants drift: organizations and memberships change in Clerk with no event', async () => {
    await setup();
    const u = emulator.createUser({}, { sendWebhook: false });
    const v = emulator.createUser({}, { sendWebhook: false });
    const org = (await call('POST', '/organizations?webhook=false', { created_by: u.id })).body.id as string;
    await call('PATCH', `/organizations/${org}?webhook=false`, { name: 'Silently Renamed', public_metadata: { a: 1 } });
    await call('POST', `/organizations/${org}/memberships?webhook=false`, { user_id: v.id });
    await call('PATCH', `/organizations/${org}/memberships/${v.id}?webhook=false`, { role: 'org:admin' });
    await call('DELETE', `/organizations/${org}/memberships/${u.id}?webhook=false`);
    await emulator.settled();
    expect(receiver.requests).toHaveLength(0);
    expect(emulator.store.getOrganization(org)).toMatchObject({
      name: 'Silently Renamed',
      public_metadata: { a: 1 },
      members_count: 1,
    });
    expect(emulator.store.getMembership(org, v.id)?.role).toBe('org:admin');
    await call('DELETE', `/organizations/${org}?webhook=false`);
    await emulator.settled();
    expect(receiver.requests).toHaveLength(0);
    expect(emulator.store.isOrganizationDeleted(org)).toBe(true);
  });

  it('seeds organizations with members, and deletes the empty ones as Clerk’s periodic job does', async () => {
    await setup();
    const seeded = await call('POST', '/organizations/seed?webhook=false', { count: 30, membersPerOrganization: 4 });
    expect(seeded.status).toBe(201);
    const orgs = seeded.body.organizations as { id: string; members_count: number }[];
    expect(orgs).toHaveLength(30);
    expect(orgs.every((o) => o.members_count === 4)).toBe(true);
    expect(emulator.store.users().length).toBeGreaterThanOrEqual(4); // made because there were none
    const empty = (await call('POST', '/organizations?webhook=false', { name: 'Nobody Here' })).body.id as string;
    const swept = await call('POST', '/organizations/delete-empty');
    expect(swept.body).toEqual({
      deleted: [{ object: 'organization', id: empty, slug: 'nobody-here', deleted: true }],
    });
    await emulator.settled();
    expect(receiver.requests.map((r) => r.json!.type)).toEqual(['organization.deleted']);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    await setup();
    const u = emulator.createUser({}, { sendWebhook: false });
    const org = emulator.createOrganization({ created_by: u.id, slug: 'taken' }, { sendWebhook: false });
    const before = JSON.stringify(emulator.store.organizations());
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/organizations', { name: 'X', bogus: true }, 400, 'invalid_request'],
      ['POST', '/organizations', { name: 'X', slug: 'Not A Slug' }, 400, 'invalid_request'],
      ['POST', '/organizations', { name: 'X', slug: 'taken' }, 409, 'organization_exists'],
      ['POST', '/organizations', { created_by: 'user_nobody' }, 404, 'user_not_found'],
      ['PATCH', '/organizations/org_nobody', { name: 'Y' }, 404, 'organization_not_found'],
      ['PATCH', `/organizations/${org.id}`, { members_count: 9 }, 400, 'invalid_request'],
      ['POST', `/organizations/${org.id}/memberships`, { user_id: u.id }, 409, 'membership_exists'],
      ['POST', `/organizations/${org.id}/memberships`, {}, 400, 'invalid_request'],
      ['PATCH', `/organizations/${org.id}/memberships/${u.id}`, { role: 'org:owner' }, 422, 'role_not_found'],
      ['DELETE', `/organizations/${org.id}/memberships/user_nobody`, undefined, 404, 'membership_not_found'],
      ['POST', `/organizations/${org.id}/invitations`, { email_address: 'not-an-email' }, 400, 'invalid_request'],
      ['POST', '/invitations/orginv_nobody/accept', {}, 404, 'invitation_not_found'],
      ['POST', '/invitations/orginv_nobody/forget', {}, 404, 'not_found'],
      ['POST', '/organizations/seed', { count: 0 }, 400, 'invalid_request'],
      ['PUT', '/activity', { perSecond: 1, organizationShare: 1 }, 400, 'invalid_request'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await call(method, path, body);
      expect([r.status, r.body.error?.code], `${method} ${path}`).toEqual([status, code]);
    }
    expect(JSON.stringify(emulator.store.organizations())).toBe(before);
    await emulator.settled();
    expect(receiver.requests).toHaveLength(0);
  });

  it('activity settings for organizations are set at run time', async () => {
    await setup();
    const body = { perSecond: 5, organizationShare: 0.5, maxOrganizations: 10, deleteEmptyOrganizations: false };
    expect((await call('PUT', '/activity', body)).body).toEqual({ activity: body });
    await call('PUT', '/activity', { perSecond: 0 });
  });
});

describe('activity generator', () => {
  it('produces realistic, consistent life: every message verifies, the store stays coherent', async () => {
    await setup({ seedUsers: 10 });
    const counts = new Map<string, number>();
    // Drive it deterministically with activityTick() rather than the timer.
    for (let i = 0; i < 400; i++) {
      const name = emulator.activityTick();
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    expect(counts.get('sign-up')).toBeGreaterThan(20);
    expect(counts.get('profile-update')).toBeGreaterThan(20);
    await emulator.settled();
    for (const kind of [
      'user.created',
      'user.updated',
      'user.deleted',
      'session.created',
      'session.ended',
      'session.revoked',
      'email.created',
    ]) {
      expect(
        receiver.requests.some((r) => r.json!.type === kind),
        kind,
      ).toBe(true);
    }
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
    // every active session in the truth belongs to a live user
    const live = new Set(emulator.store.users().map((u) => u.id));
    expect(emulator.store.sessions().every((s) => live.has(s.user_id))).toBe(true);
  });
});
