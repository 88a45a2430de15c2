import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import type { EventSummary } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { ListFooter } from '../../../components/ListFooter.tsx';
import { PauseControl } from '../../../components/PauseControl.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { VirtualTable, type Column } from '../../../components/VirtualTable.tsx';
import { flattenFeed, isFeedTrimmed } from '../../../lib/live-feed.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { usePausedFeed } from '../../../lib/use-paused-feed.ts';
import { useEventsList } from '../api/events.ts';
import { parseEventFilters } from '../api/filters.ts';
import { EventFiltersBar } from './EventFiltersBar.tsx';
import { useLoadMore } from '../../../lib/use-load-more.ts';

const COLUMNS: Column<EventSummary>[] = [
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
    className: 'mono',
    render: (e) => (e.userId ? <Link to={`/users/${encodeURIComponent(e.userId)}`}>{e.userId}</Link> : <span className="muted">—</span>),
  },
  { key: 'svix', header: 'Svix id', width: '20%', className: 'mono muted', render: (e) => e.svixId },
  { key: 'error', header: 'Error', className: 'error-text', render: (e) => e.error ?? '' },
];

export function EventsPage() {
  const [params] = useSearchParams();
  const filters = useMemo(() => parseEventFilters(params), [params]);
  const queryClient = useQueryClient();
  const query = useEventsList(filters);
  const items = useMemo(() => flattenFeed(query.data), [query.data]);
  const feed = usePausedFeed(items);
  const { hasNextPage, isFetchingNextPage } = query;
  const loadMore = useLoadMore(query);
  const filtered = Object.keys(filters).length > 0;

  return (
    <>
      <title>Live events · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Live events</h1>
        <PauseControl paused={feed.paused} newCount={feed.newCount} onPause={feed.pause} onResume={feed.resume} />
      </div>
      <EventFiltersBar />
      <DataState
        isPending={query.isPending}
        error={query.isFetchNextPageError ? null : query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
        isEmpty={feed.visible.length === 0}
        empty={
          filtered
            ? 'No events match these filters yet. New ones appear here as they arrive.'
            : 'No events received yet. They appear here as soon as Clerk sends them.'
        }
      >
        <VirtualTable
          items={feed.visible}
          columns={COLUMNS}
          getKey={(e) => e.id}
          caption="Events, newest first"
          onEndReached={feed.paused ? undefined : loadMore}
          rowClassName={(e) => (e.outcome === 'failed' ? 'row--failed' : undefined)}
          footer={
            <ListFooter
              noun="events"
              count={feed.visible.length}
              hasNextPage={hasNextPage}
              isFetchingNextPage={isFetchingNextPage}
              fetchNextPage={loadMore}
              trimmed={isFeedTrimmed(query.data)}
              onReload={() => void queryClient.resetQueries({ queryKey: queryKeys.events.list(filters) })}
            />
          }
        />
      </DataState>
      {query.isFetchNextPageError && <p className="callout callout--error">Could not load older events: {query.error?.message}</p>}
    </>
  );
}
