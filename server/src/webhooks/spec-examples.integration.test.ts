// Every example payload of Clerk's webhooks spec (all 45 event types, fixtures/clerk-webhook-examples-all.json),
// signed and sent through the real HTTP endpoint on both providers: each is acknowledged, none ends `failed`,
// each is linked to the user it names, and users and sessions end as the spec's data says.
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

  it('acknowledges every other example, none failed, each linked to the user it names', async () => {
    const others = all.filter((e) => !e.type.startsWith('user.') && !e.type.startsWith('session.'));
    expect(others.length).toBeGreaterThanOrEqual(37);
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
    for (const e of others) {
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
