import { useMemo, useState } from 'react';
import { newestId, pausedView } from './live-feed.ts';

/** Pause state is view state (an id threshold), not a copy of the data: the cache keeps updating underneath. */
export function usePausedFeed<T extends { id: number }>(items: readonly T[]) {
  const [pausedAt, setPausedAt] = useState<number | null>(null);
  const view = useMemo(() => pausedView(items, pausedAt), [items, pausedAt]);
  return {
    ...view,
    paused: pausedAt !== null,
    pause: () => setPausedAt(newestId(items) ?? 0),
    resume: () => setPausedAt(null),
  };
}
