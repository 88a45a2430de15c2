import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DeliveryDetail, DeliverySummary, Page, ReplayResult } from '@contract/contract.ts';
import { DELIVERY_OUTCOMES } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys, type DeliveryFilters } from '../../../lib/query-keys.ts';
import type { ListSpec } from '../../../lib/use-live-list.ts';
import { pickEnum } from '../../../lib/use-search-filters.ts';

export const DELIVERIES_PAGE_SIZE = 100;

export function fetchDeliveries(filters: DeliveryFilters, cursor: string | null, signal?: AbortSignal) {
  return api<Page<DeliverySummary>>('/api/deliveries', {
    query: { ...filters, cursor, limit: DELIVERIES_PAGE_SIZE },
    signal,
  });
}
export const fetchDelivery = (id: number, signal?: AbortSignal) =>
  api<DeliveryDetail>(`/api/deliveries/${id}`, { signal });
export const replayDelivery = (id: number) => api<ReplayResult>(`/api/deliveries/${id}/replay`, { method: 'POST' });

export function parseDeliveryFilters(params: URLSearchParams): DeliveryFilters {
  const filters: DeliveryFilters = {};
  const outcome = pickEnum(params.get('outcome'), DELIVERY_OUTCOMES);
  const status = Number(params.get('status'));
  if (params.get('failed') === 'true') filters.failed = true;
  if (outcome) filters.outcome = outcome;
  if (params.get('status') && Number.isInteger(status) && status >= 100 && status <= 599) filters.status = status;
  return filters;
}

export const deliveriesList: ListSpec<DeliverySummary, DeliveryFilters> = {
  parseFilters: parseDeliveryFilters,
  queryKey: queryKeys.deliveries.list,
  fetchPage: fetchDeliveries,
  live: true,
};

export const deliveryDetailOptions = (id: number) =>
  queryOptions({ queryKey: queryKeys.deliveries.detail(id), queryFn: ({ signal }) => fetchDelivery(id, signal) });

export const useDeliveryDetail = (id: number) => useQuery(deliveryDetailOptions(id));

// The new delivery rows a replay records reach the lists through the socket; what else changed is invalidated.
export function useReplayDelivery() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: replayDelivery,
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.events.detail(result.svixId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
    },
  });
}
