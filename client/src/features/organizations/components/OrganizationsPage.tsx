import { Link } from 'react-router';
import { SYNC_STATUSES, type OrganizationSummary } from '@contract/contract.ts';
import { FilterBar, filterOptions, type FilterField } from '../../../components/FilterBar.tsx';
import { Id } from '../../../components/Id.tsx';
import { ListPageHeader, ListTable, type ListTableSpec } from '../../../components/ListPage.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { StatusBadge, statusLabel } from '../../../components/StatusBadge.tsx';
import { useLiveList } from '../../../lib/use-live-list.ts';
import { organizationName, organizationsList } from '../api/organizations.ts';

const TABLE: ListTableSpec<OrganizationSummary> = {
  caption: 'Organizations',
  noun: 'organizations',
  columns: [
    {
      key: 'name',
      header: 'Name',
      width: '22%',
      render: (o) => (
        <Link to={`/organizations/${encodeURIComponent(o.id)}`} className="row-link">
          {organizationName(o)}
        </Link>
      ),
    },
    {
      key: 'slug',
      header: 'Slug',
      width: '18%',
      className: 'mono',
      render: (o) => o.slug ?? <span className="muted">—</span>,
    },
    { key: 'id', header: 'Organization id', width: '26%', render: (o) => <Id value={o.id} max={18} /> },
    {
      key: 'status',
      header: 'Status',
      width: '10rem',
      render: (o) => <StatusBadge status={o.deleted ? 'deleted' : o.syncStatus} />,
    },
    { key: 'updated', header: 'Updated', render: (o) => <RelativeTime iso={o.updatedAt} /> },
  ],
  rowClassName: (o) => (o.syncStatus === 'drifted' ? 'row--warn' : undefined),
  empty: 'The local copy holds no organizations yet.',
  emptyFiltered: 'No organizations match this search.',
};

const FILTERS: FilterField[] = [
  {
    kind: 'text',
    param: 'q',
    label: 'Search',
    placeholder: 'organization id, name or slug',
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

export function OrganizationsPage() {
  const list = useLiveList(organizationsList);
  return (
    <>
      <ListPageHeader
        title="Organizations"
        intro="The local copy of Clerk organizations, their members and pending invitations, and whether each still matches Clerk."
        list={list}
      />
      <FilterBar label="Organization filters" fields={FILTERS} />
      <ListTable list={list} table={TABLE} />
    </>
  );
}
