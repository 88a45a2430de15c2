import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import type { DeliverySummary, EventDetail } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { DiffTable } from '../../../components/DiffTable.tsx';
import { JsonView } from '../../../components/JsonView.tsx';
import { DateTime, RelativeTime } from '../../../components/RelativeTime.tsx';
import { HttpStatus, StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { diffValues } from '../../../lib/diff.ts';
import { useEventDetail } from '../api/events.ts';

/** The user JSON an event carries (Clerk puts the object in `data`). */
function eventUser(payload: unknown): unknown {
  return payload && typeof payload === 'object' && 'data' in payload ? (payload as { data: unknown }).data : undefined;
}

function UserChange({ event }: { event: EventDetail }) {
  const after = eventUser(event.payload);
  const rows = useMemo(
    () => (event.previousUser ? diffValues(event.previousUser, after) : []),
    [event.previousUser, after],
  );
  return (
    <section aria-labelledby="diff-heading" className="card">
      <h2 id="diff-heading">Changes to the user</h2>
      {event.previousUser ? (
        <DiffTable
          rows={rows}
          caption="Fields this event changed, compared with the previous version of the user"
          beforeLabel="Previous version"
          afterLabel="This event"
          empty="This event carried the same user data as the previous version."
        />
      ) : (
        <p className="muted">
          {event.type === 'user.created'
            ? 'The first version of this user: there is nothing earlier to compare with.'
            : 'No earlier version of this user was seen, so there is nothing to compare with.'}
        </p>
      )}
    </section>
  );
}

const DELIVERY_COLUMNS: Column<DeliverySummary>[] = [
  { key: 'id', header: 'Delivery', render: (d) => <Link to={`/deliveries/${d.id}`}>#{d.id}</Link> },
  { key: 'received', header: 'Received', render: (d) => <RelativeTime iso={d.receivedAt} /> },
  { key: 'status', header: 'Status', render: (d) => <HttpStatus code={d.httpStatus} /> },
  { key: 'outcome', header: 'Outcome', render: (d) => <StatusBadge status={d.outcome} /> },
  {
    key: 'signature',
    header: 'Signature',
    render: (d) => (d.verified ? 'verified' : <span className="error-text">not verified</span>),
  },
  {
    key: 'note',
    header: 'Note',
    className: 'muted',
    render: (d) =>
      d.replayOf ? (
        <>
          replay of <Link to={`/deliveries/${d.replayOf}`}>#{d.replayOf}</Link>
        </>
      ) : (
        (d.error ?? '')
      ),
  },
];

function DeliveriesOfEvent({ deliveries }: { deliveries: DeliverySummary[] }) {
  return (
    <section aria-labelledby="deliveries-heading" className="card">
      <h2 id="deliveries-heading">Deliveries that carried it</h2>
      {deliveries.length === 0 ? (
        <p className="muted">No delivery is recorded for this event.</p>
      ) : (
        <Table items={deliveries} columns={DELIVERY_COLUMNS} getKey={(d) => d.id} caption="Deliveries of this event" />
      )}
    </section>
  );
}

export function EventDetailPage() {
  const { svixId = '' } = useParams();
  const query = useEventDetail(svixId);
  const event = query.data;

  return (
    <>
      <title>{`${event?.type ?? 'Event'} · Clerk Sync Monitor`}</title>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/events">Live events</Link> <span aria-hidden="true">/</span> <span className="mono">{svixId}</span>
      </nav>
      <DataState isPending={query.isPending} error={query.error} hasData={!!event} onRetry={() => void query.refetch()}>
        {event && (
          <>
            <div className="page-header">
              <h1>
                {event.type} <StatusBadge status={event.outcome} />
              </h1>
            </div>
            {event.outcome === 'failed' && event.error && (
              <div className="callout callout--error" role="alert">
                <p className="callout__title">Applying this event failed</p>
                <p>{event.error}</p>
              </div>
            )}
            <section className="card" aria-label="Summary">
              <dl className="facts">
                <dt>Outcome</dt>
                <dd>
                  <StatusBadge status={event.outcome} /> <OutcomeHelp outcome={event.outcome} />
                </dd>
                <dt>Svix id</dt>
                <dd className="mono selectable">{event.svixId}</dd>
                <dt>User</dt>
                <dd className="mono">
                  {event.userId ? <Link to={`/users/${encodeURIComponent(event.userId)}`}>{event.userId}</Link> : '—'}
                </dd>
                {event.objectId && event.objectId !== event.userId && (
                  <>
                    <dt>Object</dt>
                    <dd className="mono">{event.objectId}</dd>
                  </>
                )}
                <dt>Occurred</dt>
                <dd>
                  <DateTime iso={event.occurredAt} />
                </dd>
                <dt>Received</dt>
                <dd>
                  <DateTime iso={event.receivedAt} />
                </dd>
                <dt>Applied</dt>
                <dd>
                  <DateTime iso={event.appliedAt} />
                </dd>
              </dl>
            </section>
            {event.type.startsWith('user.') && <UserChange event={event} />}
            <DeliveriesOfEvent deliveries={event.deliveries} />
            <section aria-labelledby="payload-heading" className="card">
              <h2 id="payload-heading">Payload</h2>
              {event.payloadPurged ? (
                <p className="muted">
                  The payload was erased by retention or a privacy purge; the event itself stays for deduplication.
                </p>
              ) : (
                <>
                  {event.payloadDepthCapped && (
                    <p className="muted small">
                      It nests deeper than 64 levels (stored before such events were refused): the deeper parts are not
                      shown.
                    </p>
                  )}
                  <JsonView data={event.payload} label="Event payload" />
                </>
              )}
            </section>
          </>
        )}
      </DataState>
    </>
  );
}

const OUTCOME_HELP: Record<EventDetail['outcome'], string> = {
  applied: 'written to the local copy',
  stale: 'older than the local copy, so not written',
  duplicate: 'already received; ignored',
  conflict: 'same version time as the local copy but other content; the user is resynced from Clerk',
  not_projected: 'a type the local copy does not keep',
  failed: 'could not be applied',
  quarantined:
    'failed to apply too often: acknowledged to Svix and parked; replay it from its incident once the cause is fixed',
};

function OutcomeHelp({ outcome }: { outcome: EventDetail['outcome'] }) {
  return <span className="muted">— {OUTCOME_HELP[outcome]}</span>;
}
