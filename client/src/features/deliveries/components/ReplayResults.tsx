import { Link } from 'react-router';
import type { BulkReplayResult, ReplayResult, ReplaySkipReason } from '@contract/contract.ts';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { formatNumber } from '../../../lib/time.ts';

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

/** "18 matched: 2 would be replayed, 16 skipped (15 already applied, 1 not verified)": the parts add up. */
export function replaySummary(r: BulkReplayResult): string {
  const parts = skipParts(r.skippedBy);
  if (r.replayed === 0) {
    const only = parts.length === 1 ? parts[0]!.replace(/^[\d,.\s]+ /, '') : null;
    return `${formatNumber(r.matched)} ${r.matched === 1 ? 'delivery' : 'deliveries'}: ${only && r.matched > 0 ? `all ${only}` : 'none can change anything'} — nothing to do.`;
  }
  const skipped = parts.length ? `, ${formatNumber(r.skipped)} skipped (${parts.join(', ')})` : '';
  return `${formatNumber(r.matched)} matched: ${formatNumber(r.replayed)} would be replayed${skipped}.`;
}

/** "15 already applied, 1 not verified": the reasons that counted something. */
export function skipParts(skippedBy: Record<ReplaySkipReason, number>): string[] {
  return (Object.entries(skippedBy) as [ReplaySkipReason, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${formatNumber(n)} ${SKIP_TEXT[k]}`);
}

/** The replays that failed again, each with the delivery it recorded. */
export function ReplayResultsTable({ results, caption }: { results: ReplayResult[]; caption: string }) {
  return <Table items={results} columns={RESULT_COLUMNS} getKey={(r) => r.deliveryId} caption={caption} short />;
}
