import { Link } from 'react-router';
import type { UseQueryResult } from '@tanstack/react-query';
import type { EventSummary, Page } from '@contract/contract.ts';
import { DataState } from './DataState.tsx';
import { RelativeTime } from './RelativeTime.tsx';
import { StatusBadge } from './StatusBadge.tsx';

/** The events of one user or organization, newest first, with their outcome (failed ones marked). */
export function EventTimeline({ query, empty }: { query: UseQueryResult<Page<EventSummary>>; empty: string }) {
  const events = query.data?.items ?? [];
  return (
    <DataState
      isPending={query.isPending}
      error={query.error}
      hasData={!!query.data}
      onRetry={() => void query.refetch()}
      isEmpty={events.length === 0}
      empty={empty}
    >
      <ol className="timeline">
        {events.map((e) => (
          <li
            key={e.id}
            className={e.outcome === 'failed' ? 'timeline__item timeline__item--failed' : 'timeline__item'}
          >
            <RelativeTime iso={e.receivedAt} className="timeline__time" />
            <Link to={`/events/${encodeURIComponent(e.svixId)}`}>{e.type}</Link>
            <StatusBadge status={e.outcome} />
            {e.error && <span className="error-text small">{e.error}</span>}
          </li>
        ))}
      </ol>
    </DataState>
  );
}
