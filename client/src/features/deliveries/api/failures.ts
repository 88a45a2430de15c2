import { queryOptions, useQuery } from '@tanstack/react-query';
import type { FailureState, FailuresPage } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const fetchFailures = (state: FailureState, signal?: AbortSignal) =>
  api<FailuresPage>('/api/deliveries/failures', { query: { state, limit: 200 }, signal });

export const failuresOptions = (state: FailureState) =>
  queryOptions({ queryKey: queryKeys.failures.list(state), queryFn: ({ signal }) => fetchFailures(state, signal) });

export const useFailures = (state: FailureState) => useQuery(failuresOptions(state));
