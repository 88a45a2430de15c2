import { Link } from 'react-router';
import type { EventSummary } from '@contract/contract.ts';
import { DateTime, RelativeTime } from './RelativeTime.tsx';

interface SyncFactsProps {
  clerkUpdatedAt: string | null;
  updatedAt: string;
  source: string;
  lastComparedAt: string | null;
  lastEvent: EventSummary | null;
}

/** What every local copy (a user, an organization) knows of its sync: terms of a description list. */
export function SyncFacts({ clerkUpdatedAt, updatedAt, source, lastComparedAt, lastEvent }: SyncFactsProps) {
  return (
    <>
      <dt>Clerk updated</dt>
      <dd>
        <DateTime iso={clerkUpdatedAt} />
      </dd>
      <dt>Local copy updated</dt>
      <dd>
        <DateTime iso={updatedAt} /> <span className="muted">via {source}</span>
      </dd>
      <dt>Last compared</dt>
      <dd>
        <DateTime iso={lastComparedAt} />
      </dd>
      <dt>Last event</dt>
      <dd>
        {lastEvent ? (
          <>
            <Link to={`/events/${encodeURIComponent(lastEvent.svixId)}`}>{lastEvent.type}</Link>{' '}
            <RelativeTime iso={lastEvent.receivedAt} className="muted" />
          </>
        ) : (
          '—'
        )}
      </dd>
    </>
  );
}
