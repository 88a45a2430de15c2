import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  SYNC_STATUSES,
  type EventSummary,
  type Page,
  type ResyncResult,
  type UserComparison,
  type UserDetail,
  type UserSummary,
} from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys, type UserFilters } from '../../../lib/query-keys.ts';
import type { ListSpec } from '../../../lib/use-live-list.ts';
import { pickEnum } from '../../../lib/use-search-filters.ts';

export const USERS_PAGE_SIZE = 100;
const id = (userId: string) => encodeURIComponent(userId);

export const fetchUsers = (filters: UserFilters, cursor: string | null, signal?: AbortSignal) =>
  api<Page<UserSummary>>('/api/users', { query: { ...filters, cursor, limit: USERS_PAGE_SIZE }, signal });
export const fetchUser = (userId: string, signal?: AbortSignal) =>
  api<UserDetail>(`/api/users/${id(userId)}`, { signal });
export const fetchComparison = (userId: string, signal?: AbortSignal) =>
  api<UserComparison>(`/api/users/${id(userId)}/compare`, { signal });
export const fetchTimeline = (userId: string, signal?: AbortSignal) =>
  api<Page<EventSummary>>('/api/events', { query: { userId, limit: 50 }, signal });
export const resyncUser = (userId: string) => api<ResyncResult>(`/api/users/${id(userId)}/resync`, { method: 'POST' });

export function parseUserFilters(params: URLSearchParams): UserFilters {
  const filters: UserFilters = {};
  const q = params.get('q');
  const status = pickEnum(params.get('status'), SYNC_STATUSES);
  if (q) filters.q = q;
  if (status) filters.status = status;
  return filters;
}

// user:changed invalidates these lists (app/realtime.ts): a change can move a user in or out of a filter
export const usersList: ListSpec<UserSummary, UserFilters> = {
  parseFilters: parseUserFilters,
  queryKey: queryKeys.users.list,
  fetchPage: fetchUsers,
};

export const userDetailOptions = (userId: string) =>
  queryOptions({ queryKey: queryKeys.users.detail(userId), queryFn: ({ signal }) => fetchUser(userId, signal) });

// Comparing asks Clerk's Backend API (rate-limited): do not refetch on every focus.
export const userComparisonOptions = (userId: string) =>
  queryOptions({
    queryKey: queryKeys.users.compare(userId),
    queryFn: ({ signal }) => fetchComparison(userId, signal),
    staleTime: 60_000,
    refetchOnWindowFocus: false,
  });

export const userTimelineOptions = (userId: string) =>
  queryOptions({ queryKey: queryKeys.users.timeline(userId), queryFn: ({ signal }) => fetchTimeline(userId, signal) });

export const useUserDetail = (userId: string) => useQuery(userDetailOptions(userId));
export const useUserComparison = (userId: string) => useQuery(userComparisonOptions(userId));
export const useUserTimeline = (userId: string) => useQuery(userTimelineOptions(userId));

export function useResyncUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: resyncUser,
    onSuccess: (result) => {
      queryClient.setQueryData(queryKeys.users.detail(result.userId), result.user);
      void queryClient.invalidateQueries({ queryKey: queryKeys.users.compare(result.userId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.users.timeline(result.userId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.users.lists });
      void queryClient.invalidateQueries({ queryKey: queryKeys.overview });
    },
  });
}

export function displayName(
  u: Pick<UserSummary, 'firstName' | 'lastName' | 'username' | 'primaryEmail' | 'id'>,
): string {
  const name = [u.firstName, u.lastName].filter(Boolean).join(' ');
  return name || u.username || u.primaryEmail || u.id;
}
