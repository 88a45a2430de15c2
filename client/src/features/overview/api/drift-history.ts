import { queryOptions, useQuery } from '@tanstack/react-query';
import type { DriftPoint } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const fetchDriftHistory = (signal?: AbortSignal) =>
  api<DriftPoint[]>('/api/reconcile/drift-history', { signal });

// reconcile:finished invalidates it (app/realtime.ts)
export const driftHistoryOptions = () =>
  queryOptions({ queryKey: queryKeys.reconcile.driftHistory, queryFn: ({ signal }) => fetchDriftHistory(signal) });

export const useDriftHistory = () => useQuery(driftHistoryOptions());
