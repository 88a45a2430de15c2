import { describe, expect, it } from 'vitest';
import { compareSideBySide, comparePaths, diffValues, flattenLeaves, formatValue } from './diff.ts';
import { DEPTH_CAPPED, MAX_JSON_DEPTH } from './json-depth.ts';

describe('diffValues', () => {
  it('lists changed, added and removed fields with dotted paths', () => {
    const before = {
      first_name: 'Ada',
      email_addresses: [{ email_address: 'a@x.io' }],
      public_metadata: { plan: 'free' },
    };
    const after = {
      first_name: 'Ada L.',
      email_addresses: [{ email_address: 'a@x.io' }, { email_address: 'b@x.io' }],
      last_name: 'Lovelace',
    };
    expect(diffValues(before, after)).toEqual([
      { path: 'email_addresses.1', kind: 'added', before: undefined, after: { email_address: 'b@x.io' } },
      { path: 'first_name', kind: 'changed', before: 'Ada', after: 'Ada L.' },
      { path: 'last_name', kind: 'added', before: undefined, after: 'Lovelace' },
      { path: 'public_metadata', kind: 'removed', before: { plan: 'free' }, after: undefined },
    ]);
  });

  it('is empty for equal values', () => {
    expect(diffValues({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });

  it('compares non-objects as a whole', () => {
    expect(diffValues(null, { a: 1 })).toEqual([{ path: '(value)', kind: 'changed', before: null, after: { a: 1 } }]);
  });
});

describe('flattenLeaves', () => {
  it('maps leaves by path and keeps empty containers', () => {
    expect([...flattenLeaves({ a: { b: 1, c: [] }, d: [true, null] })]).toEqual([
      ['a.b', 1],
      ['a.c', []],
      ['d.0', true],
      ['d.1', null],
    ]);
  });
});

describe('compareSideBySide', () => {
  it('marks differing fields and keeps equal ones unmarked, in natural path order', () => {
    const local = { id: 'user_1', first_name: 'Ada', emails: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'] };
    const clerk = {
      id: 'user_1',
      first_name: 'Grace',
      emails: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'],
      banned: true,
    };
    const rows = compareSideBySide(local, clerk);
    const byPath = Object.fromEntries(rows.map((r) => [r.path, r]));
    expect(byPath.id!.kind).toBeUndefined();
    expect(byPath.first_name).toEqual({ path: 'first_name', local: 'Ada', clerk: 'Grace', kind: 'changed' });
    expect(byPath.banned).toEqual({ path: 'banned', local: undefined, clerk: true, kind: 'added' });
    const paths = rows.map((r) => r.path);
    expect(paths.indexOf('emails.2')).toBeLessThan(paths.indexOf('emails.10'));
  });

  it("honours the server's diff paths (a parent path marks its children)", () => {
    const rows = compareSideBySide({ meta: { a: 1 } }, { meta: { a: 1 } }, [
      { path: 'meta', kind: 'changed', local: {}, clerk: {} },
    ]);
    expect(rows).toEqual([{ path: 'meta.a', local: 1, clerk: 1, kind: 'changed' }]);
  });

  it('shows a missing side (Clerk 404 / no local copy) as all added or removed', () => {
    expect(compareSideBySide({ a: 1 }, null).map((r) => r.kind)).toEqual(['removed']);
    expect(compareSideBySide(null, { a: 1 }).map((r) => r.kind)).toEqual(['added']);
  });
});

describe('formatValue', () => {
  it('renders strings quoted, missing as a dash', () => {
    expect(formatValue('x')).toBe('"x"');
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue(null)).toBe('null');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
  });
});

describe('deep values (stored before the server refused JSON nested deeper than 64 levels)', () => {
  /** {"a":{"a":…{"a":"leaf"}}} `levels` objects deep, built with a loop. */
  const deep = (levels: number, leaf: unknown = 'leaf') => {
    let v: unknown = leaf;
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };

  it('diffValues cuts both sides at the limit instead of overflowing the stack', () => {
    const rows = diffValues({ id: 'user_1', meta: deep(100_000, 'x') }, { id: 'user_1', meta: deep(100_000, 'y') });
    // below the cut both sides read the same marker, so the deep difference is not (and cannot be) shown
    expect(rows).toEqual([]);
    const changed = diffValues({ id: 'user_1', meta: deep(100_000) }, { id: 'user_2', meta: deep(100_000) });
    expect(changed).toEqual([{ path: 'id', kind: 'changed', before: 'user_1', after: 'user_2' }]);
  });

  it('flattenLeaves and compareSideBySide end the path at the limit with the marker', () => {
    const leaves = flattenLeaves({ meta: deep(100_000) });
    expect(leaves.size).toBe(1);
    const [path, value] = [...leaves][0]!;
    expect(path.split('.')).toHaveLength(MAX_JSON_DEPTH);
    expect(value).toBe(DEPTH_CAPPED);
    const rows = compareSideBySide({ id: 'u', meta: deep(100_000) }, { id: 'u', meta: deep(3) });
    expect(rows.map((r) => r.path)).toEqual([path, 'meta.a.a.a', 'id'].sort(comparePaths));
  });

  it('keeps what is within the limit exactly', () => {
    expect([...flattenLeaves({ meta: deep(MAX_JSON_DEPTH - 1) })][0]![1]).toBe('leaf');
  });

  it('formatValue renders a deep value without recursing past the limit', () => {
    expect(formatValue(deep(100_000))).toContain(DEPTH_CAPPED);
  });
});
