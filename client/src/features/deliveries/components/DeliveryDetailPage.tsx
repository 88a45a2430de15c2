import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import { DataState } from '../../../components/DataState.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { Id } from '../../../components/Id.tsx';
import { JsonView } from '../../../components/JsonView.tsx';
import { DateTime } from '../../../components/RelativeTime.tsx';
import { HttpStatus, StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { formatDuration } from '../../../lib/time.ts';
import { useDeliveryDetail, useReplayDelivery } from '../api/deliveries.ts';
import { ReplayOutcome } from './ReplayResults.tsx';
import { usePermissions } from '../../../lib/session.ts';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';

// Signatures are secrets-adjacent: never shown, even if a server build forgot to redact them.
const SIGNATURE_HEADERS = new Set(['svix-signature', 'webhook-signature']);

type Header = readonly [name: string, value: string];

const HEADER_COLUMNS: Column<Header>[] = [
  { key: 'name', header: 'Header', rowHeader: true, className: 'mono', render: ([name]) => name },
  {
    key: 'value',
    header: 'Value',
    className: 'mono break',
    render: ([name, value]) =>
      SIGNATURE_HEADERS.has(name.toLowerCase()) ? <span className="muted">(redacted)</span> : value,
  },
];

function parseBody(body: string): { json: unknown } | null {
  try {
    return { json: JSON.parse(body) };
  } catch {
    return null;
  }
}

export function DeliveryDetailPage() {
  const { id = '' } = useParams();
  const deliveryId = Number(id);
  const valid = Number.isInteger(deliveryId) && deliveryId > 0;
  const query = useDeliveryDetail(valid ? deliveryId : -1);
  const replay = useReplayDelivery();
  const { canOperate } = usePermissions();
  const d = query.data;
  const parsed = useMemo(() => (d ? parseBody(d.body) : null), [d]);
  const headers = useMemo(() => (d ? Object.entries(d.headers).sort(([a], [b]) => a.localeCompare(b)) : []), [d]);

  if (!valid) {
    return (
      <>
        <h1>Delivery not found</h1>
        <p>
          “{id}” is not a delivery id. <Link to="/deliveries">Back to deliveries</Link>
        </p>
      </>
    );
  }
  const blocked = d
    ? (d.replayBlockedReason ?? (d.verified ? null : 'This request’s signature was not verified.'))
    : null;

  return (
    <>
      <title>{`Delivery #${deliveryId} · Clerk Sync Monitor`}</title>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/deliveries">Deliveries</Link> <span aria-hidden="true">/</span> #{deliveryId}
      </nav>
      <DataState isPending={query.isPending} error={query.error} hasData={!!d} onRetry={() => void query.refetch()}>
        {d && (
          <>
            <div className="page-header">
              <h1>
                Delivery #{d.id} <StatusBadge status={d.outcome} />
              </h1>
              <div className="replay">
                <button
                  type="button"
                  className="button button--primary"
                  disabled={!!blocked || replay.isPending || !canOperate}
                  aria-describedby={blocked ? 'replay-blocked' : undefined}
                  onClick={() => replay.mutate(d.id)}
                >
                  {replay.isPending ? 'Replaying…' : 'Replay'}
                </button>
              </div>
            </div>
            {!canOperate && <ReadOnlyNotice action="replay deliveries" />}
            {blocked && (
              <p id="replay-blocked" className="callout callout--warn">
                <strong>Cannot be replayed:</strong> {blocked}
              </p>
            )}
            {replay.error && <ErrorMessage error={replay.error} title="Replay refused" />}
            {replay.data && <ReplayOutcome result={replay.data} />}

            <section className="card" aria-label="Summary">
              <dl className="facts">
                <dt>Received</dt>
                <dd>
                  <DateTime iso={d.receivedAt} />
                </dd>
                <dt>Event</dt>
                <dd>
                  {d.svixId && d.verified ? (
                    <Link to={`/events/${encodeURIComponent(d.svixId)}`} className="mono">
                      {d.svixId}
                    </Link>
                  ) : (
                    <span className="mono">{d.svixId ?? '—'}</span>
                  )}
                  {d.eventType && <span className="muted"> ({d.eventType})</span>}
                </dd>
                <dt>User</dt>
                <dd>
                  {d.userId ? (
                    <Link to={`/users/${encodeURIComponent(d.userId)}`} aria-label={`User ${d.userLabel ?? d.userId}`}>
                      <Id value={d.userId} label={d.userLabel} copy={false} />
                    </Link>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </dd>
                <dt>Signature</dt>
                <dd>{d.verified ? 'verified' : <span className="error-text">not verified</span>}</dd>
                {d.sourceIp && (
                  <>
                    <dt>From</dt>
                    <dd className="mono">{d.sourceIp}</dd>
                  </>
                )}
                {d.replayOf && (
                  <>
                    <dt>Replay of</dt>
                    <dd>
                      <Link to={`/deliveries/${d.replayOf}`}>delivery #{d.replayOf}</Link>
                    </dd>
                  </>
                )}
                <dt>Handled in</dt>
                <dd>{formatDuration(d.durationMs)}</dd>
              </dl>
            </section>

            <section className="card" aria-labelledby="answer-heading">
              <h2 id="answer-heading">Answer</h2>
              <dl className="facts">
                <dt>Status</dt>
                <dd>
                  <HttpStatus code={d.httpStatus} />
                </dd>
                <dt>Outcome</dt>
                <dd>
                  <StatusBadge status={d.outcome} />
                </dd>
                {d.errorCode && (
                  <>
                    <dt>Error code</dt>
                    <dd className="mono">{d.errorCode}</dd>
                  </>
                )}
                {d.error && (
                  <>
                    <dt>Error</dt>
                    <dd className="error-text">{d.error}</dd>
                  </>
                )}
              </dl>
            </section>

            <section className="card" aria-labelledby="headers-heading">
              <h2 id="headers-heading">Request headers</h2>
              <p className="muted small">
                {d.headerBytes !== null && `${d.headerBytes.toLocaleString()} bytes of headers. `}
                {!d.verified && 'The signature did not verify, so only these few headers were kept, cut short.'}
              </p>
              <Table items={headers} columns={HEADER_COLUMNS} getKey={([name]) => name} caption="Request headers" />
            </section>

            <section className="card" aria-labelledby="body-heading">
              <h2 id="body-heading">Body</h2>
              <p className="muted small">
                {d.bodyBytes.toLocaleString()} bytes
                {d.bodyTruncated &&
                  (d.bodySha256
                    ? ' — the signature did not verify, so only its beginning was kept (and a hash of all of it)'
                    : ' — truncated for storage; only the beginning is shown')}
              </p>
              {d.bodySha256 && (
                <p className="small">
                  SHA-256 of the whole body: <span className="mono break">{d.bodySha256}</span>
                </p>
              )}
              {parsed ? (
                <JsonView data={parsed.json} label="Request body" />
              ) : (
                <pre className="code-block">{d.body || '(empty)'}</pre>
              )}
            </section>
          </>
        )}
      </DataState>
    </>
  );
}
