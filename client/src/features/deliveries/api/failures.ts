import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BulkReplayResult, FailureState, FailuresPage } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const fetchFailures = (state: FailureState, signal?: AbortSignal) =>
  api<FailuresPage>('/api/deliveries/failures', { query: { state, limit: 200 }, signal });

export const failuresOptions = (state: FailureState) =>
  queryOptions({ queryKey: queryKeys.failures.list(state), queryFn: ({ signal }) => fetchFailures(state, signal) });

export const useFailures = (state: FailureState) => useQuery(failuresOptions(state));

const replayOutstanding = (dryRun: boolean) =>
  api<BulkReplayResult>('/api/deliveries/replay', {
    method: 'POST',
    body: { filter: {}, outstandingOnly: true, dryRun },
  });

/** The dry run: what a replay of every outstanding message would do; changes nothing. */
export const useReplayDryRun = () => useMutation({ mutationFn: () => replayOutstanding(true) });

export function useReplayOutstanding() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => replayOutstanding(false),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.failures.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
    },
  });
}
