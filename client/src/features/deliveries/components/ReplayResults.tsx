import { Link } from 'react-router';
import type { BulkReplayResult, ReplayResult } from '@contract/contract.ts';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';

const RESULT_COLUMNS: Column<ReplayResult>[] = [
  { key: 'delivery', header: 'New delivery', render: (r) => <Link to={`/deliveries/${r.deliveryId}`}>#{r.deliveryId}</Link> },
  { key: 'event', header: 'Event', className: 'mono', render: (r) => <Link to={`/events/${encodeURIComponent(r.svixId)}`}>{r.svixId}</Link> },
  { key: 'outcome', header: 'Outcome', render: (r) => <StatusBadge status={r.outcome} /> },
  { key: 'error', header: 'Error', className: 'error-text', render: (r) => r.error ?? '' },
];

export function ReplayOutcome({ result }: { result: ReplayResult }) {
  return (
    <div className={`callout ${result.outcome === 'failed' ? 'callout--error' : 'callout--ok'}`} role="status">
      <p className="callout__title">
        Replayed: <StatusBadge status={result.outcome} />
      </p>
      {result.error && <p>{result.error}</p>}
      <p className="small">
        Recorded as <Link to={`/deliveries/${result.deliveryId}`}>delivery #{result.deliveryId}</Link> · event{' '}
        <Link to={`/events/${encodeURIComponent(result.svixId)}`} className="mono">
          {result.svixId}
        </Link>
      </p>
    </div>
  );
}

export function BulkReplayOutcome({ result, onClose }: { result: BulkReplayResult; onClose: () => void }) {
  const failed = result.results.filter((r) => r.outcome === 'failed').length;
  return (
    <section className={`callout ${failed ? 'callout--error' : result.replayed === 0 ? 'callout--warn' : 'callout--ok'}`} aria-labelledby="bulk-heading" role="status">
      <div className="toolbar">
        <h2 id="bulk-heading" className="callout__title">
          Replay finished: {result.replayed} replayed of {result.matched} matching
          {result.skipped > 0 && `, ${result.skipped} skipped (not verified, cannot be replayed)`}
          {failed > 0 && `, ${failed} failed`}
        </h2>
        <button type="button" className="button button--small" onClick={onClose}>
          Dismiss
        </button>
      </div>
      {result.results.length > 0 && (
        <Table items={result.results} columns={RESULT_COLUMNS} getKey={(r) => r.deliveryId} caption="Replay results" short />
      )}
    </section>
  );
}
