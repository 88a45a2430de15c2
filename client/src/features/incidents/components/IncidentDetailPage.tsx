import { useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { AffectedEvent, IncidentAlertDto, IncidentDetail } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { DateTime, RelativeTime } from '../../../components/RelativeTime.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';
import { usePermissions } from '../../../lib/session.ts';
import {
  useAcknowledgeIncident,
  useAlertChannels,
  useIncident,
  useReplayIncident,
  useResolveIncident,
} from '../api/incidents.ts';
import { FailingChannels, IncidentStateBadge, KIND_LABEL } from './IncidentBits.tsx';

const EVENT_COLUMNS: Column<AffectedEvent>[] = [
  {
    key: 'svixId',
    header: 'Event',
    rowHeader: true,
    className: 'mono',
    render: (e) => <Link to={`/events/${encodeURIComponent(e.svixId)}`}>{e.svixId}</Link>,
  },
  {
    key: 'outcome',
    header: 'Outcome now',
    render: (e) => (e.outcome ? <StatusBadge status={e.outcome} /> : <span className="muted">purged</span>),
  },
  {
    key: 'user',
    header: 'User',
    className: 'mono',
    render: (e) => (e.userId ? <Link to={`/users/${encodeURIComponent(e.userId)}`}>{e.userId}</Link> : '—'),
  },
  {
    key: 'delivery',
    header: 'Delivery',
    render: (e) => (e.deliveryId ? <Link to={`/deliveries/${e.deliveryId}`}>#{e.deliveryId}</Link> : '—'),
  },
];

const ALERT_COLUMNS: Column<IncidentAlertDto>[] = [
  { key: 'at', header: 'When', render: (a) => <RelativeTime iso={a.at} /> },
  { key: 'channel', header: 'Channel', rowHeader: true, render: (a) => a.channel },
  { key: 'kind', header: 'Alert', render: (a) => a.kind },
  {
    key: 'status',
    header: 'Result',
    render: (a) => <span className={`badge badge--${a.status === 'sent' ? 'ok' : 'bad'}`}>{a.status}</span>,
  },
  { key: 'attempts', header: 'Attempts', className: 'num', render: (a) => a.attempts },
  { key: 'error', header: 'Why not', className: 'break', render: (a) => a.error ?? '—' },
];

function Actions({ incident }: { incident: IncidentDetail }) {
  const [note, setNote] = useState('');
  const noteId = useId();
  const acknowledge = useAcknowledgeIncident();
  const resolve = useResolveIncident();
  const replay = useReplayIncident();
  const { canOperate } = usePermissions();
  const stuck = incident.affected.events.filter((e) => e.outcome === 'failed' || e.outcome === 'quarantined').length;
  const busy = acknowledge.isPending || resolve.isPending || replay.isPending;
  const clearNote = () => setNote('');

  return (
    <section className="card" aria-labelledby="actions-heading">
      <h2 id="actions-heading">Handle it</h2>
      {!canOperate && <ReadOnlyNotice action="acknowledge or resolve incidents" />}
      {incident.state !== 'resolved' && (
        <form
          aria-label="Acknowledge or resolve"
          className="incident-note"
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <label htmlFor={noteId}>Note (optional)</label>
          <textarea
            id={noteId}
            value={note}
            maxLength={2000}
            rows={2}
            onChange={(e) => setNote(e.target.value)}
            disabled={!canOperate}
          />
          <div className="button-row">
            {incident.state === 'open' && (
              <button
                type="button"
                className="button"
                disabled={!canOperate || busy}
                onClick={() => acknowledge.mutate({ id: incident.id, note }, { onSuccess: clearNote })}
              >
                Acknowledge
              </button>
            )}
            <button
              type="button"
              className="button button--primary"
              disabled={!canOperate || busy}
              onClick={() => resolve.mutate({ id: incident.id, note }, { onSuccess: clearNote })}
            >
              Resolve
            </button>
          </div>
        </form>
      )}
      {incident.kind === 'apply_failed' && (
        <p>
          <button
            type="button"
            className="button"
            disabled={!canOperate || busy || stuck === 0}
            onClick={() => replay.mutate(incident.id)}
          >
            {replay.isPending ? 'Replaying…' : `Replay affected (${stuck})`}
          </button>{' '}
          <span className="muted small">
            {stuck === 0
              ? 'Every affected event is applied.'
              : 'Once the cause is fixed: applies the failed and quarantined events again.'}
          </span>
        </p>
      )}
      {acknowledge.error && <ErrorMessage error={acknowledge.error} title="Acknowledge refused" />}
      {resolve.error && <ErrorMessage error={resolve.error} title="Resolve refused" />}
      {replay.error && <ErrorMessage error={replay.error} title="Replay refused" />}
      {replay.data && (
        <p role="status">
          Replayed {replay.data.replayed} event(s):{' '}
          {Object.entries(
            replay.data.results.reduce<Record<string, number>>(
              (m, r) => ({ ...m, [r.outcome]: (m[r.outcome] ?? 0) + 1 }),
              {},
            ),
          )
            .map(([o, n]) => `${n} ${o}`)
            .join(', ')}
          .
        </p>
      )}
    </section>
  );
}

export function IncidentDetailPage() {
  const { id = '' } = useParams();
  const query = useIncident(id);
  const channels = useAlertChannels();
  const i = query.data;
  return (
    <>
      <title>{`${i?.title ?? 'Incident'} · Clerk Sync Monitor`}</title>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/incidents">Incidents</Link> <span aria-hidden="true">/</span> <span className="mono">{id}</span>
      </nav>
      <DataState isPending={query.isPending} error={query.error} hasData={!!i} onRetry={() => void query.refetch()}>
        {i && (
          <>
            <div className="page-header">
              <h1>
                {i.title} <IncidentStateBadge state={i.state} />
              </h1>
            </div>
            <FailingChannels channels={channels.data} />
            <section className="card" aria-label="Summary">
              <p>{i.cause}</p>
              <dl className="facts">
                <dt>Kind</dt>
                <dd>{KIND_LABEL[i.kind]}</dd>
                <dt>Failures</dt>
                <dd>
                  {i.count.toLocaleString()}
                  {i.quarantined > 0 && <> · {i.quarantined.toLocaleString()} quarantined</>}
                </dd>
                <dt>Affected</dt>
                <dd>
                  {i.affectedCounts.events} event(s), {i.affectedCounts.deliveries} deliveries, {i.affectedCounts.users}{' '}
                  user(s)
                </dd>
                <dt>First seen</dt>
                <dd>
                  <DateTime iso={i.firstSeenAt} />
                </dd>
                <dt>Last seen</dt>
                <dd>
                  <DateTime iso={i.lastSeenAt} />
                </dd>
                {i.acknowledgedAt && (
                  <>
                    <dt>Acknowledged</dt>
                    <dd>
                      <DateTime iso={i.acknowledgedAt} /> by {i.acknowledgedBy}
                    </dd>
                  </>
                )}
                {i.resolvedAt && (
                  <>
                    <dt>Resolved</dt>
                    <dd>
                      <DateTime iso={i.resolvedAt} /> {i.resolvedBy === 'auto' ? 'by itself' : `by ${i.resolvedBy}`}
                    </dd>
                  </>
                )}
                {i.note && (
                  <>
                    <dt>Note</dt>
                    <dd>{i.note}</dd>
                  </>
                )}
                <dt>Fingerprint</dt>
                <dd className="mono small break">{i.fingerprint}</dd>
              </dl>
            </section>
            {(i.state !== 'resolved' || i.kind === 'apply_failed') && <Actions incident={i} />}
            {i.affected.events.length > 0 && (
              <section className="card" aria-labelledby="affected-heading">
                <h2 id="affected-heading">Affected events</h2>
                <Table
                  items={i.affected.events}
                  columns={EVENT_COLUMNS}
                  getKey={(e) => e.id}
                  caption="Events of this incident"
                />
                {i.affectedCounts.events > i.affected.events.length && (
                  <p className="muted small">
                    The first {i.affected.events.length} of {i.affectedCounts.events} are listed.
                  </p>
                )}
              </section>
            )}
            <section className="card" aria-labelledby="alerts-heading">
              <h2 id="alerts-heading">Alerts</h2>
              {i.alerts.length === 0 ? (
                <p className="muted">No alert sent for it (no channel configured, or it is being sent).</p>
              ) : (
                <Table
                  items={i.alerts}
                  columns={ALERT_COLUMNS}
                  getKey={(a) => a.id}
                  caption="Alerts sent for this incident, newest first"
                />
              )}
            </section>
          </>
        )}
      </DataState>
    </>
  );
}
