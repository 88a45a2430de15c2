import { Link } from 'react-router';
import type { BulkReplayResult, ReplayResult, ReplaySkipReason } from '@contract/contract.ts';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';

const RESULT_COLUMNS: Column<ReplayResult>[] = [
  {
    key: 'delivery',
    header: 'New delivery',
    render: (r) => <Link to={`/deliveries/${r.deliveryId}`}>#{r.deliveryId}</Link>,
  },
  {
    key: 'event',
    header: 'Event',
    className: 'mono',
    render: (r) => <Link to={`/events/${encodeURIComponent(r.svixId)}`}>{r.svixId}</Link>,
  },
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

const SKIP_TEXT: Record<ReplaySkipReason, string> = {
  not_verified: 'not verified (may be forged)',
  already_applied: 'already applied',
  same_message: 'another attempt of the same message',
  is_replay: 'replays themselves',
  payload_unavailable: 'payload unavailable',
};

/** "18 matched: 2 to replay, 16 skipped (15 already applied, 1 not verified)": the parts add up to the whole. */
export function replaySummary(r: BulkReplayResult): string {
  const parts = (Object.entries(r.skippedBy) as [ReplaySkipReason, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${SKIP_TEXT[k]}`);
  const skipped = parts.length ? `, ${r.skipped} skipped (${parts.join(', ')})` : '';
  if (r.dryRun && r.replayed === 0) {
    const only = parts.length === 1 ? parts[0]!.replace(/^\d+ /, '') : null;
    return `${r.matched} ${r.matched === 1 ? 'delivery' : 'deliveries'}: ${only && r.matched > 0 ? `all ${only}` : 'none can change anything'} — nothing to do.`;
  }
  return `${r.matched} matched: ${r.replayed} ${r.dryRun ? 'would be replayed' : 'replayed'}${skipped}.`;
}

export function BulkReplayOutcome({ result, onClose }: { result: BulkReplayResult; onClose: () => void }) {
  const failed = result.results.filter((r) => r.outcome === 'failed').length;
  return (
    <section
      className={`callout ${failed ? 'callout--error' : result.replayed === 0 ? 'callout--warn' : 'callout--ok'}`}
      aria-labelledby="bulk-heading"
      role="status"
    >
      <div className="toolbar">
        <h2 id="bulk-heading" className="callout__title">
          Replay finished: {replaySummary(result)}
          {failed > 0 && ` ${failed} failed again.`}
        </h2>
        <button type="button" className="button button--small" onClick={onClose}>
          Dismiss
        </button>
      </div>
      {result.results.length > 0 && (
        <Table
          items={result.results}
          columns={RESULT_COLUMNS}
          getKey={(r) => r.deliveryId}
          caption="Replay results"
          short
        />
      )}
    </section>
  );
}
