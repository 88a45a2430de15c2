// Any order converges: one history of two organizations (one deleted), their memberships (role changes, a removal
// and a re-add, memberships arriving before their user or organization) and invitations (accepted, revoked, and
// pending ones of the deleted organization), delivered through the real endpoint in 30 seeded shuffles with
// duplicates (Svix's retries: the same svix-id; a second endpoint: another one). Every order must end at the
// history's final state, and all orders at the same rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PROVIDERS } from '../test/db.ts';
import { startTestServer, type TestServer } from '../test/harness.ts';
import {
  makeDeletedOrganization,
  makeEmailAddress,
  makeEvent,
  makeOrganization,
  makeOrganizationInvitation as makeInvitation,
  makeOrganizationMembership as makeMembership,
  makeUser,
  seedFactories,
} from '../../../emulator/factories.ts';
import { CLERK_ORGANIZATION_VOLATILE_FIELDS } from '../clerk/clerk-json.ts';
import type { OrganizationDetail, UserDetail } from '../contract.ts';

const PERMUTATIONS = 30;
const AT_ONCE = 5;
const MINUTE = 60_000;

interface Delivery {
  type: string;
  data: unknown;
  timestamp: number;
  svixId: string;
}

/** mulberry32: a small seeded generator, so a failing order can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The history, with ids of its own (`tag`), and what it comes to. */
function history(tag: string, base: number) {
  // The rows of two histories must compare equal once their tags are taken out: the same random draws for each
  // history, fixed addresses, and fixed images (an image URL holds its object's id, base64-encoded).
  seedFactories(1);
  const T = (n: number) => base + n * MINUTE;
  const image_url = 'https://img.clerk.com/fixed';
  const person = (n: number, first_name: string, last_name: string) =>
    makeUser({
      id: `user_${tag}${n}`,
      first_name,
      last_name,
      image_url,
      email_addresses: [makeEmailAddress(`${first_name.toLowerCase()}@example.com`, { created_at: T(1) })],
      updated_at: T(1),
      created_at: T(1),
    });
  const u1 = person(1, 'Ada', 'One');
  const u2 = person(2, 'Bo', 'Two');

  const a1 = makeOrganization({
    id: `org_${tag}a`,
    name: 'Acme',
    slug: `acme-${tag}`,
    image_url,
    created_at: T(1),
    updated_at: T(1),
    members_count: 0,
  });
  const a2 = { ...a1, name: 'Acme Two', public_metadata: { plan: 'pro' }, updated_at: T(2) };
  const a3 = { ...a2, slug: `acme-${tag}-3`, updated_at: T(3) };
  const b1 = makeOrganization({
    id: `org_${tag}b`,
    name: 'Beta',
    slug: `beta-${tag}`,
    image_url,
    created_at: T(1),
    updated_at: T(1),
  });

  // Memberships embed their organization as of the change, members_count moved without a new updated_at
  const m1 = makeMembership({ ...a1, members_count: 1 }, u1, { id: `orgmem_${tag}1`, created_at: T(1) });
  const m1u = makeMembership({ ...a2, members_count: 2 }, u1, {
    id: m1.id,
    role: 'org:admin',
    created_at: T(1),
    updated_at: T(2),
  });
  const m2 = makeMembership({ ...a1, members_count: 2 }, u2, { id: `orgmem_${tag}2`, created_at: T(1) });
  const m2u = makeMembership({ ...a2, members_count: 2 }, u2, {
    id: m2.id,
    role: 'org:admin',
    created_at: T(1),
    updated_at: T(2),
  });
  // removed (the deletion carries the membership as it was), then added again: a new membership id
  const m3 = makeMembership({ ...a3, members_count: 2 }, u2, {
    id: `orgmem_${tag}3`,
    created_at: T(4),
    updated_at: T(4),
  });
  const m4 = makeMembership({ ...b1, members_count: 1 }, u1, { id: `orgmem_${tag}4`, created_at: T(1) });
  const m4u = makeMembership({ ...b1, members_count: 1 }, u1, {
    id: m4.id,
    role: 'org:admin',
    created_at: T(1),
    updated_at: T(2),
  });

  const i1 = makeInvitation(a1, {
    id: `orginv_${tag}1`,
    email_address: 'bo@example.com',
    created_at: T(1),
    updated_at: T(1),
  });
  const i2 = makeInvitation(a1, {
    id: `orginv_${tag}2`,
    email_address: 'nobody@example.com',
    created_at: T(1),
    updated_at: T(1),
  });
  const i3 = makeInvitation(b1, {
    id: `orginv_${tag}3`,
    email_address: 'late@example.com',
    created_at: T(1),
    updated_at: T(1),
  });
  const i4 = makeInvitation(b1, {
    id: `orginv_${tag}4`,
    email_address: 'ada@example.com',
    created_at: T(1),
    updated_at: T(1),
  });

  let n = 0;
  const d = (type: string, data: unknown, timestamp: number): Delivery => ({
    type,
    data,
    timestamp,
    svixId: `msg_${tag}_${++n}`,
  });
  const events: Delivery[] = [
    d('user.created', u1, T(1)),
    d('user.created', u2, T(1)),
    d('organization.created', a1, T(1)),
    d('organization.updated', a2, T(2)),
    d('organization.updated', a3, T(3)),
    d('organization.created', b1, T(1)),
    d('organization.deleted', makeDeletedOrganization(b1), T(5)),
    d('organizationMembership.created', m1, T(1)),
    d('organizationMembership.updated', m1u, T(2)),
    d('organizationMembership.created', m2, T(1)),
    d('organizationMembership.updated', m2u, T(2)),
    d('organizationMembership.deleted', m2u, T(3.5)),
    d('organizationMembership.created', m3, T(4)),
    d('organizationMembership.created', m4, T(1)),
    d('organizationMembership.updated', m4u, T(2)),
    d('organizationInvitation.created', i1, T(1)),
    d('organizationInvitation.accepted', { ...i1, status: 'accepted', user_id: u2.id, updated_at: T(2) }, T(2)),
    d('organizationInvitation.created', i2, T(1)),
    d('organizationInvitation.revoked', { ...i2, status: 'revoked' }, T(1)),
    d('organizationInvitation.created', i3, T(1)),
    d('organizationInvitation.created', i4, T(1)),
    d('organizationInvitation.accepted', { ...i4, status: 'accepted', user_id: u1.id, updated_at: T(2) }, T(2)),
  ];

  const expected = {
    organizations: {
      [a1.id]: { deleted: false, name: 'Acme Two', slug: a3.slug, clerkUpdatedAt: T(3), deletedAt: null },
      [b1.id]: { deleted: true, name: 'Beta', slug: b1.slug, clerkUpdatedAt: T(1), deletedAt: T(5) },
    },
    memberships: {
      [m1.id]: {
        organizationId: a1.id,
        userId: u1.id,
        role: 'org:admin',
        deleted: false,
        endedBy: null,
        deletedAt: null,
        clerkUpdatedAt: T(2),
      },
      [m2.id]: {
        organizationId: a1.id,
        userId: u2.id,
        role: 'org:admin',
        deleted: true,
        endedBy: 'membership_deleted',
        deletedAt: T(3.5),
        clerkUpdatedAt: T(2),
      },
      [m3.id]: {
        organizationId: a1.id,
        userId: u2.id,
        role: 'org:member',
        deleted: false,
        endedBy: null,
        deletedAt: null,
        clerkUpdatedAt: T(4),
      },
      [m4.id]: {
        organizationId: b1.id,
        userId: u1.id,
        role: 'org:admin',
        deleted: true,
        endedBy: 'organization_deleted',
        deletedAt: T(5),
        clerkUpdatedAt: T(2),
      },
    },
    invitations: {
      [i1.id]: { status: 'accepted', endedBy: null, userId: u2.id },
      [i2.id]: { status: 'revoked', endedBy: null, userId: null },
      [i3.id]: { status: 'revoked', endedBy: 'organization_deleted', userId: null },
      [i4.id]: { status: 'accepted', endedBy: null, userId: u1.id },
    },
  };
  return {
    events,
    expected,
    ids: { a: a1.id, b: b1.id, u1: u1.id, u2: u2.id, m1: m1.id, m2: m2.id, m3: m3.id, m4: m4.id },
  };
}

/** The history shuffled, with duplicates: three retries (same svix-id) and three copies from a second endpoint. */
function order(events: Delivery[], seed: number): Delivery[] {
  const rnd = random(seed);
  const pick = () => events[Math.floor(rnd() * events.length)]!;
  const retries = [pick(), pick(), pick()];
  const copies = [pick(), pick(), pick()].map((e) => ({ ...e, svixId: `${e.svixId}_copy` }));
  return shuffle([...events, ...retries, ...copies], rnd);
}

const time = (d: Date | null) => d?.getTime() ?? null;

describe.each(TEST_PROVIDERS)('organizations converge in any order on %s', (provider) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(provider);
  });
  afterAll(async () => s?.close());

  /** The rows of one history, with its tag taken out, so that histories compare. */
  async function state(tag: string) {
    const p = s.db.prisma;
    const untag = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(tag, 'T')) as unknown;
    const orgs = await p.organization.findMany({ where: { id: { contains: tag } }, orderBy: { id: 'asc' } });
    const memberships = await p.organizationMembership.findMany({
      where: { id: { contains: tag } },
      orderBy: { id: 'asc' },
    });
    const invitations = await p.organizationInvitation.findMany({
      where: { id: { contains: tag } },
      orderBy: { id: 'asc' },
    });
    const stableOrg = ({
      createdAt: _c,
      updatedAt: _u,
      lastEventSvixId: _l,
      membersCount: _m,
      data,
      ...o
    }: (typeof orgs)[number]) => {
      // counts follow whichever copy of a version came first (Clerk moves them without a new updated_at)
      const json = data ? (JSON.parse(data) as Record<string, unknown>) : null;
      for (const k of CLERK_ORGANIZATION_VOLATILE_FIELDS) delete json?.[k];
      return { ...o, data: json };
    };
    const stable = <R extends { createdAt: Date; updatedAt: Date; lastEventSvixId: string | null }>({
      createdAt: _c,
      updatedAt: _u,
      lastEventSvixId: _l,
      ...r
    }: R) => r;
    return untag({
      organizations: orgs.map(stableOrg),
      memberships: memberships.map(stable),
      invitations: invitations.map(stable),
    });
  }

  it(`ends at the history's final state in ${PERMUTATIONS} orders with duplicates, all orders at the same rows`, async () => {
    const base = Date.now() - 3 * 86_400_000;
    const runs = Array.from({ length: PERMUTATIONS }, (_, i) => {
      const tag = `c${i}x${provider.slice(0, 2)}`;
      return { seed: 1000 + i, tag, ...history(tag, base) };
    });
    const outcomes = new Map<string, number>();
    for (let i = 0; i < runs.length; i += AT_ONCE) {
      // a few histories at once (their ids differ), each one in its own order
      await Promise.all(
        runs.slice(i, i + AT_ONCE).map(async (run) => {
          for (const e of order(run.events, run.seed)) {
            const res = await s.deliver(makeEvent(e.type, e.data, e.timestamp), { svixId: e.svixId });
            const body = (await res.json()) as { outcome?: string };
            expect(res.status, `seed ${run.seed}: ${e.type} ${e.svixId}`).toBe(200);
            outcomes.set(body.outcome!, (outcomes.get(body.outcome!) ?? 0) + 1);
          }
        }),
      );
    }
    expect(outcomes.get('failed') ?? 0).toBe(0);
    expect(outcomes.get('conflict') ?? 0).toBe(0);
    expect(outcomes.get('duplicate')).toBeGreaterThan(0);
    expect(outcomes.get('stale')).toBeGreaterThan(0);

    const p = s.db.prisma;
    let first: unknown = null;
    for (const run of runs) {
      const where = `seed ${run.seed}`;
      for (const [id, want] of Object.entries(run.expected.organizations)) {
        const o = await p.organization.findUniqueOrThrow({ where: { id } });
        expect({ ...o, clerkUpdatedAt: time(o.clerkUpdatedAt), deletedAt: time(o.deletedAt) }, where).toMatchObject(
          want,
        );
      }
      for (const [id, want] of Object.entries(run.expected.memberships)) {
        const m = await p.organizationMembership.findUniqueOrThrow({ where: { id } });
        expect({ ...m, clerkUpdatedAt: time(m.clerkUpdatedAt), deletedAt: time(m.deletedAt) }, where).toMatchObject(
          want,
        );
      }
      for (const [id, want] of Object.entries(run.expected.invitations))
        expect(await p.organizationInvitation.findUniqueOrThrow({ where: { id } }), where).toMatchObject(want);
      const rows = await state(run.tag);
      if (first === null) first = rows;
      else expect(rows, where).toEqual(first);
    }

    // and the read API shows one of them the same way: members, former members, both links of a membership
    const { ids } = runs[0]!;
    const a = (await (await s.api(`/api/organizations/${ids.a}`)).json()) as OrganizationDetail;
    expect(a).toMatchObject({ name: 'Acme Two', deleted: false, membersTotal: 2, pendingInvitations: [] });
    expect(a.members.map((m) => [m.id, m.role, m.userId, m.userHeld])).toEqual([
      [ids.m1, 'org:admin', ids.u1, true],
      [ids.m3, 'org:member', ids.u2, true],
    ]);
    expect(a.formerMembers.map((m) => [m.id, m.endedBy])).toEqual([[ids.m2, 'membership_deleted']]);
    const b = (await (await s.api(`/api/organizations/${ids.b}`)).json()) as OrganizationDetail;
    expect(b).toMatchObject({ deleted: true, members: [], membersTotal: 0, pendingInvitations: [] });
    expect(b.formerMembers.map((m) => [m.id, m.endedBy, m.organizationDeleted])).toEqual([
      [ids.m4, 'organization_deleted', true],
    ]);
    const u2 = (await (await s.api(`/api/users/${ids.u2}`)).json()) as UserDetail;
    expect(u2.memberships.map((m) => [m.id, m.organizationId, m.organizationName, m.deleted])).toEqual([
      [ids.m3, ids.a, 'Acme Two', false],
      [ids.m2, ids.a, 'Acme Two', true],
    ]);
  });
});
