import { EVENT_OUTCOMES } from '@contract/contract.ts';
import type { EventFilters } from '../../../lib/query-keys.ts';
import { pickEnum } from '../../../lib/use-search-filters.ts';

/** The list filters as they stand in the URL; unknown values are ignored rather than sent. */
export function parseEventFilters(params: URLSearchParams): EventFilters {
  const filters: EventFilters = {};
  const type = params.get('type');
  const outcome = pickEnum(params.get('outcome'), EVENT_OUTCOMES);
  const userId = params.get('userId');
  const q = params.get('q');
  const from = params.get('from');
  const to = params.get('to');
  if (type) filters.type = type;
  if (outcome) filters.outcome = outcome;
  if (userId) filters.userId = userId;
  if (q) filters.q = q;
  if (from) filters.from = from;
  if (to) filters.to = to;
  return filters;
}

/** Clerk's event types the monitor knows about, offered as suggestions (any type can be typed). */
export const KNOWN_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'session.created',
  'session.ended',
  'session.removed',
  'session.revoked',
  'session.pending',
  'email.created',
  'organization.created',
  'organization.updated',
  'organization.deleted',
];
