import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { MetaDto, OperatorDto } from '@contract/contract.ts';
import { api, isApiError } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface Credentials {
  email: string;
  password: string;
}

/** The signed-in operator, or null when nobody is (401). */
export async function fetchMe(signal?: AbortSignal): Promise<OperatorDto | null> {
  try {
    return await api<OperatorDto>('/api/auth/me', { signal });
  } catch (err) {
    if (isApiError(err) && err.status === 401) return null;
    throw err;
  }
}

export const login = (credentials: Credentials) => api<OperatorDto>('/api/auth/login', { method: 'POST', body: credentials });
export const logout = () => api<void>('/api/auth/logout', { method: 'POST' });
export const fetchMeta = (signal?: AbortSignal) => api<MetaDto>('/api/meta', { signal });

/** /healthz is public: it tells the sign-in page whether this is a demo before anyone signs in. */
export const fetchHealth = (signal?: AbortSignal) => api<{ ok: boolean; demo?: boolean }>('/healthz', { signal });
export const healthQueryOptions = () =>
  queryOptions({ queryKey: ['health'] as const, queryFn: ({ signal }) => fetchHealth(signal), staleTime: Infinity, retry: false });
export const useHealth = (enabled = true) => useQuery({ ...healthQueryOptions(), enabled });

export const meQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.me, queryFn: ({ signal }) => fetchMe(signal), staleTime: 60_000, retry: 1 });

export const metaQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.meta, queryFn: ({ signal }) => fetchMeta(signal), staleTime: Infinity, retry: 1 });

export const useMe = () => useQuery(meQueryOptions());
export const useMeta = (enabled = true) => useQuery({ ...metaQueryOptions(), enabled });

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: (operator) => {
      // a different operator must not see the previous one's cached data
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'meta' && q.queryKey[0] !== 'health' });
      queryClient.setQueryData(queryKeys.me, operator);
    },
  });
}

export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSettled: () => {
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'meta' && q.queryKey[0] !== 'health' });
      queryClient.setQueryData(queryKeys.me, null);
    },
  });
}
