import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntryDto } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { ListFooter } from '../../../components/ListFooter.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { useDebouncedParam, useSearchParamsState } from '../../../lib/use-search-filters.ts';
import { parseAuditFilters, useAuditList } from '../api/audit.ts';
import { useLoadMore } from '../../../lib/use-load-more.ts';
import { flattenFeed } from '../../../lib/live-feed.ts';

export const ACTION_LABEL: Partial<Record<AuditAction, string>> = {
  resync: 'Resync',
  replay: 'Replay',
  replay_bulk: 'Bulk replay',
  reconcile_start: 'Reconcile started',
  reconcile_fix: 'Reconcile fix',
};
const actionLabel = (a: AuditAction) => ACTION_LABEL[a] ?? a.replaceAll('_', ' ');

function Target({ e }: { e: AuditEntryDto }) {
  if (!e.target) return <span className="muted">—</span>;
  if (e.action === 'resync') return <Link to={`/users/${encodeURIComponent(e.target)}`} className="mono">{e.target}</Link>;
  if (e.action === 'replay') return <Link to={`/deliveries/${e.target}`}>delivery #{e.target}</Link>;
  if (e.action.startsWith('reconcile')) return <Link to={`/drift?run=${e.target}`}>run #{e.target}</Link>;
  return <span className="mono">{e.target}</span>;
}

/** "what changed", short: the summary's scalar fields as key: value. */
function Summary({ summary }: { summary: Record<string, unknown> }) {
  const parts = Object.entries(summary).map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  return <span className="mono small break">{parts.length ? parts.join(' · ') : '—'}</span>;
}

function AuditFiltersBar() {
  const [params, set] = useSearchParamsState();
  const [actor, setActor] = useDebouncedParam('actor');
  return (
    <form className="filters" role="search" aria-label="Audit filters" onSubmit={(e) => e.preventDefault()}>
      <label className="field">
        <span>Action</span>
        <select value={params.get('action') ?? ''} onChange={(e) => set({ action: e.target.value })}>
          <option value="">any action</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {actionLabel(a)}
            </option>
          ))}
        </select>
      </label>
      <label className="field field--grow">
        <span>Actor</span>
        <input type="search" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="operator email, or schedule" spellCheck={false} />
      </label>
      {(params.has('action') || params.has('actor')) && (
        <button type="button" className="button button--link" onClick={() => set({ action: null, actor: null })}>
          Clear filters
        </button>
      )}
    </form>
  );
}

export function AuditPage() {
  const [params] = useSearchParams();
  const filters = useMemo(() => parseAuditFilters(params), [params]);
  const query = useAuditList(filters);
  const items = useMemo(() => flattenFeed(query.data), [query.data]);
  const { hasNextPage, isFetchingNextPage } = query;
  const loadMore = useLoadMore(query);

  return (
    <>
      <title>Audit · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Audit trail</h1>
      </div>
      <p className="muted">Every resync, replay and reconcile: who started it, when, and what it changed.</p>
      <AuditFiltersBar />
      <DataState
        isPending={query.isPending}
        error={query.isFetchNextPageError ? null : query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
        isEmpty={items.length === 0}
        empty={Object.keys(filters).length ? 'No entries match these filters.' : 'Nothing has been done yet.'}
      >
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">What changed</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td>
                    <RelativeTime iso={e.at} />
                  </td>
                  <td>{e.actor}</td>
                  <td>{actionLabel(e.action)}</td>
                  <td>
                    <Target e={e} />
                  </td>
                  <td>
                    <Summary summary={e.summary} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <ListFooter noun="entries" count={items.length} hasNextPage={hasNextPage} isFetchingNextPage={isFetchingNextPage} fetchNextPage={loadMore} />
      </DataState>
    </>
  );
}
