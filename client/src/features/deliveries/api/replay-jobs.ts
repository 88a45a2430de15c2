// Bulk replay: a dry run says what it would do; confirmed, a job replays in the background on the server. Its
// progress arrives over the socket (app/realtime.ts writes it into the `latest` query), so nothing polls.
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BulkReplayJobDto, BulkReplayRequest, BulkReplayResult, LatestReplayJob } from '@contract/contract.ts';
import { api, isApiError } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type ReplayScope = Pick<BulkReplayRequest, 'filter' | 'outstandingOnly'>;

export const fetchLatestReplayJob = (signal?: AbortSignal) =>
  api<LatestReplayJob>('/api/deliveries/replay/jobs/latest', { signal });
const dryRun = (scope: ReplayScope) =>
  api<BulkReplayResult>('/api/deliveries/replay', { method: 'POST', body: { ...scope, dryRun: true } });
const startJob = (scope: ReplayScope) =>
  api<BulkReplayJobDto>('/api/deliveries/replay', { method: 'POST', body: scope });
const cancelJob = (id: number) => api<BulkReplayJobDto>(`/api/deliveries/replay/jobs/${id}/cancel`, { method: 'POST' });

export const latestReplayJobOptions = () =>
  queryOptions({ queryKey: queryKeys.replayJobs.latest, queryFn: ({ signal }) => fetchLatestReplayJob(signal) });

export const useLatestReplayJob = () => useQuery(latestReplayJobOptions());

/** What a bulk replay of `scope` would do: changes nothing. */
export const useReplayDryRun = () => useMutation({ mutationFn: dryRun });

function useJobChanged() {
  const queryClient = useQueryClient();
  return (job: BulkReplayJobDto) => {
    queryClient.setQueryData<LatestReplayJob>(queryKeys.replayJobs.latest, { job });
    void queryClient.invalidateQueries({ queryKey: queryKeys.audit.all });
  };
}

export function useStartReplayJob() {
  const queryClient = useQueryClient();
  const changed = useJobChanged();
  return useMutation({
    mutationFn: startJob,
    onSuccess: changed,
    // 409: another operator's job runs; show it
    onError: (err) => {
      if (isApiError(err) && err.status === 409)
        void queryClient.invalidateQueries({ queryKey: queryKeys.replayJobs.latest });
    },
  });
}

export function useCancelReplayJob() {
  const changed = useJobChanged();
  return useMutation({ mutationFn: cancelJob, onSuccess: changed });
}
