import { queryOptions, useQuery } from '@tanstack/react-query';
import type { LiveProblem, LiveStatus } from '@contract/contract.ts';
import { api } from './api.ts';
import { queryKeys } from './query-keys.ts';
import { formatTime } from './time.ts';

// What is wrong right now: the server's view of the open incidents. The socket's `status:changed` replaces it in
// the cache as it happens; the poll only covers a socket that is down (then the Live indicator says so too).
export const liveStatusOptions = queryOptions({
  queryKey: queryKeys.live,
  queryFn: ({ signal }) => api<LiveStatus>('/api/live', { signal }),
  refetchInterval: 30_000,
});

export const useLiveStatus = () => useQuery(liveStatusOptions);

/** The banner's sentence for one problem, with its time in the operator's zone. */
export function describeProblem(p: LiveProblem): string {
  switch (p.kind) {
    case 'storage_refusing':
      return `${p.message} since ${formatTime(p.since)} — Svix will retry.`;
    case 'silence':
      return `${p.message} Last delivery ${formatTime(p.since)}.`;
    case 'signature_failures':
      return `${p.message} Since ${formatTime(p.since)}.`;
    case 'clerk_throttled':
      return p.message;
  }
}
