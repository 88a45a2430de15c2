// Pure logic behind the live lists: merging batched socket messages into React Query's infinite-query cache,
// batching them so bursts cause one render per tick, and the "paused" view. No React here; unit-tested.
import type { InfiniteData } from '@tanstack/react-query';
import type { DeliverySummary, EventSummary, Page } from '@contract/contract.ts';
import type { DeliveryFilters, EventFilters } from './query-keys.ts';

/** How many items one live list keeps in memory; older ones are dropped (the server still has them). */
export const LIVE_WINDOW = 2000;

export interface LivePage<T> extends Page<T> {
  /** set when the live window cut this page: its cursor no longer continues the list */
  trimmed?: boolean;
}
export type FeedData<T> = InfiniteData<LivePage<T>, unknown>;

interface Identified {
  id: number;
}

export interface MergeOptions<T> {
  /** items that do not match the list's active filter are not inserted */
  matches?: (item: T) => boolean;
  limit?: number;
}

/**
 * Merge incoming items into a cached infinite list: dedupe by id, newest (highest id) first, bounded window.
 * Returns the same object when nothing changes, so React Query does not re-render for it.
 * Returns undefined for a list that was never loaded: its first fetch will bring the items anyway.
 */
export function mergeIntoFeed<T extends Identified>(
  data: FeedData<T> | undefined,
  incoming: readonly T[],
  { matches = () => true, limit = LIVE_WINDOW }: MergeOptions<T> = {},
): FeedData<T> | undefined {
  if (!data || data.pages.length === 0) return data;
  const held = new Map<number, T>();
  for (const page of data.pages) for (const item of page.items) held.set(item.id, item);

  const fresh = new Map<number, T>();
  for (const item of incoming) {
    if (!held.has(item.id) && matches(item)) fresh.set(item.id, item);
  }
  if (fresh.size === 0) return data;

  // Keep the older pages' sizes so the last page still ends where its cursor continues; page 0 absorbs the new.
  const all = [...held.values(), ...fresh.values()].sort((a, b) => b.id - a.id);
  const tailSizes = data.pages.slice(1).map((p) => p.items.length);
  const headSize = all.length - tailSizes.reduce((s, n) => s + n, 0);
  const sizes = [headSize, ...tailSizes];
  let offset = 0;
  let pages: LivePage<T>[] = data.pages.map((page, i) => {
    const size = sizes[i] ?? 0;
    const items = all.slice(offset, offset + size);
    offset += size;
    return { ...page, items };
  });
  let pageParams = data.pageParams;

  if (all.length > limit) {
    // Drop whole pages first (each kept page's cursor stays exact), then cut inside the last one.
    let total = all.length;
    let keep = pages.length;
    while (keep > 1 && total - (pages[keep - 1]?.items.length ?? 0) >= limit) {
      total -= pages[keep - 1]?.items.length ?? 0;
      keep -= 1;
    }
    pages = pages.slice(0, keep);
    pageParams = pageParams.slice(0, keep);
    if (total > limit) {
      const last = pages[keep - 1]!;
      const cut = last.items.length - (total - limit);
      pages[keep - 1] = { ...last, items: last.items.slice(0, cut), nextCursor: null, trimmed: true };
    }
  }
  return { pages, pageParams };
}

export function flattenFeed<T>(data: FeedData<T> | undefined): T[] {
  return data ? data.pages.flatMap((p) => p.items) : [];
}

export function isFeedTrimmed<T>(data: FeedData<T> | undefined): boolean {
  return !!data?.pages.at(-1)?.trimmed;
}

export function newestId(items: readonly Identified[]): number | undefined {
  let max: number | undefined;
  for (const item of items) if (max === undefined || item.id > max) max = item.id;
  return max;
}

/** `user.created,session.`: any listed type; an entry ending in "." is a prefix (as the server reads it). */
export function matchesType(filter: string, type: string): boolean {
  const entries = filter
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return entries.length === 0 || entries.some((t) => (t.endsWith('.') ? type.startsWith(t) : type === t));
}

/** A user filter given as an email or a name: only the server can match it (the summary carries the id). */
export const isUserIdFilter = (userId: string): boolean => /^user_[A-Za-z0-9]+$/.test(userId);

export function matchesEventFilters(filters: EventFilters): (e: EventSummary) => boolean {
  const q = filters.q?.trim().toLowerCase();
  const from = filters.from ? Date.parse(filters.from) : undefined;
  const to = filters.to ? Date.parse(filters.to) : undefined;
  return (e) => {
    if (filters.type && !matchesType(filters.type, e.type)) return false;
    if (filters.outcome && e.outcome !== filters.outcome) return false;
    if (filters.userId && e.userId !== filters.userId) return false;
    const at = Date.parse(e.receivedAt);
    if (from !== undefined && at < from) return false;
    if (to !== undefined && at > to) return false;
    if (q) {
      const haystack = [e.svixId, e.type, e.userId, e.objectId, e.error].filter(Boolean).join(' ').toLowerCase();
      if (!haystack.includes(q)) return false;
    }
    return true;
  };
}

export function matchesDeliveryFilters(filters: DeliveryFilters): (d: DeliverySummary) => boolean {
  return (d) => {
    if (filters.failed && !d.failed) return false;
    if (filters.outcome && d.outcome !== filters.outcome) return false;
    if (filters.status !== undefined && d.httpStatus !== filters.status) return false;
    return true;
  };
}

/** Paused feed: show what was there when the operator paused; count what came since (by id, ids only grow). */
export function pausedView<T extends Identified>(
  items: readonly T[],
  pausedAtId: number | null,
): { visible: readonly T[]; newCount: number } {
  if (pausedAtId === null) return { visible: items, newCount: 0 };
  const visible = items.filter((i) => i.id <= pausedAtId);
  return { visible, newCount: items.length - visible.length };
}

export type Schedule = (run: () => void) => () => void;

/** ~50 ms: short enough to feel live, long enough to turn a burst into one cache write and one render. */
export const timeoutSchedule =
  (ms = 50): Schedule =>
  (run) => {
    const t = setTimeout(run, ms);
    return () => clearTimeout(t);
  };

export interface Batcher<T> {
  push(items: readonly T[]): void;
  flush(): void;
  cancel(): void;
}

/** Collect items and hand them to `deliver` once per scheduled tick. */
export function createBatcher<T>(deliver: (items: T[]) => void, schedule: Schedule = timeoutSchedule()): Batcher<T> {
  let queue: T[] = [];
  let cancelTick: (() => void) | null = null;
  const flush = () => {
    cancelTick?.();
    cancelTick = null;
    if (queue.length === 0) return;
    const items = queue;
    queue = [];
    deliver(items);
  };
  return {
    push(items) {
      if (items.length === 0) return;
      for (const item of items) queue.push(item); // no spread: a huge burst would overflow the call stack
      cancelTick ??= schedule(flush);
    },
    flush,
    cancel() {
      cancelTick?.();
      cancelTick = null;
      queue = [];
    },
  };
}
