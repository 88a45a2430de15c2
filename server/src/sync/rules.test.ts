import { describe, expect, it } from 'vitest';
import { decideSessionVersion, decideUserDeletion, decideUserVersion } from './rules.ts';

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
