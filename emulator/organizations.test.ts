// Organizations in the emulator: what each change sends (and what it does not), counts that stay true, deletions
// that cascade as Clerk's do, and the activity generator's organization life — the last member leaving deletes the
// organization, an accepted invitation makes a membership — on top of an unchanged user and session stream.
import { afterEach, describe, expect, it } from 'vitest';
import type { ClerkOrganizationJson, ClerkOrganizationMembershipJson } from '../server/src/clerk/clerk-json.ts';
import { startEmulator, generateSecretKey, generateSigningSecret, type Emulator } from './emulator.ts';
import { startTestReceiver, type TestReceiver } from './test-receiver.ts';
import type { ActivityConfig } from './activity.ts';

let emulator: Emulator & { url: string };
let receiver: TestReceiver;

async function setup(extra: { seedUsers?: number; seed?: number; now?: () => number; deliver?: boolean } = {}) {
  const { deliver = true, ...options } = extra;
  const signingSecret = generateSigningSecret();
  receiver = await startTestReceiver({ secret: signingSecret });
  emulator = await startEmulator({
    signingSecret,
    secretKey: generateSecretKey(),
    targets: deliver ? [receiver.url] : [],
    timeFactor: 0.00001,
    rateLimit: null,
    seed: options.seed ?? 5,
    ...options,
  });
}
afterEach(async () => {
  await emulator?.close();
  await receiver?.close();
});

type Sent = { type: string; timestamp: number; data: Record<string, unknown> };
/** What the receiver got, in the order the emulator produced it (deliveries run concurrently: arrival may differ). */
const sent = async (): Promise<Sent[]> => {
  await emulator.settled();
  const bodies = new Map(receiver.requests.map((r) => [r.svixId, r.body]));
  expect(bodies.size).toBe(emulator.messages().length); // one target, no faults: each message arrived once
  return emulator.messages().map((m) => JSON.parse(bodies.get(m.svixId)!) as Sent);
};
const orgOf = (e: Sent) => e.data.organization as ClerkOrganizationJson;

describe('organization changes and their events', () => {
  it('each change sends its event, the organization in membership events counted as it is after the change', async () => {
    await setup();
    const [admin, member] = [emulator.createUser(), emulator.createUser()];
    const org = emulator.createOrganization({ name: 'Acme Corp', created_by: admin.id });
    emulator.createMembership(org.id, member.id);
    const promoted = emulator.updateMembership(org.id, member.id, { role: 'org:admin' });
    const removed = emulator.deleteMembership(org.id, member.id);
    emulator.updateOrganization(org.id, { name: 'Acme Corporation' });
    const events = (await sent()).filter((e) => !e.type.startsWith('user.'));
    expect(events.map((e) => e.type)).toEqual([
      'organization.created',
      'organizationMembership.created',
      'organizationMembership.created',
      'organizationMembership.updated',
      'organizationMembership.deleted',
      'organization.updated',
    ]);
    // the creator is counted in organization.created, as in the spec's example
    expect(events[0]!.data).toMatchObject({ id: org.id, slug: 'acme-corp', members_count: 1, created_by: admin.id });
    expect(events[1]!.data).toMatchObject({ role: 'org:admin', public_user_data: { user_id: admin.id } });
    expect(orgOf(events[2]!).members_count).toBe(2);
    expect(events[3]!.data).toMatchObject({ role: 'org:admin', role_name: 'Admin', updated_at: promoted.updated_at });
    // deleted: the membership as it was (updated_at not moved), its organization without it; the event after it
    expect(events[4]!.data).toMatchObject({ id: removed.id, role: 'org:admin', updated_at: promoted.updated_at });
    expect(orgOf(events[4]!).members_count).toBe(1);
    expect(events[4]!.timestamp).toBeGreaterThan(promoted.updated_at);
    expect(events[5]!.data).toMatchObject({ name: 'Acme Corporation', slug: 'acme-corp' });
    expect(events[5]!.data.updated_at).toBeGreaterThan(org.updated_at);
    // a count change is not an organization change: updated_at moved only with the rename
    expect(orgOf(events[4]!).updated_at).toBe(org.updated_at);
  });

  it('an accepted invitation makes the membership; a new address signs up first', async () => {
    await setup();
    const admin = emulator.createUser();
    const known = emulator.createUser();
    const org = emulator.createOrganization({ created_by: admin.id });
    await emulator.settled();
    const before = receiver.requests.length;
    const toKnown = emulator.createInvitation(org.id, {
      email_address: known.email_addresses[0]!.email_address.toUpperCase(),
      inviter_id: admin.id,
      role: 'org:billing',
      public_metadata: { team: 'finance' },
    });
    const toNew = emulator.createInvitation(org.id, { email_address: 'fresh@example.com' });
    expect(emulator.store.getOrganization(org.id)?.pending_invitations_count).toBe(2);

    const first = emulator.acceptInvitation(toKnown.id);
    expect(first.membership).toMatchObject({
      role: 'org:billing',
      public_metadata: { team: 'finance' }, // carried over from the invitation, as the spec says
      public_user_data: { user_id: known.id },
    });
    const second = emulator.acceptInvitation(toNew.id);
    const newcomer = emulator.store.getUser(second.membership.public_user_data!.user_id)!;
    expect(newcomer.email_addresses.map((e) => e.email_address)).toEqual(['fresh@example.com']);
    expect(emulator.store.getOrganization(org.id)).toMatchObject({ members_count: 3, pending_invitations_count: 0 });

    const events = (await sent()).slice(before);
    expect(events.map((e) => e.type)).toEqual([
      'organizationInvitation.created',
      'organizationInvitation.created',
      'organizationInvitation.accepted',
      'organizationMembership.created',
      'user.created', // the invitee signs up through the invitation
      'organizationInvitation.accepted',
      'organizationMembership.created',
    ]);
    expect(events[2]!.data).toMatchObject({ id: toKnown.id, status: 'accepted', user_id: known.id });
    expect(events[5]!.data).toMatchObject({ id: toNew.id, status: 'accepted', user_id: newcomer.id });
    expect(events[0]!.data).toMatchObject({ inviter_id: admin.id, public_inviter_data: { user_id: admin.id } });

    // an invitation is taken once; a refusal changes nothing
    expect(() => emulator.acceptInvitation(toNew.id)).toThrow(/is accepted/);
    expect(() => emulator.revokeInvitation(toKnown.id)).toThrow(/is accepted/);
    const again = emulator.createInvitation(org.id, { email_address: 'fresh@example.com' });
    const users = emulator.store.users().length;
    expect(() => emulator.acceptInvitation(again.id)).toThrow(/already a member/);
    expect(emulator.store.getInvitation(again.id)?.status).toBe('pending');
    expect(emulator.store.users()).toHaveLength(users);
  });

  it('deleting an organization sends organization.deleted only and takes its memberships and invitations', async () => {
    await setup();
    const [a, b] = [emulator.createUser(), emulator.createUser()];
    const org = emulator.createOrganization({ created_by: a.id });
    emulator.createMembership(org.id, b.id);
    const inv = emulator.createInvitation(org.id, { email_address: 'x@example.com' });
    await emulator.settled();
    const before = receiver.requests.length;
    expect(emulator.deleteOrganization(org.id)).toEqual({
      object: 'organization',
      id: org.id,
      slug: org.slug,
      deleted: true,
    });
    const after = (await sent()).slice(before);
    expect(after.map((e) => e.type)).toEqual(['organization.deleted']);
    expect(emulator.store.memberships({ userId: a.id })).toEqual([]);
    expect(emulator.store.getInvitation(inv.id)).toBeUndefined();
    expect(emulator.store.isOrganizationDeleted(org.id)).toBe(true);
    expect(() => emulator.createMembership(org.id, a.id)).toThrow(/was deleted/);
    // its slug is free again
    expect(emulator.createOrganization({ slug: org.slug, created_by: a.id }).slug).toBe(org.slug);
  });

  it('deleting a user sends user.deleted only and takes their memberships; their organizations count one fewer', async () => {
    await setup();
    const [a, b] = [emulator.createUser(), emulator.createUser()];
    const org = emulator.createOrganization({ created_by: a.id });
    emulator.createMembership(org.id, b.id);
    await emulator.settled();
    const before = receiver.requests.length;
    emulator.deleteUser(b.id);
    expect((await sent()).slice(before).map((e) => e.type)).toEqual(['user.deleted']);
    expect(emulator.store.getOrganization(org.id)?.members_count).toBe(1);
    expect(emulator.store.memberships({ organizationId: org.id }).map((m) => m.public_user_data?.user_id)).toEqual([
      a.id,
    ]);
    // not a sweep: the organization stays until something deletes empty ones
    emulator.deleteUser(a.id);
    expect(emulator.store.getOrganization(org.id)?.members_count).toBe(0);
    expect(emulator.deleteEmptyOrganizations().map((d) => d.id)).toEqual([org.id]);
  });

  it('refuses what Clerk refuses, changing nothing', async () => {
    await setup();
    const [a, b] = [emulator.createUser(), emulator.createUser()];
    const org = emulator.createOrganization({ created_by: a.id, max_allowed_memberships: 2 });
    await emulator.settled();
    const before = receiver.requests.length;
    expect(() => emulator.createOrganization({ created_by: 'user_nobody' })).toThrow(/no user/);
    expect(() => emulator.createOrganization({ slug: org.slug })).toThrow(/taken/);
    expect(() => emulator.createMembership(org.id, a.id)).toThrow(/already a member/);
    expect(() => emulator.createMembership(org.id, b.id, { role: 'org:owner' })).toThrow(/no role/);
    expect(() => emulator.updateMembership(org.id, b.id, { role: 'org:admin' })).toThrow(/not a member/);
    emulator.createMembership(org.id, b.id);
    const c = emulator.createUser();
    expect(() => emulator.createMembership(org.id, c.id)).toThrow(/allows 2 members/);
    const inv = emulator.createInvitation(org.id, { email_address: c.email_addresses[0]!.email_address });
    expect(() => emulator.acceptInvitation(inv.id)).toThrow(/allows 2 members/);
    expect(emulator.store.getInvitation(inv.id)?.status).toBe('pending');
    expect(emulator.store.organizations()).toHaveLength(1);
    const types = (await sent()).slice(before).map((e) => e.type);
    expect(types).toEqual(['organizationMembership.created', 'user.created', 'organizationInvitation.created']);
  });

  it('a pending invitation past expires_at reads as expired, with no event, and leaves the pending count', async () => {
    let skew = 0;
    await setup({ now: () => Date.now() + skew });
    const a = emulator.createUser();
    const org = emulator.createOrganization({ created_by: a.id });
    const inv = emulator.createInvitation(org.id, { email_address: 'late@example.com' });
    await emulator.settled();
    const before = receiver.requests.length;
    skew = 31 * 86_400_000;
    expect(emulator.store.getInvitation(inv.id)).toMatchObject({ status: 'expired', updated_at: inv.expires_at });
    expect(emulator.store.getOrganization(org.id)?.pending_invitations_count).toBe(0);
    expect(() => emulator.acceptInvitation(inv.id)).toThrow(/is expired/);
    await emulator.settled();
    expect(receiver.requests.length).toBe(before);
  });

  it('seeds organizations with members quickly, silently when asked', async () => {
    await setup({ seedUsers: 20 });
    const t0 = performance.now();
    const orgs = emulator.seedOrganizations(500, { membersPerOrganization: 5, sendWebhook: false });
    const ms = performance.now() - t0;
    expect(orgs).toHaveLength(500);
    expect(orgs.every((o) => o.members_count === 5)).toBe(true);
    expect(emulator.store.memberships()).toHaveLength(2500);
    expect(ms).toBeLessThan(5_000);
    await emulator.settled();
    expect(receiver.requests).toHaveLength(0);
    // each organization's first member is its admin
    for (const o of orgs.slice(0, 20)) {
      expect(emulator.store.memberships({ organizationId: o.id }).filter((m) => m.role === 'org:admin')).toHaveLength(
        1,
      );
    }
  });
});

const ORGANIZATION_STEPS = [
  'organization-created',
  'organization-updated',
  'organization-deleted',
  'member-added',
  'role-changed',
  'member-removed',
  'invitation-created',
  'invitation-accepted',
  'invitation-revoked',
];

describe('organization activity', () => {
  /** runs `ticks` steps with the given activity settings, returning the step names */
  const drive = (ticks: number, config: Omit<ActivityConfig, 'perSecond'>) => {
    // a rate this low never fires its timer within the test; the settings apply to activityTick all the same
    emulator.setActivity({ perSecond: 1e-9, ...config });
    const names: string[] = [];
    for (let i = 0; i < ticks; i++) names.push(emulator.activityTick());
    emulator.setActivity(null);
    return names;
  };

  it('last member leaving deletes the organization (on by default); every accepted invitation makes its membership', async () => {
    await setup({ seedUsers: 15, seed: 21 });
    const names = drive(700, { organizationShare: 0.6, minUsers: 10, maxUsers: 40, maxOrganizations: 12 });
    const events = await sent();
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const step of ORGANIZATION_STEPS) expect(counts.get(step), step).toBeGreaterThan(0);
    // no organization in the truth is left without members
    for (const id of emulator.store.organizationIds()) expect(emulator.store.memberCount(id), id).toBeGreaterThan(0);

    // replay the events: whenever one leaves an organization empty, organization.deleted for it comes next
    const members = new Map<string, Set<string>>();
    const emptied: string[] = [];
    let sweeps = 0;
    for (const [i, e] of events.entries()) {
      if (e.type === 'organizationMembership.created') {
        const m = e.data as ClerkOrganizationMembershipJson;
        const set = members.get(m.organization.id) ?? new Set();
        members.set(m.organization.id, set.add(m.public_user_data!.user_id));
      }
      if (e.type === 'organizationMembership.deleted' || e.type === 'user.deleted') {
        const orgIds =
          e.type === 'user.deleted'
            ? [...members].filter(([, set]) => set.has(e.data.id as string)).map(([id]) => id)
            : [(e.data as ClerkOrganizationMembershipJson).organization.id];
        const userId =
          e.type === 'user.deleted'
            ? (e.data.id as string)
            : (e.data as ClerkOrganizationMembershipJson).public_user_data!.user_id;
        for (const orgId of orgIds) {
          const set = members.get(orgId)!;
          set.delete(userId);
          if (set.size === 0) emptied.push(orgId);
        }
        for (const orgId of emptied.splice(0)) {
          sweeps++;
          const rest = events.slice(i + 1, i + 1 + orgIds.length);
          expect(
            rest.some((x) => x.type === 'organization.deleted' && x.data.id === orgId),
            orgId,
          ).toBe(true);
        }
      }
      if (e.type === 'organization.deleted') members.delete(e.data.id as string);
      // an accepted invitation is followed by the membership of the one who accepted it
      if (e.type === 'organizationInvitation.accepted') {
        const next = events[i + 1]!;
        expect(next.type).toBe('organizationMembership.created');
        const m = next.data as ClerkOrganizationMembershipJson;
        expect([m.organization.id, m.public_user_data!.user_id]).toEqual([e.data.organization_id, e.data.user_id]);
      }
    }
    expect(sweeps).toBeGreaterThan(0);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
  });

  it('with deleteEmptyOrganizations off, organizations left empty stay', async () => {
    await setup({ seedUsers: 15, seed: 21, deliver: false });
    emulator.setActivity({
      perSecond: 1e-9,
      organizationShare: 0.6,
      minUsers: 10,
      maxUsers: 40,
      maxOrganizations: 12,
      deleteEmptyOrganizations: false,
    });
    const emptyNow = () => emulator.store.organizationIds().filter((id) => emulator.store.memberCount(id) === 0);
    let seen: string[] = [];
    for (let i = 0; i < 700 && seen.length === 0; i++) {
      emulator.activityTick();
      seen = emptyNow();
    }
    expect(seen.length).toBeGreaterThan(0);
    // and it stays empty through the steps that follow (only an organization-deleted step may take it)
    for (let i = 0; i < 20; i++) {
      if (emulator.activityTick() === 'organization-deleted') break;
      for (const id of seen) expect(emulator.store.getOrganization(id)).toBeDefined();
    }
    emulator.setActivity(null);
  });

  it('organizationShare 0 sends no organization event; with a share, the other steps keep their mix', async () => {
    await setup({ seedUsers: 10, seed: 9 });
    const off = drive(300, { organizationShare: 0, maxUsers: 60 });
    expect(off.some((n) => ORGANIZATION_STEPS.includes(n))).toBe(false);
    expect((await sent()).some((e) => e.type.startsWith('organization'))).toBe(false);
    expect(emulator.store.organizationIds()).toEqual([]);
    await emulator.close();
    await receiver.close();
    // the mix is read from the step names: no delivery needed
    await setup({ seedUsers: 10, seed: 9, deliver: false });
    const offMix = drive(800, { organizationShare: 0, maxUsers: 60 });
    await emulator.close();
    await receiver.close();
    await setup({ seedUsers: 10, seed: 9, deliver: false });
    const on = drive(1200, { organizationShare: 0.5, maxUsers: 60 });
    const userOnly = on.filter((n) => !ORGANIZATION_STEPS.includes(n));
    // half the steps (give or take) are organization steps; the rest keep the user/session mix
    expect(userOnly.length / on.length).toBeGreaterThan(0.44);
    expect(userOnly.length / on.length).toBeLessThan(0.56);
    const share = (list: string[], name: string) => list.filter((n) => n === name).length / list.length;
    for (const step of ['profile-update', 'sign-in', 'sign-out']) {
      expect(Math.abs(share(userOnly, step) - share(offMix, step)), step).toBeLessThan(0.06);
    }
  });

  it('runs on its timer at perSecond for users and sessions, organization steps on top', async () => {
    await setup({ seedUsers: 10, seed: 4 });
    emulator.setActivity({ perSecond: 100, organizationShare: 0.5 });
    await new Promise((r) => setTimeout(r, 1_000));
    emulator.setActivity(null);
    const events = await sent();
    const orgEvents = events.filter((e) => e.type.startsWith('organization')).length;
    expect(orgEvents).toBeGreaterThan(10);
    // user and session events stay near 100 / s (a Poisson count: wide bounds)
    const userSession = events.filter((e) => /^(user|session|email)\./.test(e.type)).length;
    expect(userSession).toBeGreaterThan(40);
    expect(userSession).toBeLessThan(170);
  });
});
