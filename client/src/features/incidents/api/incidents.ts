// Incidents: the list (newest first, by state), one incident with its alerts, the open count for the navigation
// badge, and the operator's acknowledge / resolve / replay. The socket's incident:changed invalidates these.
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  INCIDENT_STATES,
  type AlertChannelDto,
  type IncidentDetail,
  type IncidentPage,
  type IncidentReplayResult,
  type IncidentSummary,
} from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys, type IncidentFilters } from '../../../lib/query-keys.ts';
import type { ListSpec } from '../../../lib/use-live-list.ts';
import { pickEnum } from '../../../lib/use-search-filters.ts';

export const fetchIncidents = (filters: IncidentFilters, cursor: string | null, signal?: AbortSignal) =>
  api<IncidentPage>('/api/incidents', { query: { ...filters, cursor, limit: 50 }, signal });
export const fetchIncident = (id: string, signal?: AbortSignal) =>
  api<IncidentDetail>(`/api/incidents/${encodeURIComponent(id)}`, { signal });

export function parseIncidentFilters(params: URLSearchParams): IncidentFilters {
  const state = pickEnum(params.get('state'), INCIDENT_STATES);
  return state ? { state } : {};
}

export const incidentsList: ListSpec<IncidentSummary, IncidentFilters> = {
  parseFilters: parseIncidentFilters,
  queryKey: queryKeys.incidents.list,
  fetchPage: fetchIncidents,
};

export const incidentDetailOptions = (id: string) =>
  queryOptions({ queryKey: queryKeys.incidents.detail(id), queryFn: ({ signal }) => fetchIncident(id, signal) });
export const useIncident = (id: string) => useQuery(incidentDetailOptions(id));

/** The navigation badge: how many incidents are open (acknowledged ones are being handled). */
export function useOpenIncidentCount() {
  return useQuery({
    queryKey: queryKeys.incidents.openCount,
    queryFn: async ({ signal }) =>
      (await api<IncidentPage>('/api/incidents', { query: { state: 'open', limit: 1 }, signal })).openCount,
    // the socket invalidates it on every change; the interval covers a socket that is down
    refetchInterval: 60_000,
  });
}

export const useAlertChannels = () =>
  useQuery({
    queryKey: queryKeys.incidents.channels,
    queryFn: ({ signal }) => api<AlertChannelDto[]>('/api/incidents/channels', { signal }),
  });

function useIncidentMutation<V, R>(fn: (v: V) => Promise<R>, idOf: (v: V) => string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (_r, v) => {
      void qc.invalidateQueries({ queryKey: queryKeys.incidents.detail(idOf(v)) });
      void qc.invalidateQueries({ queryKey: queryKeys.incidents.lists });
      void qc.invalidateQueries({ queryKey: queryKeys.incidents.openCount });
      void qc.invalidateQueries({ queryKey: queryKeys.audit.all });
    },
  });
}

export const useAcknowledgeIncident = () =>
  useIncidentMutation(
    ({ id, note }: { id: string; note: string }) =>
      api<IncidentDetail>(`/api/incidents/${encodeURIComponent(id)}/acknowledge`, {
        method: 'POST',
        body: note ? { note } : {},
      }),
    (v) => v.id,
  );

export const useResolveIncident = () =>
  useIncidentMutation(
    ({ id, note }: { id: string; note: string }) =>
      api<IncidentDetail>(`/api/incidents/${encodeURIComponent(id)}/resolve`, {
        method: 'POST',
        body: note ? { note } : {},
      }),
    (v) => v.id,
  );

export const useReplayIncident = () =>
  useIncidentMutation(
    (id: string) => api<IncidentReplayResult>(`/api/incidents/${encodeURIComponent(id)}/replay`, { method: 'POST' }),
    (id) => id,
  );
