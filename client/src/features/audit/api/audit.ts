import { AUDIT_ACTIONS, type AuditEntryDto, type Page } from '@contract/contract.ts';
import { api } from '../../../lib/api.ts';
import { queryKeys, type AuditFilters } from '../../../lib/query-keys.ts';
import type { ListSpec } from '../../../lib/use-live-list.ts';
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

export const auditList: ListSpec<AuditEntryDto, AuditFilters> = {
  parseFilters: parseAuditFilters,
  queryKey: queryKeys.audit.list,
  fetchPage: fetchAudit,
};
