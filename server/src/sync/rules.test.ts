import { describe, expect, it } from 'vitest';
import {
  decideInvitationVersion,
  decideMembershipDeletion,
  decideMembershipVersion,
  decideOrganizationDeletion,
  decideOrganizationVersion,
  decideSessionVersion,
  decideUserDeletion,
  decideUserVersion,
  effectiveInvitationStatus,
  type HeldMembership,
  type MembershipEnd,
} from './rules.ts';

const t = (ms: number) => new Date(ms);
const alive = (ms: number) => ({ deleted: false, clerkUpdatedAt: t(ms) });
const tomb = { deleted: true, clerkUpdatedAt: null };

describe('decideUserVersion', () => {
  it('applies the first version seen', () => expect(decideUserVersion(null, t(1))).toBe('apply'));
  it('applies a strictly newer version', () => expect(decideUserVersion(alive(1), t(2))).toBe('apply'));
  it('marks an older version stale', () => expect(decideUserVersion(alive(2), t(1))).toBe('stale'));
  it('marks the same version duplicate', () => expect(decideUserVersion(alive(2), t(2))).toBe('duplicate'));
  it('never resurrects a tombstone, however new the update', () => {
    expect(decideUserVersion(tomb, t(Number.MAX_SAFE_INTEGER / 2))).toBe('stale');
    expect(decideUserVersion({ deleted: true, clerkUpdatedAt: t(5) }, t(6))).toBe('stale');
  });
  it('applies over a row that holds no version yet', () =>
    expect(decideUserVersion({ deleted: false, clerkUpdatedAt: null }, t(1))).toBe('apply'));
});

describe('decideUserDeletion', () => {
  it('tombstones an unknown user (delete before create)', () => expect(decideUserDeletion(null)).toBe('apply'));
  it('tombstones a live user', () => expect(decideUserDeletion(alive(9))).toBe('apply'));
  it('treats a second deletion as duplicate', () => expect(decideUserDeletion(tomb)).toBe('duplicate'));
});

describe('decideSessionVersion', () => {
  it('applies first and newer, refuses older and equal', () => {
    expect(decideSessionVersion(null, t(1))).toBe('apply');
    expect(decideSessionVersion({ clerkUpdatedAt: t(1) }, t(2))).toBe('apply');
    expect(decideSessionVersion({ clerkUpdatedAt: t(2) }, t(1))).toBe('stale');
    expect(decideSessionVersion({ clerkUpdatedAt: t(2) }, t(2))).toBe('duplicate');
  });
});

describe('convergence of the rules', () => {
  // Fold every permutation of a user's history through the rules: the held state must be the same.
  type Ev = { kind: 'upsert'; at: number } | { kind: 'delete' };
  function fold(events: Ev[]) {
    let held = null as { deleted: boolean; clerkUpdatedAt: Date | null } | null;
    for (const e of events) {
      if (e.kind === 'delete') {
        if (decideUserDeletion(held) === 'apply')
          held = { deleted: true, clerkUpdatedAt: held?.clerkUpdatedAt ?? null };
      } else if (decideUserVersion(held, t(e.at)) === 'apply') {
        held = { deleted: false, clerkUpdatedAt: t(e.at) };
      }
    }
    return held?.deleted ? 'deleted' : held?.clerkUpdatedAt?.getTime();
  }
  function permutations<T>(xs: T[]): T[][] {
    if (xs.length <= 1) return [xs];
    return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  }
  it('every order of create/update/update/delete ends deleted', () => {
    const history: Ev[] = [
      { kind: 'upsert', at: 1 },
      { kind: 'upsert', at: 2 },
      { kind: 'upsert', at: 3 },
      { kind: 'delete' },
    ];
    for (const p of permutations(history)) expect(fold(p)).toBe('deleted');
  });
  it('every order of updates (with a duplicate) ends at the newest', () => {
    const history: Ev[] = [1, 2, 3, 3, 4].map((at) => ({ kind: 'upsert', at }) as Ev);
    for (const p of permutations(history)) expect(fold(p)).toBe(4);
  });
});

describe('decideOrganizationVersion and decideOrganizationDeletion', () => {
  it('orders versions by updated_at; a tie is a duplicate with the same content, a conflict without', () => {
    expect(decideOrganizationVersion(null, t(1))).toBe('apply');
    expect(decideOrganizationVersion(alive(1), t(2))).toBe('apply');
    expect(decideOrganizationVersion(alive(2), t(1))).toBe('stale');
    expect(decideOrganizationVersion(alive(2), t(2), () => true)).toBe('duplicate');
    expect(decideOrganizationVersion(alive(2), t(2), () => false)).toBe('conflict');
  });
  it('records newer versions on a tombstone (it stays deleted: ingest/apply.ts), older ones are stale', () => {
    expect(decideOrganizationVersion({ deleted: true, clerkUpdatedAt: t(5) }, t(6))).toBe('apply');
    expect(decideOrganizationVersion({ deleted: true, clerkUpdatedAt: t(5) }, t(5), () => true)).toBe('duplicate');
    expect(decideOrganizationVersion({ deleted: true, clerkUpdatedAt: t(5) }, t(4))).toBe('stale');
    expect(decideOrganizationVersion(tomb, t(1))).toBe('apply');
  });
  it('deletes an unknown or live organization; a second deletion is a duplicate', () => {
    expect(decideOrganizationDeletion(null)).toBe('apply');
    expect(decideOrganizationDeletion(alive(3))).toBe('apply');
    expect(decideOrganizationDeletion(tomb)).toBe('duplicate');
  });
});

describe('decideMembershipVersion and decideMembershipDeletion', () => {
  const held = (ms: number, endedBy: MembershipEnd | null = null): HeldMembership => ({
    clerkUpdatedAt: t(ms),
    endedBy,
  });
  it('orders live versions by updated_at, deciding a tie by content', () => {
    expect(decideMembershipVersion(null, t(1))).toBe('apply');
    expect(decideMembershipVersion(held(1), t(2))).toBe('apply');
    expect(decideMembershipVersion(held(2), t(1))).toBe('stale');
    expect(decideMembershipVersion(held(2), t(2), () => true)).toBe('duplicate');
    expect(decideMembershipVersion(held(2), t(2), () => false)).toBe('conflict');
  });
  it('a deletion wins the tie with the version it carries, and is final against any later version', () => {
    expect(decideMembershipDeletion(held(2))).toBe('apply');
    expect(decideMembershipDeletion(held(9))).toBe('apply');
    expect(decideMembershipVersion(held(2, 'membership_deleted'), t(2), () => true)).toBe('stale');
    expect(decideMembershipVersion(held(2, 'membership_deleted'), t(1))).toBe('stale');
    expect(decideMembershipVersion(held(2, 'membership_deleted'), t(3))).toBe('stale');
    expect(decideMembershipDeletion(held(2, 'membership_deleted'))).toBe('duplicate');
  });
  it("a membership ended by its organization's deletion still takes newer versions; Clerk's deletion still applies", () => {
    expect(decideMembershipVersion(held(1, 'organization_deleted'), t(2))).toBe('apply');
    expect(decideMembershipVersion(held(2, 'organization_deleted'), t(1))).toBe('stale');
    expect(decideMembershipDeletion(held(2, 'organization_deleted'))).toBe('apply');
  });
});

describe('decideInvitationVersion', () => {
  const inv = (ms: number, status: string) => ({ clerkUpdatedAt: t(ms), status });
  it('orders versions by updated_at', () => {
    expect(decideInvitationVersion(null, t(1), 'pending')).toBe('apply');
    expect(decideInvitationVersion(inv(1, 'pending'), t(2), 'pending')).toBe('apply');
    expect(decideInvitationVersion(inv(2, 'pending'), t(1), 'pending')).toBe('stale');
    expect(decideInvitationVersion(inv(2, 'accepted'), t(2), 'accepted')).toBe('duplicate');
  });
  it('accepted and revoked win a tie against pending, and pending never reopens them', () => {
    expect(decideInvitationVersion(inv(5, 'pending'), t(5), 'accepted')).toBe('apply');
    expect(decideInvitationVersion(inv(5, 'pending'), t(5), 'revoked')).toBe('apply');
    expect(decideInvitationVersion(inv(5, 'accepted'), t(5), 'pending')).toBe('stale');
    expect(decideInvitationVersion(inv(5, 'revoked'), t(9), 'pending')).toBe('stale');
    // an accepted version dated before a pending one still ends it
    expect(decideInvitationVersion(inv(9, 'pending'), t(5), 'accepted')).toBe('apply');
  });
  it('between two ends: newer wins, and at a tie revoked outranks accepted (one answer in every order)', () => {
    expect(decideInvitationVersion(inv(5, 'accepted'), t(6), 'revoked')).toBe('apply');
    expect(decideInvitationVersion(inv(6, 'revoked'), t(5), 'accepted')).toBe('stale');
    expect(decideInvitationVersion(inv(5, 'accepted'), t(5), 'revoked')).toBe('apply');
    expect(decideInvitationVersion(inv(5, 'revoked'), t(5), 'accepted')).toBe('stale');
  });
  it('counts a pending invitation past expires_at as expired', () => {
    expect(effectiveInvitationStatus({ status: 'pending', expiresAt: t(10) }, t(11))).toBe('expired');
    expect(effectiveInvitationStatus({ status: 'pending', expiresAt: t(10) }, t(9))).toBe('pending');
    expect(effectiveInvitationStatus({ status: 'pending', expiresAt: null }, t(9))).toBe('pending');
    expect(effectiveInvitationStatus({ status: 'accepted', expiresAt: t(1) }, t(9))).toBe('accepted');
  });
  it('every order of an invitation history ends at the same status', () => {
    const versions = [inv(1, 'pending'), inv(2, 'pending'), inv(2, 'accepted'), inv(2, 'accepted'), inv(1, 'pending')];
    const ends = new Set<string>();
    for (const p of permutations(versions)) {
      let held: { clerkUpdatedAt: Date; status: string } | null = null;
      for (const v of p) if (decideInvitationVersion(held, v.clerkUpdatedAt, v.status) === 'apply') held = v;
      ends.add(`${held!.status}@${held!.clerkUpdatedAt.getTime()}`);
    }
    expect([...ends]).toEqual(['accepted@2']);
  });
});

describe('convergence of the membership rules, with the organization deleted', () => {
  // A membership's versions, its deletion by Clerk and its organization's deletion, folded in every order the way
  // ingest/apply.ts writes them: the held version, whether it is live, and why it ended must not depend on order.
  type Ev = { kind: 'version'; at: number } | { kind: 'deleted'; at: number } | { kind: 'org_deleted' };
  function fold(events: Ev[]) {
    let held = null as (HeldMembership & { live: boolean }) | null;
    let orgDeleted = false;
    for (const e of events) {
      if (e.kind === 'org_deleted') {
        orgDeleted = true;
        if (held?.live) held = { ...held, live: false, endedBy: 'organization_deleted' };
      } else if (e.kind === 'deleted') {
        if (decideMembershipDeletion(held) === 'apply')
          held = { clerkUpdatedAt: t(e.at), endedBy: 'membership_deleted', live: false };
      } else if (decideMembershipVersion(held, t(e.at), () => true) === 'apply') {
        held = {
          clerkUpdatedAt: t(e.at),
          endedBy: orgDeleted ? 'organization_deleted' : null,
          live: !orgDeleted,
        };
      }
    }
    return held && `${held.clerkUpdatedAt.getTime()} ${held.live ? 'live' : held.endedBy}`;
  }
  const results = (history: Ev[]) => new Set(permutations(history).map(fold));
  it('ended by the organization: with the last version Clerk sent', () => {
    const history: Ev[] = [{ kind: 'version', at: 1 }, { kind: 'version', at: 2 }, { kind: 'org_deleted' }];
    expect([...results(history)]).toEqual(['2 organization_deleted']);
  });
  it('deleted by Clerk (the deletion carries the last version), whether or not the organization went too', () => {
    const history: Ev[] = [
      { kind: 'version', at: 1 },
      { kind: 'version', at: 2 },
      { kind: 'deleted', at: 2 },
      { kind: 'deleted', at: 2 },
    ];
    expect([...results(history)]).toEqual(['2 membership_deleted']);
    expect([...results([...history.slice(1), { kind: 'org_deleted' }])]).toEqual(['2 membership_deleted']);
  });
});

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}
