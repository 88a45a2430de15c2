// The signed-in operator as every part of the dashboard sees it (one React Query key), and what their
// role lets them do. The server enforces the roles; this only keeps the UI honest about them.
import { queryOptions, useQuery } from '@tanstack/react-query';
import type { MeDto, Role } from '@contract/contract.ts';
import { api, isApiError } from './api.ts';
import { queryKeys } from './query-keys.ts';

/** The signed-in operator, or null when nobody is (401). */
export async function fetchMe(signal?: AbortSignal): Promise<MeDto | null> {
  try {
    return await api<MeDto>('/api/auth/me', { signal });
  } catch (err) {
    if (isApiError(err) && err.status === 401) return null;
    throw err;
  }
}

export const meQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.me, queryFn: ({ signal }) => fetchMe(signal), staleTime: 60_000, retry: 1 });

export interface Permissions {
  role: Role | null;
  /** resync, replay, reconcile */
  canOperate: boolean;
  /** operators and API tokens */
  isAdmin: boolean;
}

export function permissionsOf(role: Role | null | undefined): Permissions {
  return { role: role ?? null, canOperate: role === 'operator' || role === 'admin', isAdmin: role === 'admin' };
}

export function usePermissions(): Permissions {
  const me = useQuery(meQueryOptions());
  return permissionsOf(me.data?.role);
}

/** Shown where a viewer would find an action: plain text, not a tooltip (keyboard and touch users see it too). */
export const VIEWER_EXPLANATION =
  'You are signed in as a viewer: you can see everything but not change it. Ask an admin for the operator role to';
