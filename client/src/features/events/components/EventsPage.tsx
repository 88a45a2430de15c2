import { Link } from 'react-router';
import { EVENT_OUTCOMES, type EventSummary } from '@contract/contract.ts';
import { FilterBar, filterOptions, type FilterField } from '../../../components/FilterBar.tsx';
import { ListPageHeader, ListTable, type ListTableSpec } from '../../../components/ListPage.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { Id } from '../../../components/Id.tsx';
import { StatusBadge, statusLabel } from '../../../components/StatusBadge.tsx';
import { useLiveList, usePausedList } from '../../../lib/use-live-list.ts';
import { eventsList } from '../api/events.ts';
import { KNOWN_EVENT_TYPES } from '../api/filters.ts';

const TABLE: ListTableSpec<EventSummary> = {
  caption: 'Events, newest first',
  noun: 'events',
  columns: [
    { key: 'received', header: 'Received', width: '7.5rem', render: (e) => <RelativeTime iso={e.receivedAt} /> },
    {
      key: 'type',
      header: 'Event',
      width: '24%',
      render: (e) => (
        <Link to={`/events/${encodeURIComponent(e.svixId)}`} className="row-link">
          {e.type}
        </Link>
      ),
    },
    { key: 'outcome', header: 'Outcome', width: '9rem', render: (e) => <StatusBadge status={e.outcome} /> },
    {
      key: 'user',
      header: 'User',
      width: '22%',
      render: (e) =>
        e.userId ? (
          <Link to={`/users/${encodeURIComponent(e.userId)}`} aria-label={`User ${e.userLabel ?? e.userId}`}>
            <Id value={e.userId} label={e.userLabel} copy={false} />
          </Link>
        ) : (
          <span className="muted">—</span>
        ),
    },
    { key: 'svix', header: 'Svix id', width: '20%', render: (e) => <Id value={e.svixId} max={14} /> },
    { key: 'error', header: 'Error', className: 'error-text', render: (e) => e.error ?? '' },
  ],
  rowClassName: (e) => (e.outcome === 'failed' ? 'row--failed' : undefined),
  empty: 'No events received yet. They appear here as soon as Clerk sends them.',
  emptyFiltered: 'No events match these filters yet. New ones appear here as they arrive.',
};

const FILTERS: FilterField[] = [
  {
    kind: 'text',
    param: 'type',
    label: 'Type',
    placeholder: 'user.created, session.',
    noSpellCheck: true,
    suggestions: { id: 'event-types', values: KNOWN_EVENT_TYPES },
  },
  {
    kind: 'select',
    param: 'outcome',
    label: 'Outcome',
    any: 'any outcome',
    options: filterOptions(EVENT_OUTCOMES, statusLabel),
  },
  { kind: 'text', param: 'userId', label: 'User', placeholder: 'id, email or name', noSpellCheck: true },
  { kind: 'timeRange', label: 'Received' },
  {
    kind: 'text',
    param: 'q',
    label: 'Text',
    placeholder: 'svix id, user or object id, text in the newest 50,000 payloads',
    search: true,
    size: 'grow',
  },
];

export function EventsPage() {
  const list = usePausedList(useLiveList(eventsList));
  return (
    <>
      <ListPageHeader title="Live events" list={list} />
      <FilterBar label="Event filters" fields={FILTERS} hiddenParams={[]} />
      <ListTable list={list} table={TABLE} />
    </>
  );
}
