import {
  infiniteQueryOptions,
  queryOptions,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type {
  DriftClass,
  OrganizationFindingClass,
  Page,
  ReconcileFindingDto,
  ReconcileFixRequest,
  ReconcileFixResult,
  ReconcileOrganizationFindingDto,
  ReconcileRunDto,
} from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const FINDINGS_PAGE_SIZE = 100;

export const fetchRuns = (signal?: AbortSignal) =>
  api<Page<ReconcileRunDto>>('/api/reconcile/runs', { query: { limit: 20 }, signal });
export const fetchRun = (id: number, signal?: AbortSignal) =>
  api<ReconcileRunDto>(`/api/reconcile/runs/${id}`, { signal });
export const fetchFindings = (
  id: number,
  driftClass: DriftClass | undefined,
  cursor: string | null,
  signal?: AbortSignal,
) =>
  api<Page<ReconcileFindingDto>>(`/api/reconcile/runs/${id}/findings`, {
    query: { class: driftClass, cursor, limit: FINDINGS_PAGE_SIZE },
    signal,
  });
export type OrganizationSubject = ReconcileOrganizationFindingDto['subject'];
export const fetchOrganizationFindings = (
  id: number,
  subject: OrganizationSubject,
  driftClass: OrganizationFindingClass | undefined,
  cursor: string | null,
  signal?: AbortSignal,
) =>
  api<Page<ReconcileOrganizationFindingDto>>(`/api/reconcile/runs/${id}/organization-findings`, {
    query: { subject, class: driftClass, cursor, limit: FINDINGS_PAGE_SIZE },
    signal,
  });
export const startReconcile = () => api<ReconcileRunDto>('/api/reconcile', { method: 'POST' });
/** Without ids: every unfixed finding of the run; with some: only those. */
export const fixFindings = ({ runId, ...ids }: { runId: number } & ReconcileFixRequest) =>
  api<ReconcileFixResult>(`/api/reconcile/runs/${runId}/fix`, {
    method: 'POST',
    body: ids satisfies ReconcileFixRequest,
  });
export const cancelRun = (runId: number) =>
  api<ReconcileRunDto>(`/api/reconcile/runs/${runId}/cancel`, { method: 'POST' });

// Live: reconcile:progress / reconcile:finished update these (app/realtime.ts), so no polling.
export const runsOptions = () =>
  queryOptions({ queryKey: queryKeys.reconcile.runs, queryFn: ({ signal }) => fetchRuns(signal) });
export const runOptions = (id: number) =>
  queryOptions({ queryKey: queryKeys.reconcile.run(id), queryFn: ({ signal }) => fetchRun(id, signal) });
export const findingsOptions = (id: number, driftClass?: DriftClass) =>
  infiniteQueryOptions({
    queryKey: queryKeys.reconcile.findings(id, driftClass),
    queryFn: ({ pageParam, signal }) => fetchFindings(id, driftClass, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });

export const organizationFindingsOptions = (
  id: number,
  subject: OrganizationSubject,
  driftClass?: OrganizationFindingClass,
) =>
  infiniteQueryOptions({
    queryKey: queryKeys.reconcile.organizationFindings(id, subject, driftClass),
    queryFn: ({ pageParam, signal }) => fetchOrganizationFindings(id, subject, driftClass, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });

export const useRuns = () => useQuery(runsOptions());
export const useRun = (id: number | null) => useQuery({ ...runOptions(id ?? 0), enabled: id !== null });
export const useFindings = (id: number | null, driftClass?: DriftClass) =>
  useInfiniteQuery({ ...findingsOptions(id ?? 0, driftClass), enabled: id !== null });
export const useOrganizationFindings = (
  id: number,
  subject: OrganizationSubject,
  driftClass?: OrganizationFindingClass,
  enabled = true,
) => useInfiniteQuery({ ...organizationFindingsOptions(id, subject, driftClass), enabled });

function useRunChanged() {
  const queryClient = useQueryClient();
  return (run: ReconcileRunDto) => {
    queryClient.setQueryData(queryKeys.reconcile.run(run.id), run);
    void queryClient.invalidateQueries({ queryKey: queryKeys.reconcile.runs });
    void queryClient.invalidateQueries({ queryKey: queryKeys.audit.all });
  };
}

export function useStartReconcile() {
  const changed = useRunChanged();
  return useMutation({ mutationFn: startReconcile, onSuccess: changed });
}

export function useCancelRun() {
  const changed = useRunChanged();
  return useMutation({ mutationFn: cancelRun, onSuccess: changed });
}

export function useFixFindings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fixFindings,
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.reconcile.findingsOf(result.runId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.reconcile.run(result.runId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.reconcile.runs });
      void queryClient.invalidateQueries({ queryKey: queryKeys.users.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
      void queryClient.invalidateQueries({ queryKey: queryKeys.audit.all });
    },
  });
}
