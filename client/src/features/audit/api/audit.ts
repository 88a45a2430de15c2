import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { AUDIT_ACTIONS, type AuditEntryDto, type Page } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys, type AuditFilters } from '../../../lib/query-keys.ts';
import { pickEnum } from '../../../lib/use-search-filters.ts';

export const fetchAudit = (filters: AuditFilters, cursor: string | null, signal?: AbortSignal) =>
  api<Page<AuditEntryDto>>('/api/audit', { query: { ...filters, cursor, limit: 100 }, signal });

export function parseAuditFilters(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  const action = pickEnum(params.get('action'), AUDIT_ACTIONS);
  const actor = params.get('actor');
  if (action) filters.action = action;
  if (actor) filters.actor = actor;
  return filters;
}

export const auditListOptions = (filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: queryKeys.audit.list(filters),
    queryFn: ({ pageParam, signal }) => fetchAudit(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });

export const useAuditList = (filters: AuditFilters) => useInfiniteQuery(auditListOptions(filters));
