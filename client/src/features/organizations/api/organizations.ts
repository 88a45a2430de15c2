import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  SYNC_STATUSES,
  type EventSummary,
  type OrganizationComparison,
  type OrganizationDetail,
  type OrganizationResyncResult,
  type OrganizationSummary,
  type Page,
} from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys, type OrganizationFilters } from '../../../lib/query-keys.ts';
import type { ListSpec } from '../../../lib/use-live-list.ts';
import { pickEnum } from '../../../lib/use-search-filters.ts';

export const ORGANIZATIONS_PAGE_SIZE = 100;
const id = (organizationId: string) => encodeURIComponent(organizationId);

export const fetchOrganizations = (filters: OrganizationFilters, cursor: string | null, signal?: AbortSignal) =>
  api<Page<OrganizationSummary>>('/api/organizations', {
    query: { ...filters, cursor, limit: ORGANIZATIONS_PAGE_SIZE },
    signal,
  });
export const fetchOrganization = (organizationId: string, signal?: AbortSignal) =>
  api<OrganizationDetail>(`/api/organizations/${id(organizationId)}`, { signal });
export const fetchOrganizationComparison = (organizationId: string, signal?: AbortSignal) =>
  api<OrganizationComparison>(`/api/organizations/${id(organizationId)}/compare`, { signal });
export const fetchOrganizationTimeline = (organizationId: string, signal?: AbortSignal) =>
  api<Page<EventSummary>>('/api/events', { query: { organizationId, limit: 50 }, signal });
export const resyncOrganization = (organizationId: string) =>
  api<OrganizationResyncResult>(`/api/organizations/${id(organizationId)}/resync`, { method: 'POST' });

export function parseOrganizationFilters(params: URLSearchParams): OrganizationFilters {
  const filters: OrganizationFilters = {};
  const q = params.get('q');
  const status = pickEnum(params.get('status'), SYNC_STATUSES);
  if (q) filters.q = q;
  if (status) filters.status = status;
  return filters;
}

// organization:changed invalidates these lists (app/realtime.ts): a change can move one in or out of a filter
export const organizationsList: ListSpec<OrganizationSummary, OrganizationFilters> = {
  parseFilters: parseOrganizationFilters,
  queryKey: queryKeys.organizations.list,
  fetchPage: fetchOrganizations,
};

export const organizationDetailOptions = (organizationId: string) =>
  queryOptions({
    queryKey: queryKeys.organizations.detail(organizationId),
    queryFn: ({ signal }) => fetchOrganization(organizationId, signal),
  });

// Comparing asks Clerk's Backend API for the organization and every page of its members (rate-limited): do not
// refetch on every focus.
export const organizationComparisonOptions = (organizationId: string) =>
  queryOptions({
    queryKey: queryKeys.organizations.compare(organizationId),
    queryFn: ({ signal }) => fetchOrganizationComparison(organizationId, signal),
    staleTime: 60_000,
    refetchOnWindowFocus: false,
  });

export const organizationTimelineOptions = (organizationId: string) =>
  queryOptions({
    queryKey: queryKeys.organizations.timeline(organizationId),
    queryFn: ({ signal }) => fetchOrganizationTimeline(organizationId, signal),
  });

export const useOrganizationDetail = (organizationId: string) => useQuery(organizationDetailOptions(organizationId));
export const useOrganizationComparison = (organizationId: string) =>
  useQuery(organizationComparisonOptions(organizationId));
export const useOrganizationTimeline = (organizationId: string) =>
  useQuery(organizationTimelineOptions(organizationId));

export function useResyncOrganization() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: resyncOrganization,
    onSuccess: (result) => {
      queryClient.setQueryData(queryKeys.organizations.detail(result.organizationId), result.organization);
      void queryClient.invalidateQueries({ queryKey: queryKeys.organizations.timeline(result.organizationId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.organizations.compare(result.organizationId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.organizations.lists });
      // members' pages list their memberships
      void queryClient.invalidateQueries({ queryKey: queryKeys.users.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
    },
  });
}

export const organizationName = (o: Pick<OrganizationSummary, 'name' | 'slug' | 'id'>): string =>
  o.name || o.slug || o.id;
