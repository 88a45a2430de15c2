import { Link } from 'react-router';
import type { BulkReplayResult, ReplayResult } from '@contract/contract.ts';
import { StatusBadge } from '../../../components/StatusBadge.tsx';

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
        <div className="table-scroll table-scroll--short">
          <table className="table">
            <caption className="visually-hidden">Replay results</caption>
            <thead>
              <tr>
                <th scope="col">New delivery</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {result.results.map((r) => (
                <tr key={r.deliveryId}>
                  <td>
                    <Link to={`/deliveries/${r.deliveryId}`}>#{r.deliveryId}</Link>
                  </td>
                  <td className="mono">
                    <Link to={`/events/${encodeURIComponent(r.svixId)}`}>{r.svixId}</Link>
                  </td>
                  <td>
                    <StatusBadge status={r.outcome} />
                  </td>
                  <td className="error-text">{r.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
