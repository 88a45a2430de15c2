// The walk's page arithmetic, without Clerk or a database: which items of a page are new, which stretch of created_at
// the page covers, where the next page starts, and when a list is done.
import { describe, expect, it } from 'vitest';
import { advance, startOrgWalk, type OrgWalkState } from './organizations-walk.ts';

const item = (id: string, created_at: number) => ({ id, created_at });
const page = (items: { id: string; created_at: number }[], total: number) => ({ data: items, total_count: total });

describe('organization walk: one page at a time', () => {
  it('a full page covers [from, its newest created_at); the ids at that millisecond are the next stretch’s exclusions', () => {
    const first = advance(startOrgWalk(), page([item('a', 1), item('b', 2), item('c', 2)], 10), 3, 'list');
    expect(first.last).toBe(false);
    expect(first.fresh.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(first.stretch).toEqual({ from: null, to: 2, exclude: new Set() });
    expect(first.next).toEqual({ phase: 'organizations', offset: 3, from: 2, seenAtFrom: ['b', 'c'] });

    // listed again (a creation before the walk's position moved them up): not new
    const second = advance(first.next, page([item('c', 2), item('d', 2), item('e', 5)], 10), 3, 'list');
    expect(second.fresh.map((i) => i.id)).toEqual(['d', 'e']);
    expect(second.stretch).toEqual({ from: 2, to: 5, exclude: new Set(['b', 'c']) });
    expect(second.next.seenAtFrom).toEqual(['e']);
  });

  it('a page all in one millisecond keeps adding to the ids seen there', () => {
    const at: OrgWalkState = { phase: 'memberships', offset: 3, from: 7, seenAtFrom: ['a'] };
    const r = advance(at, page([item('a', 7), item('b', 7), item('c', 7)], 10), 3, 'list');
    expect(r.fresh.map((i) => i.id)).toEqual(['b', 'c']);
    expect(r.next).toEqual({ phase: 'memberships', offset: 6, from: 7, seenAtFrom: ['a', 'b', 'c'] });
  });

  it('a short page, or a full one that reaches the total, ends the list: organizations, then memberships, then done', () => {
    const short = advance(startOrgWalk(), page([item('a', 1)], 1), 3, 'list');
    expect(short.last).toBe(true);
    expect(short.stretch.to).toBeNull();
    expect(short.next).toEqual({ phase: 'memberships', offset: 0, from: null, seenAtFrom: [] });
    const full: OrgWalkState = { phase: 'memberships', offset: 3, from: 1, seenAtFrom: [] };
    const end = advance(full, page([item('x', 2), item('y', 3), item('z', 4)], 6), 3, 'list');
    expect(end.last).toBe(true);
    expect(end.stretch).toEqual({ from: 1, to: null, exclude: new Set() });
    expect(end.next.phase).toBe('done');
    // an empty page after a full one (everything past it was deleted): the rest of the time axis is its stretch
    const empty = advance(full, page([], 3), 3, 'list');
    expect(empty).toMatchObject({ last: true, fresh: [], stretch: { from: 1, to: null } });
  });

  it('refuses an answer out of created_at order: its stretches would not tile the list', () => {
    expect(() => advance(startOrgWalk(), page([item('a', 2), item('b', 1)], 5), 3, 'GET /v1/x')).toThrow(
      /GET \/v1\/x at offset 0 out of created_at order/,
    );
  });
});
