import { describe, expect, it } from 'vitest';
import { diffMemberLists, diffPendingInvitations } from './organization-diff.ts';

const NOW = new Date('2026-11-30T12:00:00Z');
const membership = (id: string, role: string, extra: Record<string, unknown> = {}) => ({
  object: 'organization_membership',
  id,
  role,
  permissions: role === 'org:admin' ? ['a', 'b'] : ['a'],
  public_user_data: { user_id: `user_${id}`, first_name: 'X' },
  updated_at: 1,
  ...extra,
});
const row = (m: Record<string, unknown>, deleted = false) => ({ id: String(m.id), deleted, data: JSON.stringify(m) });

describe('diffMemberLists', () => {
  it('finds missing (none held, or held ended), extra and changed members, missing first', () => {
    const same = membership('m1', 'org:member');
    const promoted = membership('m2', 'org:member');
    const ended = membership('m3', 'org:member');
    const extra = membership('m4', 'org:member');
    const local = [row(same), row(promoted), row(ended, true), row(extra)];
    const clerk = [
      { ...same, organization: { id: 'org_1', members_count: 9 } },
      membership('m2', 'org:admin', { updated_at: 2 }),
      ended,
      membership('m5', 'org:member'),
    ];
    const out = diffMemberLists(local, clerk);
    expect(out.map((d) => [d.kind, d.id])).toEqual([
      ['missing', 'm3'],
      ['missing', 'm5'],
      ['extra', 'm4'],
      ['changed', 'm2'],
    ]);
    expect(out[0]!.local).toMatchObject({ id: 'm3', deleted: true });
    expect(out[1]!.local).toBeNull();
    expect(out[3]!.diff.map((d) => d.path).sort()).toEqual(['permissions.1', 'role', 'updated_at']);
    // the organization a membership embeds is not the membership's
    expect(out.every((d) => d.clerk === null || !('organization' in d.clerk))).toBe(true);
  });

  it("leaves the member's profile out: a renamed user is no difference", () => {
    const m = membership('m1', 'org:member');
    const renamed = { ...m, public_user_data: { user_id: 'user_m1', first_name: 'Renamed' } };
    expect(diffMemberLists([row(m)], [renamed])).toEqual([]);
  });
});

describe('diffPendingInvitations', () => {
  const inv = (id: string, status: string, expiresAt: number | null, extra: Record<string, unknown> = {}) => ({
    object: 'organization_invitation',
    id,
    status,
    email_address: `${id}@x.test`,
    expires_at: expiresAt,
    ...extra,
  });
  const held = (i: ReturnType<typeof inv>) => ({
    id: i.id,
    status: i.status,
    expiresAt: i.expires_at === null ? null : new Date(i.expires_at),
    data: JSON.stringify(i),
  });
  const later = NOW.getTime() + 3_600_000;
  const earlier = NOW.getTime() - 3_600_000;

  it('compares what is pending now on each side; an expired one is pending on neither', () => {
    const local = [
      held(inv('i1', 'pending', later)),
      held(inv('i2', 'pending', later)),
      held(inv('i3', 'pending', earlier)),
      held(inv('i4', 'accepted', later)),
      held(inv('i5', 'pending', null)),
    ];
    const clerk = [
      inv('i1', 'pending', later),
      inv('i4', 'pending', later),
      inv('i5', 'pending', null, { role: 'org:admin' }),
      inv('i6', 'pending', earlier),
      inv('i7', 'pending', later),
    ];
    const out = diffPendingInvitations(local, clerk, NOW);
    expect(out.map((d) => [d.kind, d.id, d.local?.status ?? null])).toEqual([
      ['missing', 'i4', 'accepted'],
      ['missing', 'i7', null],
      ['extra', 'i2', 'pending'],
      ['changed', 'i5', 'pending'],
    ]);
    expect(out[3]!.diff).toEqual([{ path: 'role', kind: 'added', local: undefined, clerk: 'org:admin' }]);
  });
});
