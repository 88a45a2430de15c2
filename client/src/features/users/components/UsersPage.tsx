import { Link } from 'react-router';
import { SYNC_STATUSES, type UserSummary } from '@contract/contract.ts';
import { FilterBar, filterOptions, type FilterField } from '../../../components/FilterBar.tsx';
import { ListPageHeader, ListTable, type ListTableSpec } from '../../../components/ListPage.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { StatusBadge, statusLabel } from '../../../components/StatusBadge.tsx';
import { useLiveList } from '../../../lib/use-live-list.ts';
import { displayName, usersList } from '../api/users.ts';

const TABLE: ListTableSpec<UserSummary> = {
  caption: 'Users',
  noun: 'users',
  columns: [
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
    {
      key: 'status',
      header: 'Status',
      width: '10rem',
      render: (u) => <StatusBadge status={u.deleted ? 'deleted' : u.syncStatus} />,
    },
    { key: 'updated', header: 'Updated', render: (u) => <RelativeTime iso={u.updatedAt} /> },
  ],
  rowClassName: (u) => (u.syncStatus === 'drifted' ? 'row--warn' : undefined),
  empty: 'The local copy holds no users yet.',
  emptyFiltered: 'No users match this search.',
};

const FILTERS: FilterField[] = [
  {
    kind: 'text',
    param: 'q',
    label: 'Search',
    placeholder: 'user id, email or name',
    search: true,
    size: 'grow',
    noSpellCheck: true,
  },
  {
    kind: 'select',
    param: 'status',
    label: 'Status',
    any: 'any status',
    options: filterOptions(SYNC_STATUSES, statusLabel),
  },
];

export function UsersPage() {
  const list = useLiveList(usersList);
  return (
    <>
      <ListPageHeader
        title="Users"
        intro="The local copy of Clerk users, and whether each still matches Clerk."
        list={list}
      />
      <FilterBar label="User filters" fields={FILTERS} />
      <ListTable list={list} table={TABLE} />
    </>
  );
}
