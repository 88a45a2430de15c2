import { queryOptions, useQuery } from '@tanstack/react-query';
import type { OverviewStats } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const fetchOverview = (signal?: AbortSignal) => api<OverviewStats>('/api/overview', { signal });

// Live traffic invalidates this (throttled, app/realtime.ts); the interval keeps the per-minute chart moving
// when nothing arrives.
export const overviewOptions = () =>
  queryOptions({
    queryKey: queryKeys.overview,
    queryFn: ({ signal }) => fetchOverview(signal),
    refetchInterval: 30_000,
  });

export const useOverview = () => useQuery(overviewOptions());
