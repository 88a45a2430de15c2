// Administration: operators (invite, role, disable) and API tokens (create, revoke), plus erasing one
// user's stored payloads. Every mutation refreshes what it changed; secrets come back once, in the
// mutation's result, and are never put in the query cache.
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type {
  AlertChannelDto,
  AlertChannelName,
  ApiTokenDto,
  CreateApiTokenRequest,
  CreateOperatorRequest,
  CreateOperatorResult,
  CreatedApiToken,
  OperatorAdminDto,
  PurgeUserResult,
  UpdateOperatorRequest,
} from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const fetchOperators = (signal?: AbortSignal) => api<OperatorAdminDto[]>('/api/admin/operators', { signal });
export const fetchTokens = (signal?: AbortSignal) => api<ApiTokenDto[]>('/api/admin/tokens', { signal });

export const operatorsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.admin.operators, queryFn: ({ signal }) => fetchOperators(signal) });
export const tokensQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.admin.tokens, queryFn: ({ signal }) => fetchTokens(signal) });

export const useOperators = () => useQuery(operatorsQueryOptions());
export const useTokens = () => useQuery(tokensQueryOptions());

export function useInviteOperator() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (req: CreateOperatorRequest) =>
      api<CreateOperatorResult>('/api/admin/operators', { method: 'POST', body: req }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.admin.operators }),
  });
}

export function useUpdateOperator() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...patch }: UpdateOperatorRequest & { id: number }) =>
      api<OperatorAdminDto>(`/api/admin/operators/${id}`, { method: 'PATCH', body: patch }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.admin.operators }),
  });
}

export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (req: CreateApiTokenRequest) =>
      api<CreatedApiToken>('/api/admin/tokens', { method: 'POST', body: req }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.admin.tokens }),
  });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<ApiTokenDto>(`/api/admin/tokens/${id}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.admin.tokens }),
  });
}

export function usePurgeUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) =>
      api<PurgeUserResult>(`/api/admin/users/${encodeURIComponent(userId)}/purge`, { method: 'POST' }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: queryKeys.users.detail(r.userId) });
      void qc.invalidateQueries({ queryKey: queryKeys.events.all });
      void qc.invalidateQueries({ queryKey: queryKeys.overview });
    },
  });
}

// Alert channels (configured by environment): listed with how their last alert went, and a test alert.
export const useAlertChannelsAdmin = () =>
  useQuery({
    queryKey: queryKeys.admin.alertChannels,
    queryFn: ({ signal }) => api<AlertChannelDto[]>('/api/admin/alert-channels', { signal }),
  });

export function useSendTestAlert() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (channel: AlertChannelName) =>
      api<AlertChannelDto[]>('/api/admin/alert-channels/test', { method: 'POST', body: { channel } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: queryKeys.admin.alertChannels });
      void qc.invalidateQueries({ queryKey: queryKeys.incidents.channels });
    },
  });
}
