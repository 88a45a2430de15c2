import { Link } from 'react-router';
import { AUDIT_ACTIONS, type AuditAction, type AuditEntryDto } from '@contract/contract.ts';
import { FilterBar, filterOptions, type FilterField } from '../../../components/FilterBar.tsx';
import { ListPageHeader, ListTable, type ListTableSpec } from '../../../components/ListPage.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { useLiveList } from '../../../lib/use-live-list.ts';
import { auditList } from '../api/audit.ts';

export const ACTION_LABEL: Partial<Record<AuditAction, string>> = {
  resync: 'Resync',
  organization_resync: 'Organization resync',
  replay: 'Replay',
  replay_bulk_start: 'Bulk replay started',
  replay_bulk_cancel: 'Bulk replay cancel',
  replay_bulk: 'Bulk replay ended',
  reconcile_start: 'Reconcile started',
  reconcile_fix: 'Reconcile fix',
};
const actionLabel = (a: AuditAction) => ACTION_LABEL[a] ?? a.replaceAll('_', ' ');

function Target({ e }: { e: AuditEntryDto }) {
  if (!e.target) return <span className="muted">—</span>;
  if (e.action === 'resync')
    return (
      <Link to={`/users/${encodeURIComponent(e.target)}`} className="mono">
        {e.target}
      </Link>
    );
  if (e.action === 'organization_resync')
    return (
      <Link to={`/organizations/${encodeURIComponent(e.target)}`} className="mono">
        {e.target}
      </Link>
    );
  if (e.action === 'replay') return <Link to={`/deliveries/${e.target}`}>delivery #{e.target}</Link>;
  if (e.action.startsWith('replay_bulk')) return <span>bulk replay #{e.target}</span>;
  if (e.action.startsWith('reconcile')) return <Link to={`/drift?run=${e.target}`}>run #{e.target}</Link>;
  return <span className="mono">{e.target}</span>;
}

/** "what changed", short: the summary's scalar fields as key: value. */
function Summary({ summary }: { summary: Record<string, unknown> }) {
  const parts = Object.entries(summary).map(
    ([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`,
  );
  return <span className="mono small break">{parts.length ? parts.join(' · ') : '—'}</span>;
}

const TABLE: ListTableSpec<AuditEntryDto> = {
  caption: 'Audit entries, newest first',
  noun: 'entries',
  columns: [
    { key: 'at', header: 'When', render: (e) => <RelativeTime iso={e.at} /> },
    { key: 'actor', header: 'Who', render: (e) => e.actor },
    { key: 'action', header: 'Action', render: (e) => actionLabel(e.action) },
    { key: 'target', header: 'Target', render: (e) => <Target e={e} /> },
    { key: 'summary', header: 'What changed', render: (e) => <Summary summary={e.summary} /> },
  ],
  empty: 'Nothing has been done yet.',
  emptyFiltered: 'No entries match these filters.',
  plain: true,
};

const FILTERS: FilterField[] = [
  {
    kind: 'select',
    param: 'action',
    label: 'Action',
    any: 'any action',
    options: filterOptions(AUDIT_ACTIONS, actionLabel),
  },
  {
    kind: 'text',
    param: 'actor',
    label: 'Actor',
    placeholder: 'operator email, or schedule',
    search: true,
    size: 'grow',
    noSpellCheck: true,
  },
];

export function AuditPage() {
  const list = useLiveList(auditList);
  return (
    <>
      <ListPageHeader
        title="Audit"
        heading="Audit trail"
        intro="Every resync, replay and reconcile: who started it, when, and what it changed."
        list={list}
      />
      <FilterBar label="Audit filters" fields={FILTERS} />
      <ListTable list={list} table={TABLE} />
    </>
  );
}
