import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { DELIVERY_OUTCOMES, type DeliverySummary } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { ListFooter } from '../../../components/ListFooter.tsx';
import { PauseControl } from '../../../components/PauseControl.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { HttpStatus, StatusBadge, statusLabel } from '../../../components/StatusBadge.tsx';
import { VirtualTable, type Column } from '../../../components/VirtualTable.tsx';
import { flattenFeed, isFeedTrimmed } from '../../../lib/live-feed.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { formatDuration } from '../../../lib/time.ts';
import { usePausedFeed } from '../../../lib/use-paused-feed.ts';
import { useDebouncedParam, useSearchParamsState } from '../../../lib/use-search-filters.ts';
import { parseDeliveryFilters, useDeliveriesList, useReplayMatching } from '../api/deliveries.ts';
import { BulkReplayOutcome } from './ReplayResults.tsx';
import { usePermissions } from '../../../lib/session.ts';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';
import { useLoadMore } from '../../../lib/use-load-more.ts';

const COLUMNS: Column<DeliverySummary>[] = [
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
  { key: 'type', header: 'Event type', width: '20%', render: (d) => d.eventType ?? <span className="muted">—</span> },
  {
    key: 'verified',
    header: 'Signature',
    width: '8rem',
    render: (d) => (d.verified ? <span className="muted">verified</span> : <span className="error-text">not verified</span>),
  },
  { key: 'duration', header: 'Time', width: '6rem', className: 'num', render: (d) => formatDuration(d.durationMs) },
  {
    key: 'error',
    header: 'Error',
    className: 'error-text',
    render: (d) => (d.replayOf ? <span className="muted">replay of #{d.replayOf}</span> : (d.errorCode ?? d.error ?? '')),
  },
];

function DeliveryFiltersBar() {
  const [params, set] = useSearchParamsState();
  const [status, setStatus] = useDebouncedParam('status');
  const failedOnly = params.get('failed') === 'true';
  const active = ['failed', 'outcome', 'status'].some((k) => params.has(k));
  return (
    <form className="filters" role="search" aria-label="Delivery filters" onSubmit={(e) => e.preventDefault()}>
      <button type="button" className="button button--toggle" aria-pressed={failedOnly} onClick={() => set({ failed: failedOnly ? null : 'true' })}>
        Failed only
      </button>
      <label className="field">
        <span>Outcome</span>
        <select value={params.get('outcome') ?? ''} onChange={(e) => set({ outcome: e.target.value })}>
          <option value="">any outcome</option>
          {DELIVERY_OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {statusLabel(o)}
            </option>
          ))}
        </select>
      </label>
      <label className="field field--narrow">
        <span>Status code</span>
        <input inputMode="numeric" pattern="[0-9]*" maxLength={3} value={status} onChange={(e) => setStatus(e.target.value.replace(/\D/g, ''))} placeholder="any" />
      </label>
      {active && (
        <button type="button" className="button button--link" onClick={() => set({ failed: null, outcome: null, status: null })}>
          Clear filters
        </button>
      )}
    </form>
  );
}

export function DeliveriesPage() {
  const [params] = useSearchParams();
  const filters = useMemo(() => parseDeliveryFilters(params), [params]);
  const queryClient = useQueryClient();
  const query = useDeliveriesList(filters);
  const items = useMemo(() => flattenFeed(query.data), [query.data]);
  const feed = usePausedFeed(items);
  const bulk = useReplayMatching();
  const { canOperate } = usePermissions();
  const { hasNextPage, isFetchingNextPage } = query;
  const loadMore = useLoadMore(query);
  const filtered = Object.keys(filters).length > 0;
  const filterText = filtered
    ? [filters.failed && 'failed', filters.outcome && `outcome ${statusLabel(filters.outcome)}`, filters.status && `status ${filters.status}`]
        .filter(Boolean)
        .join(', ')
    : 'every delivery';

  return (
    <>
      <title>Deliveries · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Deliveries</h1>
        <PauseControl paused={feed.paused} newCount={feed.newCount} onPause={feed.pause} onResume={feed.resume} />
      </div>
      <p className="muted">Every request to the webhook endpoint, including forged and failed ones.</p>
      <div className="toolbar toolbar--wrap">
        <DeliveryFiltersBar />
        <div className="toolbar__actions">
          <button
            type="button"
            className="button"
            aria-describedby="replay-scope"
            disabled={bulk.isPending || !canOperate}
            onClick={() => bulk.mutate({ filter: filters })}
          >
            {bulk.isPending ? 'Replaying…' : 'Replay all matching'}
          </button>
          <span id="replay-scope" className="muted small">
            Re-applies the stored, verified payloads of {filterText}.
          </span>
        </div>
      </div>
      {!canOperate && <ReadOnlyNotice action="replay deliveries" />}
      {bulk.error && <ErrorMessage error={bulk.error} title="Replay failed" />}
      {bulk.data && <BulkReplayOutcome result={bulk.data} onClose={() => bulk.reset()} />}
      <DataState
        isPending={query.isPending}
        error={query.isFetchNextPageError ? null : query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
        isEmpty={feed.visible.length === 0}
        empty={filtered ? 'No deliveries match these filters.' : 'No deliveries yet. Every request to the webhook endpoint shows up here.'}
      >
        <VirtualTable
          items={feed.visible}
          columns={COLUMNS}
          getKey={(d) => d.id}
          caption="Deliveries, newest first"
          onEndReached={feed.paused ? undefined : loadMore}
          rowClassName={(d) => (d.failed ? 'row--failed' : undefined)}
          footer={
            <ListFooter
              noun="deliveries"
              count={feed.visible.length}
              hasNextPage={hasNextPage}
              isFetchingNextPage={isFetchingNextPage}
              fetchNextPage={loadMore}
              trimmed={isFeedTrimmed(query.data)}
              onReload={() => void queryClient.resetQueries({ queryKey: queryKeys.deliveries.list(filters) })}
            />
          }
        />
      </DataState>
      {query.isFetchNextPageError && <p className="callout callout--error">Could not load older deliveries: {query.error?.message}</p>}
    </>
  );
}
