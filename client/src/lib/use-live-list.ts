import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useInfiniteQuery, useQueryClient, type UseInfiniteQueryResult } from '@tanstack/react-query';
import type { Page } from '@contract/contract.ts';
import { flattenFeed, isFeedTrimmed, type FeedData, type LivePage } from './live-feed.ts';
import { useLoadMore } from './use-load-more.ts';
import { usePausedFeed } from './use-paused-feed.ts';

/** What a list page fetches, described once per feature (`features/<x>/api/`). */
export interface ListSpec<T, F extends object> {
  /** the filters as they stand in the URL; unknown values are dropped rather than sent */
  parseFilters: (params: URLSearchParams) => F;
  queryKey: (filters: F) => readonly unknown[];
  fetchPage: (filters: F, cursor: string | null, signal: AbortSignal) => Promise<Page<T>>;
  /** the socket merges new items into this list's cache (app/realtime.ts): it is never stale by time */
  live?: boolean;
}

export interface LiveList<T, F extends object> {
  filters: F;
  /** some filter is set: an empty list means "no match", not "nothing yet" */
  filtered: boolean;
  query: UseInfiniteQueryResult<FeedData<T>>;
  /** the rows to show */
  items: readonly T[];
  loadMore: () => void;
  /** the live window dropped older items: "load older" cannot continue, a reload can */
  trimmed: boolean;
  reload: () => void;
  /** the spec's `live` */
  live: boolean;
  /** only on a list that can be paused (`usePausedList`) */
  pause?: { paused: boolean; newCount: number; pause: () => void; resume: () => void };
}

/**
 * A list page's data: URL filters → an infinite query, flattened, with "load older" and "reload from the newest"
 * (for a live list whose window was trimmed). Socket messages reach it through the query cache, not through here.
 */
export function useLiveList<T, F extends object>({
  parseFilters,
  queryKey,
  fetchPage,
  live = false,
}: ListSpec<T, F>): LiveList<T, F> {
  const [params] = useSearchParams();
  const filters = useMemo(() => parseFilters(params), [parseFilters, params]);
  const queryClient = useQueryClient();
  const key = queryKey(filters);
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam, signal }): Promise<LivePage<T>> => fetchPage(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    ...(live ? { staleTime: Infinity, refetchOnWindowFocus: false } : {}),
  });
  const items = useMemo(() => flattenFeed(query.data), [query.data]);
  const loadMore = useLoadMore(query);
  return {
    filters,
    filtered: Object.keys(filters).length > 0,
    query,
    items,
    loadMore,
    trimmed: isFeedTrimmed(query.data),
    reload: () => void queryClient.resetQueries({ queryKey: key }),
    live,
  };
}

/** A live list the operator can freeze: `items` become the paused view while the cache keeps filling. */
export function usePausedList<T extends { id: number }, F extends object>(list: LiveList<T, F>): LiveList<T, F> {
  const feed = usePausedFeed(list.items);
  return { ...list, items: feed.visible, pause: feed };
}
