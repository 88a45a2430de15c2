import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { EventDetail, EventSummary, Page } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import type { LivePage } from '../../../lib/live-feed.ts';
import { queryKeys, type EventFilters } from '../../../lib/query-keys.ts';

export const EVENTS_PAGE_SIZE = 100;

export function fetchEvents(filters: EventFilters, cursor: string | null, signal?: AbortSignal) {
  return api<Page<EventSummary>>('/api/events', { query: { ...filters, cursor, limit: EVENTS_PAGE_SIZE }, signal });
}

export const fetchEvent = (svixId: string, signal?: AbortSignal) =>
  api<EventDetail>(`/api/events/${encodeURIComponent(svixId)}`, { signal });

/** The live list: the socket keeps it current (app/realtime.ts), so it is never stale by time. */
export const eventsListOptions = (filters: EventFilters) =>
  infiniteQueryOptions({
    queryKey: queryKeys.events.list(filters),
    queryFn: ({ pageParam, signal }): Promise<LivePage<EventSummary>> => fetchEvents(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });

export const eventDetailOptions = (svixId: string) =>
  queryOptions({ queryKey: queryKeys.events.detail(svixId), queryFn: ({ signal }) => fetchEvent(svixId, signal) });

export const useEventsList = (filters: EventFilters) => useInfiniteQuery(eventsListOptions(filters));
export const useEventDetail = (svixId: string) => useQuery(eventDetailOptions(svixId));
