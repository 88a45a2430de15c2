import { Link } from 'react-router';
import { DELIVERY_OUTCOMES, type DeliverySummary } from '@contract/contract.ts';
import { Id } from '../../../components/Id.tsx';
import { FilterBar, filterOptions, type FilterField } from '../../../components/FilterBar.tsx';
import { ListPageHeader, ListTable, type ListTableSpec } from '../../../components/ListPage.tsx';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { HttpStatus, StatusBadge, statusLabel } from '../../../components/StatusBadge.tsx';
import { usePermissions } from '../../../lib/session.ts';
import { formatDuration } from '../../../lib/time.ts';
import { useLiveList, usePausedList } from '../../../lib/use-live-list.ts';
import { deliveriesList } from '../api/deliveries.ts';
import { BulkReplayStart, ReplayJobPanel } from './BulkReplay.tsx';

const TABLE: ListTableSpec<DeliverySummary> = {
  caption: 'Deliveries, newest first',
  noun: 'deliveries',
  columns: [
    {
      key: 'id',
      header: 'Delivery',
      width: '6.5rem',
      render: (d) => (
        <Link to={`/deliveries/${d.id}`} className="row-link" aria-label={`Delivery ${d.id}`}>
          #{d.id}
        </Link>
      ),
    },
    { key: 'received', header: 'Received', width: '7.5rem', render: (d) => <RelativeTime iso={d.receivedAt} /> },
    { key: 'status', header: 'Status', width: '5rem', render: (d) => <HttpStatus code={d.httpStatus} /> },
    { key: 'outcome', header: 'Outcome', width: '9rem', render: (d) => <StatusBadge status={d.outcome} /> },
    { key: 'type', header: 'Event type', width: '18%', render: (d) => d.eventType ?? <span className="muted">—</span> },
    {
      key: 'user',
      header: 'User',
      width: '18%',
      render: (d) =>
        d.userId ? (
          <Link to={`/users/${encodeURIComponent(d.userId)}`} aria-label={`User ${d.userLabel ?? d.userId}`}>
            <Id value={d.userId} label={d.userLabel} copy={false} />
          </Link>
        ) : (
          <span className="muted">—</span>
        ),
    },
    {
      key: 'verified',
      header: 'Signature',
      width: '8rem',
      render: (d) =>
        d.verified ? <span className="muted">verified</span> : <span className="error-text">not verified</span>,
    },
    { key: 'duration', header: 'Time', width: '6rem', className: 'num', render: (d) => formatDuration(d.durationMs) },
    {
      key: 'error',
      header: 'Error',
      className: 'error-text',
      render: (d) =>
        d.replayOf ? <span className="muted">replay of #{d.replayOf}</span> : (d.errorCode ?? d.error ?? ''),
    },
  ],
  rowClassName: (d) => (d.failed ? 'row--failed' : undefined),
  empty: 'No deliveries yet. Every request to the webhook endpoint shows up here.',
  emptyFiltered: 'No deliveries match these filters.',
};

const FILTERS: FilterField[] = [
  { kind: 'toggle', param: 'failed', label: 'Failed only' },
  {
    kind: 'select',
    param: 'outcome',
    label: 'Outcome',
    any: 'any outcome',
    options: filterOptions(DELIVERY_OUTCOMES, statusLabel),
  },
  { kind: 'text', param: 'status', label: 'Status code', placeholder: 'any', size: 'narrow', digits: 3 },
];

export function DeliveriesPage() {
  const list = usePausedList(useLiveList(deliveriesList));
  const { filters } = list;
  const { canOperate } = usePermissions();
  const filterText = list.filtered
    ? [
        filters.failed && 'failed',
        filters.outcome && `outcome ${statusLabel(filters.outcome)}`,
        filters.status && `status ${filters.status}`,
      ]
        .filter(Boolean)
        .join(', ')
    : 'every delivery';

  return (
    <>
      <ListPageHeader
        title="Deliveries"
        intro="Every request to the webhook endpoint, including forged and failed ones."
        list={list}
      />
      <div className="toolbar toolbar--wrap">
        <FilterBar label="Delivery filters" fields={FILTERS} />
        <div className="toolbar__actions">
          {/* a new scope (other filters) starts from a new dry run */}
          <BulkReplayStart
            key={JSON.stringify(filters)}
            scope={{ filter: filters }}
            label="Replay all matching…"
            what={filterText}
            disabled={!canOperate}
            describedBy="replay-scope"
          />
          <span id="replay-scope" className="muted small">
            Re-applies the stored, verified payloads of {filterText}.
          </span>
        </div>
      </div>
      {!canOperate && <ReadOnlyNotice action="replay deliveries" />}
      <ReplayJobPanel />
      <ListTable list={list} table={TABLE} />
    </>
  );
}
