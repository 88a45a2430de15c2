import { Link, useSearchParams } from 'react-router';
import type { DeliverySummary, FailedMessage, FailureState } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { Id } from '../../../components/Id.tsx';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';
import { DateTime, RelativeTime } from '../../../components/RelativeTime.tsx';
import { HttpStatus, StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { usePermissions } from '../../../lib/session.ts';
import { formatNumber } from '../../../lib/time.ts';
import { useFailures } from '../api/failures.ts';
import type { ReplayScope } from '../api/replay-jobs.ts';
import { BulkReplayStart, ReplayJobPanel } from './BulkReplay.tsx';

const OUTSTANDING: ReplayScope = { filter: {}, outstandingOnly: true };

const ATTEMPT_COLUMNS: Column<DeliverySummary>[] = [
  { key: 'id', header: 'Attempt', render: (d) => <Link to={`/deliveries/${d.id}`}>#{d.id}</Link> },
  { key: 'at', header: 'Received', render: (d) => <RelativeTime iso={d.receivedAt} /> },
  { key: 'status', header: 'Status', render: (d) => <HttpStatus code={d.httpStatus} /> },
  { key: 'outcome', header: 'Outcome', render: (d) => <StatusBadge status={d.outcome} /> },
  {
    key: 'error',
    header: 'Error',
    className: 'error-text wrap',
    render: (d) => (d.replayOf ? `replay of #${d.replayOf}` : (d.error ?? d.errorCode ?? '')),
  },
];

function seconds(ms: number): string {
  return ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 3_600_000
      ? `${Math.round(ms / 60_000)} min`
      : `${Math.round(ms / 3_600_000)} h`;
}

function Message({ m }: { m: FailedMessage }) {
  return (
    <li className={`message message--${m.state}`}>
      <div className="message__head">
        <span className={`badge badge--${m.state === 'recovered' ? 'ok' : 'bad'}`}>{m.state}</span>
        <strong>{m.eventType ?? 'unknown type'}</strong>
        <Link to={`/events/${encodeURIComponent(m.svixId)}`} aria-label={`Event ${m.svixId}`} className="mono">
          <Id value={m.svixId} copy={false} />
        </Link>
        {m.userId && (
          <span>
            {m.userLabel && <span>{m.userLabel} </span>}
            <Link to={`/users/${m.userId}`} className="mono" aria-label={`User ${m.userLabel ?? m.userId}`}>
              <Id value={m.userId} copy={false} />
            </Link>
          </span>
        )}
      </div>
      <p className="message__facts">
        First failed <DateTime iso={m.firstFailedAt} /> · {m.attempts.length} attempt
        {m.attempts.length === 1 ? '' : 's'}
        {m.recoveredBy ? (
          <>
            {' '}
            ·{' '}
            <span className="ok-text">
              applied by {m.recoveredBy.replay ? 'replay' : 'attempt'}{' '}
              <Link to={`/deliveries/${m.recoveredBy.deliveryId}`}>#{m.recoveredBy.deliveryId}</Link>,{' '}
              {seconds(m.recoveredBy.afterMs)} later
            </span>
          </>
        ) : (
          m.lastError && (
            <>
              {' '}
              · <span className="error-text">{m.lastError}</span>
            </>
          )
        )}
      </p>
      <details>
        <summary>Attempts</summary>
        <Table items={m.attempts} columns={ATTEMPT_COLUMNS} getKey={(a) => a.id} caption={`Attempts of ${m.svixId}`} />
      </details>
    </li>
  );
}

function BulkReplay({ outstanding }: { outstanding: number }) {
  const { canOperate } = usePermissions();
  if (!canOperate) return <ReadOnlyNotice action="replay deliveries" />;
  return (
    <div className="toolbar toolbar--wrap">
      <BulkReplayStart
        scope={OUTSTANDING}
        label="Replay outstanding… (dry run first)"
        what="outstanding messages"
        disabled={outstanding === 0}
      />
    </div>
  );
}

export function FailuresPage() {
  const [params, setParams] = useSearchParams();
  const state: FailureState = params.get('state') === 'recovered' ? 'recovered' : 'outstanding';
  const query = useFailures(state);
  const page = query.data;
  const tab = (s: FailureState, n: number | undefined) => (
    <button
      type="button"
      className="button button--segment"
      aria-pressed={state === s}
      onClick={() => setParams(s === 'outstanding' ? {} : { state: s }, { replace: true })}
    >
      {s === 'outstanding' ? 'Outstanding' : 'Recovered'}
      {n !== undefined && ` (${formatNumber(n)})`}
    </button>
  );
  return (
    <>
      <title>Failures · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Failures</h1>
        <p className="muted">
          Clerk's messages that failed, with their attempts. A message is outstanding until an attempt applies it; a
          Svix retry or a replay that does makes it recovered.
        </p>
      </div>
      <div className="segmented" role="group" aria-label="Which failures">
        {tab('outstanding', page?.outstanding)}
        {tab('recovered', page?.recovered)}
      </div>
      {page && page.unsigned > 0 && (
        <p className="muted small">
          {formatNumber(page.unsigned)} unsigned or forged request{page.unsigned === 1 ? '' : 's'} not counted here (not
          Clerk's): <Link to="/deliveries?outcome=rejected">see them in the log</Link>.
        </p>
      )}
      {state === 'outstanding' && <BulkReplay outstanding={page?.outstanding ?? 0} />}
      <ReplayJobPanel />
      <DataState
        isPending={query.isPending}
        error={query.error}
        hasData={!!page}
        onRetry={() => void query.refetch()}
        isEmpty={page?.items.length === 0}
        empty={
          state === 'outstanding'
            ? 'No outstanding failures: every message Clerk sent was applied.'
            : 'No failure has recovered yet.'
        }
      >
        {page && (
          <ul className="messages" aria-label={state === 'outstanding' ? 'Outstanding failures' : 'Recovered failures'}>
            {page.items.map((m) => (
              <Message key={m.svixId} m={m} />
            ))}
          </ul>
        )}
        {page?.truncated && <p className="muted small">Only the most recent failed attempts were examined.</p>}
      </DataState>
    </>
  );
}
