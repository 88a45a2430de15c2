import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { SYNC_STATUSES, type UserSummary } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { ListFooter } from '../../../components/ListFooter.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { StatusBadge, statusLabel } from '../../../components/StatusBadge.tsx';
import { VirtualTable, type Column } from '../../../components/VirtualTable.tsx';
import { useDebouncedParam, useSearchParamsState } from '../../../lib/use-search-filters.ts';
import { displayName, parseUserFilters, useUsersList } from '../api/users.ts';
import { useLoadMore } from '../../../lib/use-load-more.ts';
import { flattenFeed } from '../../../lib/live-feed.ts';

const COLUMNS: Column<UserSummary>[] = [
  {
    key: 'name',
    header: 'Name',
    width: '22%',
    render: (u) => (
      <Link to={`/users/${encodeURIComponent(u.id)}`} className="row-link">
        {displayName(u)}
      </Link>
    ),
  },
  { key: 'email', header: 'Email', width: '26%', render: (u) => u.primaryEmail ?? <span className="muted">—</span> },
  { key: 'id', header: 'User id', width: '24%', className: 'mono muted', render: (u) => u.id },
  { key: 'status', header: 'Status', width: '10rem', render: (u) => <StatusBadge status={u.deleted ? 'deleted' : u.syncStatus} /> },
  { key: 'updated', header: 'Updated', render: (u) => <RelativeTime iso={u.updatedAt} /> },
];

function UserFiltersBar() {
  const [params, set] = useSearchParamsState();
  const [q, setQ] = useDebouncedParam('q');
  return (
    <form className="filters" role="search" aria-label="User filters" onSubmit={(e) => e.preventDefault()}>
      <label className="field field--grow">
        <span>Search</span>
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="user id, email or name" spellCheck={false} />
      </label>
      <label className="field">
        <span>Status</span>
        <select value={params.get('status') ?? ''} onChange={(e) => set({ status: e.target.value })}>
          <option value="">any status</option>
          {SYNC_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      {(params.has('q') || params.has('status')) && (
        <button type="button" className="button button--link" onClick={() => set({ q: null, status: null })}>
          Clear filters
        </button>
      )}
    </form>
  );
}

export function UsersPage() {
  const [params] = useSearchParams();
  const filters = useMemo(() => parseUserFilters(params), [params]);
  const query = useUsersList(filters);
  const items = useMemo(() => flattenFeed(query.data), [query.data]);
  const { hasNextPage, isFetchingNextPage } = query;
  const loadMore = useLoadMore(query);

  return (
    <>
      <title>Users · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Users</h1>
      </div>
      <p className="muted">The local copy of Clerk users, and whether each still matches Clerk.</p>
      <UserFiltersBar />
      <DataState
        isPending={query.isPending}
        error={query.isFetchNextPageError ? null : query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
        isEmpty={items.length === 0}
        empty={Object.keys(filters).length ? 'No users match this search.' : 'The local copy holds no users yet.'}
      >
        <VirtualTable
          items={items}
          columns={COLUMNS}
          getKey={(u) => u.id}
          caption="Users"
          onEndReached={loadMore}
          rowClassName={(u) => (u.syncStatus === 'drifted' ? 'row--warn' : undefined)}
          footer={
            <ListFooter noun="users" count={items.length} hasNextPage={hasNextPage} isFetchingNextPage={isFetchingNextPage} fetchNextPage={loadMore} />
          }
        />
      </DataState>
    </>
  );
}
