import { queryOptions, useQuery } from '@tanstack/react-query';
import type { EventDetail, EventSummary, Page } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys, type EventFilters } from '../../../lib/query-keys.ts';
import type { ListSpec } from '../../../lib/use-live-list.ts';
import { parseEventFilters } from './filters.ts';

export const EVENTS_PAGE_SIZE = 100;

export function fetchEvents(filters: EventFilters, cursor: string | null, signal?: AbortSignal) {
  return api<Page<EventSummary>>('/api/events', { query: { ...filters, cursor, limit: EVENTS_PAGE_SIZE }, signal });
}

export const fetchEvent = (svixId: string, signal?: AbortSignal) =>
  api<EventDetail>(`/api/events/${encodeURIComponent(svixId)}`, { signal });

export const eventsList: ListSpec<EventSummary, EventFilters> = {
  parseFilters: parseEventFilters,
  queryKey: queryKeys.events.list,
  fetchPage: fetchEvents,
  live: true,
};

export const eventDetailOptions = (svixId: string) =>
  queryOptions({ queryKey: queryKeys.events.detail(svixId), queryFn: ({ signal }) => fetchEvent(svixId, signal) });

export const useEventDetail = (svixId: string) => useQuery(eventDetailOptions(svixId));
