import { describe, expect, it, vi } from 'vitest';
import type { DeliverySummary, EventSummary } from '@contract/contract.ts';
import {
  matchesType,
  isUserIdFilter,
  createBatcher,
  flattenFeed,
  isFeedTrimmed,
  matchesDeliveryFilters,
  matchesEventFilters,
  mergeIntoFeed,
  pausedView,
  type FeedData,
  type Schedule,
} from './live-feed.ts';

const item = (id: number) => ({ id, name: `item ${id}` });
type Item = ReturnType<typeof item>;

function feed(pages: number[][], nextCursor: string | null = 'c-next'): FeedData<Item> {
  return {
    pages: pages.map((ids, i) => ({
      items: ids.map(item),
      nextCursor: i === pages.length - 1 ? nextCursor : `c${i + 1}`,
    })),
    pageParams: pages.map((_, i) => (i === 0 ? null : `c${i}`)),
  };
}

const ids = (data: FeedData<Item> | undefined) => flattenFeed(data).map((i) => i.id);

function makeEvent(over: Partial<EventSummary> = {}): EventSummary {
  return {
    id: 1,
    svixId: 'msg_1',
    type: 'user.updated',
    objectId: 'user_1',
    userId: 'user_1',
    outcome: 'applied',
    error: null,
    occurredAt: '2026-01-01T10:00:00.000Z',
    receivedAt: '2026-01-01T10:00:01.000Z',
    ...over,
  };
}

describe('mergeIntoFeed', () => {
  it('puts new items first, newest (highest id) first, and dedupes by id', () => {
    const merged = mergeIntoFeed(feed([[5, 4, 3]]), [item(4), item(7), item(6), item(7)]);
    expect(ids(merged)).toEqual([7, 6, 5, 4, 3]);
  });

  it('returns the same object when nothing is new, so nothing re-renders', () => {
    const data = feed([[5, 4, 3]]);
    expect(mergeIntoFeed(data, [item(5), item(3)])).toBe(data);
    expect(mergeIntoFeed(data, [])).toBe(data);
  });

  it('leaves a list that was never loaded alone', () => {
    expect(mergeIntoFeed<Item>(undefined, [item(1)])).toBeUndefined();
  });

  it('does not insert items the active filter excludes', () => {
    const merged = mergeIntoFeed(feed([[2, 1]]), [item(3), item(4)], { matches: (i) => i.id % 2 === 0 });
    expect(ids(merged)).toEqual([4, 2, 1]);
  });

  it('grows the first page and keeps older pages and their cursors intact', () => {
    const data = feed([
      [6, 5],
      [4, 3],
      [2, 1],
    ]);
    const merged = mergeIntoFeed(data, [item(8), item(7)])!;
    expect(merged.pages.map((p) => p.items.map((i) => i.id))).toEqual([
      [8, 7, 6, 5],
      [4, 3],
      [2, 1],
    ]);
    expect(merged.pages.map((p) => p.nextCursor)).toEqual(['c1', 'c2', 'c-next']);
    expect(merged.pageParams).toEqual(data.pageParams);
  });

  it('bounds the window by dropping whole pages first, keeping the remaining cursor exact', () => {
    const merged = mergeIntoFeed(
      feed([
        [6, 5],
        [4, 3],
        [2, 1],
      ]),
      [item(7), item(8)],
      { limit: 6 },
    )!;
    expect(ids(merged)).toEqual([8, 7, 6, 5, 4, 3]);
    expect(merged.pages).toHaveLength(2);
    expect(merged.pageParams).toHaveLength(2);
    expect(merged.pages[1]!.nextCursor).toBe('c2'); // continues with [2, 1] on the server
    expect(isFeedTrimmed(merged)).toBe(false);
  });

  it('cuts inside a page when it must, and marks the list trimmed (its cursor no longer fits)', () => {
    const merged = mergeIntoFeed(feed([[3, 2, 1]]), [item(4), item(5), item(6)], { limit: 4 })!;
    expect(ids(merged)).toEqual([6, 5, 4, 3]);
    expect(merged.pages[0]!.nextCursor).toBeNull();
    expect(isFeedTrimmed(merged)).toBe(true);
  });

  it('handles a burst far larger than the window', () => {
    const burst = Array.from({ length: 10_000 }, (_, i) => item(i + 100));
    const merged = mergeIntoFeed(feed([[3, 2, 1]]), burst, { limit: 2000 })!;
    const out = ids(merged);
    expect(out).toHaveLength(2000);
    expect(out[0]).toBe(10_099);
    expect(out.at(-1)).toBe(8_100);
  });
});

describe('filters for live inserts', () => {
  it('matches events by type, outcome, user, time range and text', () => {
    const e = makeEvent({ svixId: 'msg_ABC', error: 'Boom happened', outcome: 'failed' });
    expect(matchesEventFilters({})(e)).toBe(true);
    expect(matchesEventFilters({ type: 'user.updated', outcome: 'failed', userId: 'user_1' })(e)).toBe(true);
    expect(matchesEventFilters({ type: 'user.created' })(e)).toBe(false);
    expect(matchesEventFilters({ outcome: 'applied' })(e)).toBe(false);
    expect(matchesEventFilters({ userId: 'user_2' })(e)).toBe(false);
    expect(matchesEventFilters({ q: 'boom' })(e)).toBe(true);
    expect(matchesEventFilters({ q: 'msg_abc' })(e)).toBe(true);
    expect(matchesEventFilters({ q: 'nothing' })(e)).toBe(false);
    expect(matchesEventFilters({ to: '2026-01-01T09:00:00.000Z' })(e)).toBe(false);
    expect(matchesEventFilters({ from: '2026-01-01T09:00:00.000Z' })(e)).toBe(true);
  });

  it('matches deliveries by failed, outcome and status code', () => {
    const d = { id: 1, failed: true, outcome: 'rejected', httpStatus: 400 } as DeliverySummary;
    expect(matchesDeliveryFilters({ failed: true })(d)).toBe(true);
    expect(matchesDeliveryFilters({ failed: true })({ ...d, failed: false })).toBe(false);
    expect(matchesDeliveryFilters({ outcome: 'rejected', status: 400 })(d)).toBe(true);
    expect(matchesDeliveryFilters({ status: 500 })(d)).toBe(false);
  });
});

describe('pausedView', () => {
  it('shows everything while live', () => {
    const items = [item(3), item(2)];
    expect(pausedView(items, null)).toEqual({ visible: items, newCount: 0 });
  });
  it('keeps the view where it was paused and counts what came since', () => {
    const items = [item(6), item(5), item(4), item(3), item(2)];
    const view = pausedView(items, 4);
    expect(view.visible.map((i) => i.id)).toEqual([4, 3, 2]);
    expect(view.newCount).toBe(2);
  });
});

describe('createBatcher', () => {
  function manualSchedule() {
    const pending: (() => void)[] = [];
    const schedule: Schedule = (run) => {
      pending.push(run);
      return () => pending.splice(pending.indexOf(run), 1);
    };
    return { schedule, tick: () => pending.splice(0).forEach((run) => run()), pending };
  }

  it('delivers everything pushed within one tick as one batch', () => {
    const deliver = vi.fn();
    const s = manualSchedule();
    const b = createBatcher<number>(deliver, s.schedule);
    b.push([1, 2]);
    b.push([3]);
    b.push([]);
    expect(s.pending).toHaveLength(1);
    expect(deliver).not.toHaveBeenCalled();
    s.tick();
    expect(deliver).toHaveBeenCalledTimes(1);
    expect(deliver).toHaveBeenCalledWith([1, 2, 3]);
    b.push([4]);
    s.tick();
    expect(deliver).toHaveBeenLastCalledWith([4]);
  });

  it('flush delivers at once; cancel drops the queue', () => {
    const deliver = vi.fn();
    const s = manualSchedule();
    const b = createBatcher<number>(deliver, s.schedule);
    b.push([1]);
    b.flush();
    expect(deliver).toHaveBeenCalledWith([1]);
    expect(s.pending).toHaveLength(0);
    b.push([2]);
    b.cancel();
    s.tick();
    expect(deliver).toHaveBeenCalledTimes(1);
  });

  it('uses a ~50 ms timer by default', () => {
    vi.useFakeTimers();
    try {
      const deliver = vi.fn();
      const b = createBatcher<number>(deliver);
      b.push([1]);
      vi.advanceTimersByTime(49);
      expect(deliver).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(deliver).toHaveBeenCalledWith([1]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('event type filter', () => {
  it('matches several types and prefixes, as the server does', () => {
    expect(matchesType('session.', 'session.ended')).toBe(true);
    expect(matchesType('session.', 'user.created')).toBe(false);
    expect(matchesType('user.created, session.', 'user.created')).toBe(true);
    expect(matchesType('user.created,session.', 'user.updated')).toBe(false);
    expect(isUserIdFilter('user_2abc')).toBe(true);
    expect(isUserIdFilter('ada@example.com')).toBe(false);
  });
});
