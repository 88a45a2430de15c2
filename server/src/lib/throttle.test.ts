import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttleLatest } from './throttle.ts';

describe('throttleLatest', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first value at once, then the newest at most once per interval', () => {
    const sent: number[] = [];
    const t = throttleLatest<number>(250, (v) => void sent.push(v));
    t.report(1);
    expect(sent).toEqual([1]);
    t.report(2);
    t.report(3);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(249);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1, 3]);
    // quiet for longer than the interval: the next value goes out at once again
    vi.advanceTimersByTime(1000);
    t.report(4);
    expect(sent).toEqual([1, 3, 4]);
  });

  it('drop forgets the value waiting', () => {
    const sent: number[] = [];
    const t = throttleLatest<number>(100, (v) => void sent.push(v));
    t.report(1);
    t.report(2);
    t.drop();
    vi.advanceTimersByTime(500);
    expect(sent).toEqual([1]);
  });
});
