import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ChangePasswordRequest, MeDto, MetaDto } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { fetchMe, meQueryOptions } from '../../../lib/session.ts';

export { fetchMe, meQueryOptions };

export interface Credentials {
  email: string;
  password: string;
}

export const login = (credentials: Credentials) => api<MeDto>('/api/auth/login', { method: 'POST', body: credentials });
export const logout = () => api<void>('/api/auth/logout', { method: 'POST' });
/** Ends every session of the signed-in operator, on every device (their live connections close too). */
export const logoutAll = () => api<void>('/api/auth/logout-all', { method: 'POST' });
export const fetchMeta = (signal?: AbortSignal) => api<MetaDto>('/api/meta', { signal });

/** /healthz is public: it tells the sign-in page whether this is a demo before anyone signs in. */
export const fetchHealth = (signal?: AbortSignal) => api<{ ok: boolean; demo?: boolean }>('/healthz', { signal });
export const healthQueryOptions = () =>
  queryOptions({
    queryKey: ['health'] as const,
    queryFn: ({ signal }) => fetchHealth(signal),
    staleTime: Infinity,
    retry: false,
  });
export const useHealth = (enabled = true) => useQuery({ ...healthQueryOptions(), enabled });

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

export function useLogout(everywhere = false) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: everywhere ? logoutAll : logout,
    onSettled: () => {
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'meta' && q.queryKey[0] !== 'health' });
      queryClient.setQueryData(queryKeys.me, null);
    },
  });
}

export const changePassword = (req: ChangePasswordRequest) =>
  api<void>('/api/auth/password', { method: 'POST', body: req });

/** The operator's own password; other sessions of theirs end, this one stays (and loses the one-time flag). */
export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: changePassword,
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: queryKeys.me }),
  });
}
