import { Link } from 'react-router';
import { INCIDENT_STATES, type IncidentSummary } from '@contract/contract.ts';
import { FilterBar, filterOptions, type FilterField } from '../../../components/FilterBar.tsx';
import { ListPageHeader, ListTable, type ListTableSpec } from '../../../components/ListPage.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { useLiveList } from '../../../lib/use-live-list.ts';
import { incidentsList, useAlertChannels } from '../api/incidents.ts';
import { FailingChannels, IncidentStateBadge, KIND_LABEL } from './IncidentBits.tsx';

const TABLE: ListTableSpec<IncidentSummary> = {
  caption: 'Incidents, newest first',
  noun: 'incidents',
  columns: [
    { key: 'state', header: 'State', render: (i) => <IncidentStateBadge state={i.state} /> },
    {
      key: 'title',
      header: 'Incident',
      rowHeader: true,
      render: (i) => (
        <>
          <Link to={`/incidents/${encodeURIComponent(i.id)}`}>{i.title}</Link>
          <div className="muted small">{KIND_LABEL[i.kind]}</div>
        </>
      ),
    },
    { key: 'count', header: 'Failures', className: 'num', render: (i) => i.count.toLocaleString() },
    {
      key: 'quarantined',
      header: 'Quarantined',
      className: 'num',
      render: (i) => (i.quarantined ? i.quarantined.toLocaleString() : '—'),
    },
    { key: 'first', header: 'First seen', render: (i) => <RelativeTime iso={i.firstSeenAt} /> },
    { key: 'last', header: 'Last seen', render: (i) => <RelativeTime iso={i.lastSeenAt} /> },
  ],
  empty: 'No incidents: nothing has gone wrong so far.',
  emptyFiltered: 'No incidents in this state.',
  plain: true,
};

const FILTERS: FilterField[] = [
  {
    kind: 'select',
    param: 'state',
    label: 'State',
    any: 'any state',
    options: filterOptions(INCIDENT_STATES, (s) => s),
  },
];

export function IncidentsPage() {
  const list = useLiveList(incidentsList);
  const channels = useAlertChannels();
  return (
    <>
      <ListPageHeader
        title="Incidents"
        intro="Failures grouped by cause: each opens once, alerts once, and resolves by itself when its cause clears — or acknowledge and resolve it here."
        list={list}
      />
      <FailingChannels channels={channels.data} />
      <FilterBar label="Incident filters" fields={FILTERS} />
      <ListTable list={list} table={TABLE} />
    </>
  );
}
