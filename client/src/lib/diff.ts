// Field-level diffs for the dashboard: event "what changed" (microdiff between two versions of a user) and the
// side-by-side local vs Clerk comparison. Pure functions; the DiffTable component renders their rows. Inputs
// are cut at MAX_JSON_DEPTH levels first (microdiff recurses), and flattening is a loop.
import microdiff from 'microdiff';
import type { FieldDiff } from '@contract/contract.ts';
import { capDepth, DEPTH_CAPPED, MAX_JSON_DEPTH } from './json-depth.ts';

export type DiffKind = FieldDiff['kind'];

export interface DiffRow {
  path: string;
  kind: DiffKind;
  before: unknown;
  after: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null;

export const joinPath = (path: readonly (string | number)[]): string => path.map(String).join('.');

/** What changed from `before` to `after`, one row per changed path (arrays by index), sorted by path. */
export function diffValues(rawBefore: unknown, rawAfter: unknown): DiffRow[] {
  const before = capDepth(rawBefore);
  const after = capDepth(rawAfter);
  if (!isObject(before) || !isObject(after)) {
    return Object.is(before, after) ? [] : [{ path: '(value)', kind: 'changed', before, after }];
  }
  return microdiff(before, after)
    .map((d): DiffRow => {
      const path = joinPath(d.path);
      if (d.type === 'CREATE') return { path, kind: 'added', before: undefined, after: d.value };
      if (d.type === 'REMOVE') return { path, kind: 'removed', before: d.oldValue, after: undefined };
      return { path, kind: 'changed', before: d.oldValue, after: d.value };
    })
    .sort((a, b) => comparePaths(a.path, b.path));
}

/** The server's local-vs-Clerk diff in the same row shape (local = before, Clerk = after). */
export function fromFieldDiffs(diff: readonly FieldDiff[]): DiffRow[] {
  return diff.map((d) => ({ path: d.path, kind: d.kind, before: d.local, after: d.clerk }));
}

/**
 * Leaf values by dotted path, in document order; empty objects/arrays count as leaves so they still show up.
 * Containers below `maxDepth` levels become one leaf (capDepth's marker).
 */
export function flattenLeaves(
  value: unknown,
  prefix = '',
  out = new Map<string, unknown>(),
  maxDepth = MAX_JSON_DEPTH,
): Map<string, unknown> {
  const stack: [value: unknown, path: string, depth: number][] = [[value, prefix, 1]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (!isObject(v)) {
      if (path) out.set(path, v);
      continue;
    }
    if (depth > maxDepth) {
      if (path) out.set(path, DEPTH_CAPPED);
      continue;
    }
    const entries = Array.isArray(v) ? v.map((c, i) => [String(i), c] as const) : Object.entries(v);
    if (entries.length === 0 && path) out.set(path, v);
    // pushed last to first, so the first child comes off the stack first
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      stack.push([child, path ? `${path}.${key}` : key, depth + 1]);
    }
  }
  return out;
}

export interface CompareRow {
  path: string;
  local: unknown;
  clerk: unknown;
  /** undefined when both sides agree */
  kind: DiffKind | undefined;
}

/**
 * Every field of both versions side by side. A row differs when the server's diff names it (or a parent of it)
 * or when the two values are not equal, so a stale server diff cannot hide a visible difference.
 */
export function compareSideBySide(local: unknown, clerk: unknown, diff: readonly FieldDiff[] = []): CompareRow[] {
  const l = flattenLeaves(local);
  const c = flattenLeaves(clerk);
  const paths = [...new Set([...l.keys(), ...c.keys()])].sort(comparePaths);
  return paths.map((path) => {
    const inLocal = l.has(path);
    const inClerk = c.has(path);
    const lv = l.get(path);
    const cv = c.get(path);
    let kind: DiffKind | undefined;
    if (!inLocal && inClerk) kind = 'added';
    else if (inLocal && !inClerk) kind = 'removed';
    else if (JSON.stringify(lv) !== JSON.stringify(cv)) kind = 'changed';
    else if (diff.some((d) => path === d.path || path.startsWith(`${d.path}.`))) kind = 'changed';
    return { path, local: lv, clerk: cv, kind };
  });
}

/** Path order that reads naturally: `a.2` before `a.10`. */
export function comparePaths(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Clerk's `*_at` fields are epoch milliseconds: the local date for a tooltip, else undefined. */
export function timestampHint(path: string, value: unknown): string | undefined {
  if (typeof value !== 'number' || !/_at$/.test(path) || value < 1e11) return undefined;
  return new Date(value).toLocaleString();
}

/** One-line rendering of a leaf value for tables. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON.stringify recurses: cut first
  return JSON.stringify(capDepth(value)) ?? String(value);
}
