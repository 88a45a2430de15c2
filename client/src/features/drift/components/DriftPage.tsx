import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  DRIFT_CLASSES,
  DRIFT_SUBJECTS,
  type DriftClass,
  type DriftSubject,
  type OrganizationFindingClass,
  type ReconcileFindingDto,
  type ReconcileFixResult,
  type ReconcileRunDto,
} from '@contract/contract.ts';
import { DataState, PagedDataState } from '../../../components/DataState.tsx';
import { FindingDiff, FixBadge } from './FindingParts.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { ListFooter } from '../../../components/ListFooter.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { formatNumber, formatPercent } from '../../../lib/time.ts';
import { pickEnum } from '../../../lib/use-search-filters.ts';
import { ConfirmAction } from '../../../components/ConfirmAction.tsx';
import { useLiveStatus } from '../../../lib/live-status.ts';
import { useCancelRun, useFindings, useFixFindings, useRun, useRuns, useStartReconcile } from '../api/reconcile.ts';
import { usePermissions } from '../../../lib/session.ts';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';
import { flattenFeed } from '../../../lib/live-feed.ts';
import {
  ORGANIZATION_CLASS_HELP,
  ORGANIZATION_CLASS_LABEL,
  OrganizationFindingList,
  OrganizationStats,
  SUBJECT_CLASSES,
  foundOf,
} from './OrganizationFindings.tsx';

export const CLASS_LABEL: Record<DriftClass, string> = {
  missing: 'Missing locally',
  stale: 'Stale',
  deleted: 'Deleted in Clerk',
};
const CLASS_HELP: Record<DriftClass, string> = {
  missing: 'Clerk has the user, the local copy never received it: a fix backfills it.',
  stale: 'Both have the user but fields differ (Clerk is newer): a fix writes Clerk’s version.',
  deleted: 'Alive here, but Clerk answers 404: a fix keeps a tombstone.',
};
const STATUS_TONE = { running: 'info', completed: 'ok', failed: 'bad', cancelled: 'neutral' } as const;
const SUBJECT_LABEL: Record<DriftSubject, string> = {
  user: 'Users',
  organization: 'Organizations',
  membership: 'Memberships',
};
const PHASE_LABEL = {
  users: 'users',
  organizations: 'organizations',
  memberships: 'memberships',
  done: 'done',
} as const;

const sum = (found: Record<string, number>) => Object.values(found).reduce((a, b) => a + b, 0);
/** Everything the run found: users, organizations and memberships. */
const driftOf = (run: ReconcileRunDto) => sum(run.found) + sum(run.organizations.found) + sum(run.memberships.found);
/** What the run found of one subject. */
const foundIn = (run: ReconcileRunDto, subject: DriftSubject) =>
  sum(subject === 'user' ? run.found : subject === 'organization' ? run.organizations.found : run.memberships.found);
const ofTotal = (checked: number, total: number | null) =>
  `${formatNumber(checked)} of ${total === null ? '…' : formatNumber(total)}`;

function formatEta(seconds: number | null): string {
  if (seconds === null) return 'estimating…';
  if (seconds < 60) return `about ${Math.max(1, seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

function RunProgress({ run }: { run: ReconcileRunDto }) {
  const cancel = useCancelRun();
  const throttled = useLiveStatus().data?.problems.find((p) => p.kind === 'clerk_throttled');
  const { canOperate } = usePermissions();
  const running = run.status === 'running';
  const total = run.totalEstimate;
  const drift = driftOf(run);
  return (
    <section className="card" aria-labelledby="run-heading">
      <div className="toolbar">
        <h2 id="run-heading">
          Run #{run.id} <span className={`badge badge--${STATUS_TONE[run.status]}`}>{run.status}</span>
        </h2>
        {running && (
          <button
            type="button"
            className="button"
            onClick={() => cancel.mutate(run.id)}
            disabled={cancel.isPending || !canOperate}
          >
            Cancel
          </button>
        )}
      </div>
      <p className="muted">
        Started by {run.startedBy} <RelativeTime iso={run.startedAt} />
        {run.finishedAt && (
          <>
            {' '}
            · finished <RelativeTime iso={run.finishedAt} />
          </>
        )}
      </p>
      <div className="progress-field">
        <progress
          max={1}
          value={run.progress ?? undefined}
          aria-label="Reconcile progress"
          aria-valuetext={`${formatNumber(run.checked)} of ${total === null ? 'unknown' : formatNumber(total)} users checked`}
        />
      </div>
      <p aria-live="polite">
        {formatNumber(run.checked)} of {total === null ? '…' : formatNumber(total)} users checked
        {run.progress !== null && ` (${formatPercent(run.progress)})`} · {formatNumber(run.pages)} page
        {run.pages === 1 ? '' : 's'}
        {running && ` · ${formatEta(run.etaSeconds)}`}
      </p>
      <p className="muted" data-testid="subjects-checked">
        {ofTotal(run.organizations.checked, run.organizations.total)} organizations and{' '}
        {ofTotal(run.memberships.checked, run.memberships.total)} memberships checked
        {running && ` · now: ${PHASE_LABEL[run.phase]}`}
      </p>
      {running && throttled && (
        <p className="callout callout--warn" role="status">
          {throttled.message}
        </p>
      )}
      {run.error && <ErrorMessage error={new Error(run.error)} title="The run failed" />}
      {cancel.error && <ErrorMessage error={cancel.error} title="Could not cancel" />}
      <dl className="stats" aria-label="Found by class">
        {DRIFT_CLASSES.map((k) => (
          <div key={k} className={`stat${run.found[k] ? ' stat--warn' : ' stat--ok'}`}>
            <dt className="stat__label">{CLASS_LABEL[k]}</dt>
            <dd className="stat__value" data-testid={`found-${k}`}>
              {formatNumber(run.found[k])}
            </dd>
          </div>
        ))}
        <div className="stat stat--ok">
          <dt className="stat__label">In sync</dt>
          <dd className="stat__value">{formatNumber(run.inSync)}</dd>
        </div>
        <div className={`stat${run.unfixed ? ' stat--warn' : ' stat--ok'}`}>
          <dt className="stat__label">Drift left to fix</dt>
          <dd className="stat__value" data-testid="unfixed">
            {formatNumber(run.unfixed)}
          </dd>
          <dd className="stat__detail">of {formatNumber(drift)} found</dd>
        </div>
      </dl>
      <OrganizationStats run={run} />
    </section>
  );
}

function FindingRow({ f, selected, onToggle }: { f: ReconcileFindingDto; selected: boolean; onToggle: () => void }) {
  const fixed = f.fixedAt !== null;
  return (
    <li className={`finding${fixed ? ' finding--fixed' : ''}`}>
      <div className="finding__head">
        <input
          type="checkbox"
          checked={selected}
          disabled={fixed}
          onChange={onToggle}
          aria-label={`Select ${f.label ?? f.userId}`}
        />
        <span className={`badge badge--${f.class === 'stale' ? 'warn' : f.class === 'missing' ? 'info' : 'neutral'}`}>
          {CLASS_LABEL[f.class]}
        </span>
        <Link to={`/users/${encodeURIComponent(f.userId)}`} className="mono">
          {f.userId}
        </Link>
        {f.label && <span className="muted">{f.label}</span>}
        <FixBadge fixed={fixed} fixResult={f.fixResult} />
      </div>
      <FindingDiff diff={f.diff} subject={f.userId} />
    </li>
  );
}

function fixSummary(r: ReconcileFixResult): string {
  const parts = Object.entries(r.results)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`);
  const users = `${formatNumber(r.bySubject.user)} user${r.bySubject.user === 1 ? '' : 's'}`;
  const others =
    r.bySubject.organization + r.bySubject.membership > 0
      ? `, ${formatNumber(r.bySubject.organization)} organization${r.bySubject.organization === 1 ? '' : 's'} and ` +
        `${formatNumber(r.bySubject.membership)} membership${r.bySubject.membership === 1 ? '' : 's'}`
      : '';
  return `Fixed ${users}${others}${parts.length ? ` (${parts.join(', ')})` : ''}. ${formatNumber(r.unfixed)} left.`;
}

function Findings({ run }: { run: ReconcileRunDto }) {
  const [params, setParams] = useSearchParams();
  const subject = pickEnum(params.get('subject'), DRIFT_SUBJECTS) ?? 'user';
  const orgSubject = subject === 'user' ? null : subject;
  const driftClass = subject === 'user' ? pickEnum(params.get('class'), DRIFT_CLASSES) : null;
  const orgClass = orgSubject
    ? (pickEnum(params.get('class'), SUBJECT_CLASSES[orgSubject]) as OrganizationFindingClass | null)
    : null;
  const query = useFindings(subject === 'user' ? run.id : null, driftClass ?? undefined);
  const fix = useFixFindings();
  const { canOperate } = usePermissions();
  // what is selected belongs to the subject shown: switching subjects starts a new selection
  const [selection, setSelection] = useState<{ subject: DriftSubject; ids: Set<string> }>({
    subject,
    ids: new Set(),
  });
  const selected = selection.subject === subject ? selection.ids : new Set<string>();
  const setSelected = (next: Set<string> | ((s: Set<string>) => Set<string>)) =>
    setSelection({ subject, ids: typeof next === 'function' ? next(selected) : next });
  const items = useMemo(() => flattenFeed(query.data), [query.data]);
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const setClass = (k: DriftClass | OrganizationFindingClass | null) => {
    const next = new URLSearchParams(params);
    if (k) next.set('class', k);
    else next.delete('class');
    setParams(next, { replace: true });
  };
  const setSubject = (k: DriftSubject) => {
    const next = new URLSearchParams(params);
    if (k === 'user') next.delete('subject');
    else next.set('subject', k);
    next.delete('class');
    setParams(next, { replace: true });
  };
  const fixSelected = () => {
    const ids = [...selected];
    const named =
      subject === 'user'
        ? { userIds: ids }
        : subject === 'organization'
          ? { organizationIds: ids }
          : { membershipIds: ids };
    fix.mutate({ runId: run.id, ...named }, { onSuccess: () => setSelected(new Set()) });
  };
  const running = run.status === 'running';
  const classes: readonly (DriftClass | OrganizationFindingClass)[] = orgSubject
    ? SUBJECT_CLASSES[orgSubject]
    : DRIFT_CLASSES;
  const currentClass = orgSubject ? orgClass : driftClass;
  const labelOf = (k: DriftClass | OrganizationFindingClass) =>
    orgSubject ? ORGANIZATION_CLASS_LABEL[orgSubject][k]! : CLASS_LABEL[k as DriftClass];
  const helpOf = (k: DriftClass | OrganizationFindingClass) =>
    orgSubject ? ORGANIZATION_CLASS_HELP[orgSubject][k]! : CLASS_HELP[k as DriftClass];
  const countOf = (k: DriftClass | OrganizationFindingClass) =>
    orgSubject ? foundOf(run, orgSubject, k as OrganizationFindingClass) : run.found[k as DriftClass];

  return (
    <section className="card" aria-labelledby="findings-heading">
      <h2 id="findings-heading">Results</h2>
      <div role="group" aria-label="Subject" className="segmented">
        {DRIFT_SUBJECTS.map((k) => (
          <button
            key={k}
            type="button"
            className="button button--toggle"
            aria-pressed={subject === k}
            onClick={() => setSubject(k)}
          >
            {SUBJECT_LABEL[k]} ({formatNumber(foundIn(run, k))})
          </button>
        ))}
      </div>
      <div className="toolbar toolbar--wrap">
        <div role="group" aria-label="Class" className="segmented">
          <button
            type="button"
            className="button button--toggle"
            aria-pressed={!currentClass}
            onClick={() => setClass(null)}
          >
            All
          </button>
          {classes.map((k) => (
            <button
              key={k}
              type="button"
              className="button button--toggle"
              aria-pressed={currentClass === k}
              onClick={() => setClass(k)}
              title={helpOf(k)}
            >
              {labelOf(k)} ({formatNumber(countOf(k))})
            </button>
          ))}
        </div>
        <div className="toolbar__actions">
          <button
            type="button"
            className="button"
            disabled={selected.size === 0 || fix.isPending || !canOperate}
            onClick={fixSelected}
          >
            Fix selected ({selected.size})
          </button>
          <ConfirmAction
            className="button button--primary"
            label={fix.isPending ? 'Fixing' : `Fix all (${formatNumber(run.unfixed)})`}
            consequence={`Resyncs ${formatNumber(run.unfixed)} finding${run.unfixed === 1 ? '' : 's'} from Clerk — users, organizations and memberships: missing ones are created locally, stale ones overwritten with Clerk's version, deleted ones tombstoned (a deleted organization's memberships end with it), extra memberships ended.`}
            confirmLabel={`Yes, fix ${formatNumber(run.unfixed)}`}
            disabled={run.unfixed === 0 || !canOperate}
            pending={fix.isPending}
            onConfirm={() => fix.mutate({ runId: run.id }, { onSuccess: () => setSelected(new Set()) })}
          />
        </div>
      </div>
      {running && <p className="muted">Findings so far; the run is still going. Fixing now is safe.</p>}
      {fix.data && (
        <p role="status" className="callout callout--ok">
          {fixSummary(fix.data)}
        </p>
      )}
      {fix.error && <ErrorMessage error={fix.error} title="The fix stopped" />}
      {currentClass && <p className="muted">{helpOf(currentClass)}</p>}
      {orgSubject ? (
        <OrganizationFindingList
          run={run}
          subject={orgSubject}
          driftClass={orgClass}
          selected={selected}
          onToggle={toggle}
        />
      ) : (
        <PagedDataState
          query={query}
          isEmpty={items.length === 0}
          empty={running ? 'Nothing found yet.' : 'No drift: the local copy matches Clerk.'}
        >
          <ul className="findings" aria-label="Findings">
            {items.map((f) => (
              <FindingRow key={f.id} f={f} selected={selected.has(f.userId)} onToggle={() => toggle(f.userId)} />
            ))}
          </ul>
          <ListFooter
            noun="findings"
            count={items.length}
            hasNextPage={query.hasNextPage}
            isFetchingNextPage={query.isFetchingNextPage}
            fetchNextPage={() => void query.fetchNextPage()}
          />
        </PagedDataState>
      )}
    </section>
  );
}

/** A right-aligned column of figures. */
const countColumn = (key: string, header: string, value: (r: ReconcileRunDto) => number): Column<ReconcileRunDto> => ({
  key,
  header,
  headerClassName: 'num',
  className: 'num',
  render: (r) => formatNumber(value(r)),
});

function History({
  runs,
  current,
  onPick,
}: {
  runs: ReconcileRunDto[];
  current: number | null;
  onPick: (id: number) => void;
}) {
  const columns: Column<ReconcileRunDto>[] = [
    {
      key: 'run',
      header: 'Run',
      rowHeader: true,
      render: (r) => (
        <button type="button" className="button button--link" onClick={() => onPick(r.id)}>
          #{r.id}
        </button>
      ),
    },
    { key: 'started', header: 'Started', render: (r) => <RelativeTime iso={r.startedAt} /> },
    { key: 'by', header: 'By', render: (r) => r.startedBy },
    {
      key: 'status',
      header: 'Status',
      render: (r) => <span className={`badge badge--${STATUS_TONE[r.status]}`}>{r.status}</span>,
    },
    countColumn('checked', 'Checked', (r) => r.checked),
    countColumn('missing', 'Missing', (r) => r.found.missing),
    countColumn('stale', 'Stale', (r) => r.found.stale),
    countColumn('deleted', 'Deleted', (r) => r.found.deleted),
    countColumn('organizations', 'Organizations drifted', (r) => sum(r.organizations.found)),
    countColumn('memberships', 'Memberships drifted', (r) => sum(r.memberships.found)),
    countColumn('unfixed', 'Unfixed', (r) => r.unfixed),
  ];
  return (
    <section className="card" aria-labelledby="history-heading">
      <h2 id="history-heading">Past runs</h2>
      <Table
        items={runs}
        columns={columns}
        getKey={(r) => r.id}
        caption="Reconcile runs, newest first"
        isCurrent={(r) => r.id === current}
      />
    </section>
  );
}

export function DriftPage() {
  const [params, setParams] = useSearchParams();
  const runs = useRuns();
  const start = useStartReconcile();
  const { canOperate } = usePermissions();
  const items = runs.data?.items ?? [];
  const picked = Number(params.get('run')) || null;
  const currentId = picked ?? start.data?.id ?? items[0]?.id ?? null;
  const run = useRun(currentId);
  const anyRunning = items.some((r) => r.status === 'running') || run.data?.status === 'running';
  const pick = (id: number) => {
    const next = new URLSearchParams(params);
    next.set('run', String(id));
    next.delete('class');
    next.delete('subject');
    setParams(next);
  };

  return (
    <>
      <title>Drift · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Drift</h1>
        <button
          type="button"
          className="button button--primary"
          disabled={anyRunning || start.isPending || !canOperate}
          onClick={() =>
            start.mutate(undefined, {
              onSuccess: (r) => {
                const next = new URLSearchParams(params);
                next.set('run', String(r.id));
                next.delete('class');
                setParams(next);
              },
            })
          }
        >
          {anyRunning ? 'Reconcile running…' : 'Start reconcile'}
        </button>
      </div>
      <p className="muted">
        A reconcile pages through every Clerk user, then every organization and membership, and compares each with the
        local copy, within its share of Clerk’s rate limit. It finds what webhooks never delivered: users and
        organizations missing here, stale copies, ones Clerk deleted, memberships removed in Clerk and roles changed.
      </p>
      {!canOperate && <ReadOnlyNotice action="start or fix a reconcile" />}
      {start.error && <ErrorMessage error={start.error} title="Could not start a reconcile" />}
      <DataState
        isPending={runs.isPending}
        error={runs.error}
        hasData={!!runs.data}
        onRetry={() => void runs.refetch()}
        isEmpty={items.length === 0 && !start.data}
        empty="No reconcile has run yet. Start one to find drift."
      >
        {run.data && <RunProgress run={run.data} />}
        {run.error && <ErrorMessage error={run.error} onRetry={() => void run.refetch()} />}
        {run.data && <Findings key={run.data.id} run={run.data} />}
        {items.length > 0 && <History runs={items} current={currentId} onPick={pick} />}
      </DataState>
    </>
  );
}
