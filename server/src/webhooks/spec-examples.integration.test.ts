// Every example payload of Clerk's webhooks spec (all 45 event types, fixtures/clerk-webhook-examples-all.json),
// signed and sent through the real HTTP endpoint on both providers: each is acknowledged, none ends `failed`,
// each is linked to the user (and organization) it names, and users, sessions, organizations, memberships and
// invitations end as the spec's data says.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import type { EventSummary, Page } from '../contract.ts';

interface Example {
  type: string;
  timestamp: number;
  data: Record<string, unknown>;
}
const fixture = JSON.parse(
  readFileSync(new URL('../clerk/fixtures/clerk-webhook-examples-all.json', import.meta.url), 'utf8'),
) as {
  examples: Record<string, Example[]>;
};
const all = Object.values(fixture.examples).flat();
const of = (type: string) => fixture.examples[type]![0]!;
const USER_ID = 'user_2g7np7Hrk0SN6kj5EDMLDaKNL0S';
const ORG_ID = 'org_2g7np7Hrk0SN6kj5EDMLDaKNL0S';
/** The projected organization family: organization.*, organizationMembership.*, organizationInvitation.* */
const ORG_FAMILY = /^(organization|organizationMembership|organizationInvitation)\./;
const withoutOrganization = (d: Record<string, unknown>) => {
  const { organization: _organization, ...rest } = d;
  return rest;
};

/** The user each example names, as the spec's schemas place it. */
function namedUser(e: Example): string | null {
  const d = e.data;
  if (e.type.startsWith('user.')) return d.id as string;
  const nested = [
    d.user_id,
    (d.public_user_data as { user_id?: unknown } | undefined)?.user_id,
    (d.payer as { user_id?: unknown } | undefined)?.user_id,
    d.inviter_id,
  ];
  return (nested.find((v) => typeof v === 'string' && v.startsWith('user_')) as string | undefined) ?? null;
}

describe.each(TEST_PROVIDERS)("the webhooks spec's examples through the endpoint on %s", (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(provider);
  });
  afterAll(async () => s?.close());

  let n = 0;
  const send = async (e: Example) => {
    const svixId = `msg_spec_example_${++n}`;
    const res = await s.deliver(e, { svixId });
    const body = (await res.json()) as { ok?: boolean; outcome?: string; error?: unknown };
    return { status: res.status, body, svixId };
  };

  it('covers every event type the spec defines', () => {
    expect(Object.keys(fixture.examples)).toHaveLength(45);
    expect(all.length).toBeGreaterThanOrEqual(45);
  });

  it('projects the user examples as their data says', async () => {
    expect(await send(of('user.created'))).toMatchObject({ status: 200, body: { ok: true, outcome: 'applied' } });
    expect(await send(of('user.updated'))).toMatchObject({ status: 200, body: { ok: true, outcome: 'applied' } });
    const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: USER_ID } });
    expect(JSON.parse(row.data!)).toEqual(of('user.updated').data);
    expect(row.clerkUpdatedAt!.getTime()).toBe(of('user.updated').data.updated_at);
  });

  it('projects the session examples: one session, all at one updated_at, the end of highest precedence wins', async () => {
    const outcomes: string[] = [];
    for (const type of ['session.created', 'session.pending', 'session.ended', 'session.removed', 'session.revoked']) {
      const r = await send(of(type));
      expect(r.status, type).toBe(200);
      outcomes.push(r.body.outcome!);
    }
    // pending after active at the same time is older news; each end outranks the one before it
    expect(outcomes).toEqual(['applied', 'stale', 'applied', 'applied', 'applied']);
    const session = await s.db.prisma.session.findUniqueOrThrow({ where: { id: 'sess_2g7np7Hrk0SN6kj5EDMLDaKNL0S' } });
    expect(session.status).toBe('revoked');
    expect(session.userId).toBe(USER_ID);
    // the embedded user is not kept in the session row
    const { user: _user, ...sessionData } = of('session.revoked').data;
    expect(JSON.parse(session.data)).toEqual(sessionData);
    // the embedded user is older than the user.updated held: the user is unchanged
    const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: USER_ID } });
    expect(JSON.parse(row.data!)).toEqual(of('user.updated').data);
  });

  it('projects the organization, membership and invitation examples as their data says', async () => {
    const family = all.filter((e) => ORG_FAMILY.test(e.type));
    expect(family.map((e) => e.type).sort()).toEqual([
      'organization.created',
      'organization.deleted',
      'organization.updated',
      'organizationInvitation.accepted',
      'organizationInvitation.created',
      'organizationInvitation.revoked',
      'organizationMembership.created',
      'organizationMembership.deleted',
      'organizationMembership.updated',
    ]);
    const p = s.db.prisma;
    const outcome = async (type: string) => {
      const r = await send(of(type));
      expect(r.status, type).toBe(200);
      const event = await p.event.findUniqueOrThrow({ where: { svixId: r.svixId } });
      // every one is on the organization's timeline, and on the user's it names
      expect(event.organizationId, type).toBe(ORG_ID);
      expect(event.userId, type).toBe(namedUser(of(type)));
      return r.body.outcome;
    };

    expect(await outcome('organization.created')).toBe('applied');
    expect(await outcome('organization.updated')).toBe('applied');
    let org = await p.organization.findUniqueOrThrow({ where: { id: ORG_ID } });
    expect(JSON.parse(org.data!)).toEqual(of('organization.updated').data);
    expect(org).toMatchObject({
      name: 'Acme Corp Updated',
      slug: 'acme-corp-updated',
      membersCount: 3,
      deleted: false,
    });

    // The membership embeds organization versions older than (created) or tied with (updated, other name) the
    // one held: the organization stays as organization.updated left it, the membership applies.
    expect(await outcome('organizationMembership.created')).toBe('applied');
    expect(await outcome('organizationMembership.updated')).toBe('applied');
    const MEMBERSHIP_ID = of('organizationMembership.created').data.id as string;
    let m = await p.organizationMembership.findUniqueOrThrow({ where: { id: MEMBERSHIP_ID } });
    expect(m).toMatchObject({
      organizationId: ORG_ID,
      userId: 'user_2h8op3Isl1QR7tKu5FGNfaLKEoU',
      role: 'org:admin',
      roleName: 'Admin',
      deleted: false,
    });
    expect(JSON.parse(m.permissions)).toEqual(of('organizationMembership.updated').data.permissions);
    expect(JSON.parse(m.data)).toEqual(withoutOrganization(of('organizationMembership.updated').data));
    org = await p.organization.findUniqueOrThrow({ where: { id: ORG_ID } });
    expect(JSON.parse(org.data!)).toEqual(of('organization.updated').data);

    // The deletion carries the membership as it was, its updated_at older than the one held: it still wins.
    expect(await outcome('organizationMembership.deleted')).toBe('applied');
    m = await p.organizationMembership.findUniqueOrThrow({ where: { id: MEMBERSHIP_ID } });
    expect(m).toMatchObject({ deleted: true, endedBy: 'membership_deleted', role: 'org:member' });
    expect(m.deletedAt!.getTime()).toBe(of('organizationMembership.deleted').timestamp * 1000);
    expect(JSON.parse(m.data)).toEqual(withoutOrganization(of('organizationMembership.deleted').data));
    // a late update cannot bring it back
    expect(await outcome('organizationMembership.updated')).toBe('stale');

    const INVITATION_ID = of('organizationInvitation.created').data.id as string;
    expect(await outcome('organizationInvitation.created')).toBe('applied');
    expect(await p.organizationInvitation.findUniqueOrThrow({ where: { id: INVITATION_ID } })).toMatchObject({
      organizationId: ORG_ID,
      emailAddress: 'jane.doe@acme.com',
      status: 'pending',
      role: 'org:member',
    });
    expect(await outcome('organizationInvitation.accepted')).toBe('applied');
    expect(await p.organizationInvitation.findUniqueOrThrow({ where: { id: INVITATION_ID } })).toMatchObject({
      status: 'accepted',
      userId: 'user_2h8op3Isl1QR7tKu5FGNfaLKEoU',
    });
    // accepted and revoked carry the same updated_at in the spec: revoked ranks last, in either order
    expect(await outcome('organizationInvitation.revoked')).toBe('applied');
    expect(await outcome('organizationInvitation.accepted')).toBe('stale');
    expect(await outcome('organizationInvitation.created')).toBe('stale');
    const invitation = await p.organizationInvitation.findUniqueOrThrow({ where: { id: INVITATION_ID } });
    expect(invitation).toMatchObject({ status: 'revoked', endedBy: null });
    expect(JSON.parse(invitation.data)).toEqual(of('organizationInvitation.revoked').data);

    expect(await outcome('organization.deleted')).toBe('applied');
    org = await p.organization.findUniqueOrThrow({ where: { id: ORG_ID } });
    expect(org).toMatchObject({ deleted: true, syncStatus: 'deleted', name: 'Acme Corp Updated' });
    expect(org.deletedAt!.getTime()).toBe(of('organization.deleted').timestamp * 1000);
    // nothing brings it back: the version held again (a duplicate), an older one embedded in a membership
    expect(await outcome('organization.updated')).toBe('duplicate');
    expect(await outcome('organizationMembership.created')).toBe('stale');
    expect((await p.organization.findUniqueOrThrow({ where: { id: ORG_ID } })).deleted).toBe(true);
    expect(await outcome('organization.deleted')).toBe('duplicate');

    // the organization's timeline lists every one of them
    const timeline = (await (
      await s.api(`/api/events?organizationId=${ORG_ID}&limit=200`)
    ).json()) as Page<EventSummary>;
    expect(new Set(timeline.items.map((i) => i.type))).toEqual(new Set(family.map((e) => e.type)));
  });

  it('acknowledges every other example, none failed, each linked to the user it names', async () => {
    const others = all.filter(
      (e) => !e.type.startsWith('user.') && !e.type.startsWith('session.') && !ORG_FAMILY.test(e.type),
    );
    expect(others.length).toBeGreaterThanOrEqual(28);
    for (const e of others) {
      const r = await send(e);
      expect(r.status, e.type).toBe(200);
      expect(r.body.outcome, e.type).toBe('not_projected');
      const event = await s.db.prisma.event.findUniqueOrThrow({ where: { svixId: r.svixId } });
      expect(event.userId, e.type).toBe(namedUser(e));
      // the envelope's time is in seconds in the spec's examples: read as such
      expect(event.occurredAt?.getTime(), e.type).toBe(e.timestamp * 1000);
    }
    // what names a user shows on that user's timeline (GET /api/events?userId=), for every user named
    const byUser = new Map<string, string[]>();
    for (const e of all.filter((x) => !x.type.startsWith('user.') && !x.type.startsWith('session.'))) {
      const u = namedUser(e);
      if (u) byUser.set(u, [...(byUser.get(u) ?? []), e.type]);
    }
    const namedTypes = [...byUser.values()].flat();
    expect(namedTypes).toEqual(
      expect.arrayContaining([
        'sms.created',
        'email.created',
        'organizationMembership.created',
        'organizationInvitation.accepted',
        'subscription.created',
      ]),
    );
    for (const [userId, types] of byUser) {
      const timeline = (await (await s.api(`/api/events?userId=${userId}&limit=200`)).json()) as Page<EventSummary>;
      expect(timeline.items.map((i) => i.type).sort(), userId).toEqual(expect.arrayContaining(types.sort()));
    }
  });

  it('tombstones the user of the user.deleted example at the envelope time', async () => {
    expect(await send(of('user.deleted'))).toMatchObject({ status: 200, body: { ok: true, outcome: 'applied' } });
    const row = await s.db.prisma.user.findUniqueOrThrow({ where: { id: USER_ID } });
    expect(row.deleted).toBe(true);
    expect(row.deletedAt!.getTime()).toBe(of('user.deleted').timestamp * 1000);
    expect(await s.db.prisma.event.count({ where: { outcome: 'failed' } })).toBe(0);
    expect(await s.db.prisma.delivery.count({ where: { failed: true } })).toBe(0);
  });
});
