// What a run found of organizations and memberships: their classes (with what each means and what a fix does), and
// the findings of one subject, each selectable for "Fix selected".
import { useMemo } from 'react';
import { Link } from 'react-router';
import {
  MEMBERSHIP_DRIFT_CLASSES,
  ORGANIZATION_DRIFT_CLASSES,
  type OrganizationFindingClass,
  type ReconcileOrganizationFindingDto,
  type ReconcileRunDto,
} from '@contract/contract.ts';
import { PagedDataState } from '../../../components/DataState.tsx';
import { FindingDiff, FixBadge } from './FindingParts.tsx';
import { ListFooter } from '../../../components/ListFooter.tsx';
import { formatNumber } from '../../../lib/time.ts';
import { flattenFeed } from '../../../lib/live-feed.ts';
import { useOrganizationFindings, type OrganizationSubject } from '../api/reconcile.ts';

export const SUBJECT_CLASSES: Record<OrganizationSubject, readonly OrganizationFindingClass[]> = {
  organization: ORGANIZATION_DRIFT_CLASSES,
  membership: MEMBERSHIP_DRIFT_CLASSES,
};

export const ORGANIZATION_CLASS_LABEL: Record<
  OrganizationSubject,
  Partial<Record<OrganizationFindingClass, string>>
> = {
  organization: { missing: 'Missing locally', stale: 'Stale', deleted: 'Deleted in Clerk' },
  membership: { missing: 'Missing locally', extra: 'Extra here', role: 'Role differs', stale: 'Stale' },
};

const STAT_LABEL: Record<OrganizationSubject, Partial<Record<OrganizationFindingClass, string>>> = {
  organization: {
    missing: 'Organizations missing locally',
    stale: 'Stale organizations',
    deleted: 'Organizations deleted in Clerk',
  },
  membership: {
    missing: 'Memberships missing locally',
    extra: 'Extra memberships here',
    role: 'Memberships with another role',
    stale: 'Stale memberships',
  },
};

export const ORGANIZATION_CLASS_HELP: Record<OrganizationSubject, Partial<Record<OrganizationFindingClass, string>>> = {
  organization: {
    missing:
      'Clerk has the organization; the local copy never received it, or holds it as deleted: a fix writes Clerk’s.',
    stale: 'Both have it but fields differ (member counts aside): a fix writes Clerk’s version.',
    deleted: 'Alive here, but Clerk no longer has it: a fix keeps a tombstone and ends its memberships.',
  },
  membership: {
    missing: 'Clerk lists the membership; the local copy never received it, or holds it as ended: a fix writes it.',
    extra: 'Live here, but Clerk no longer lists it (removed without an event reaching here): a fix ends it.',
    role: 'The role, its name or its permissions differ: a fix writes Clerk’s membership.',
    stale: 'Other fields differ, such as metadata (the member’s profile aside): a fix writes Clerk’s membership.',
  },
};

/** The run's count of one class of one subject. */
export const foundOf = (run: ReconcileRunDto, subject: OrganizationSubject, k: OrganizationFindingClass): number =>
  subject === 'organization'
    ? (run.organizations.found as Record<string, number>)[k]!
    : (run.memberships.found as Record<string, number>)[k]!;

const TONE: Record<OrganizationFindingClass, string> = {
  missing: 'info',
  stale: 'warn',
  role: 'warn',
  deleted: 'neutral',
  extra: 'neutral',
};

function FindingRow({
  f,
  selected,
  onToggle,
}: {
  f: ReconcileOrganizationFindingDto;
  selected: boolean;
  onToggle: () => void;
}) {
  const fixed = f.fixedAt !== null;
  return (
    <li className={`finding${fixed ? ' finding--fixed' : ''}`}>
      <div className="finding__head">
        <input
          type="checkbox"
          checked={selected}
          disabled={fixed}
          onChange={onToggle}
          aria-label={`Select ${f.label ?? f.objectId}`}
        />
        <span className={`badge badge--${TONE[f.class]}`}>{ORGANIZATION_CLASS_LABEL[f.subject][f.class]}</span>
        {f.subject === 'organization' ? (
          <Link to={`/organizations/${encodeURIComponent(f.objectId)}`} className="mono">
            {f.objectId}
          </Link>
        ) : (
          <>
            <span className="mono">{f.objectId}</span>
            <span className="muted">in</span>
            <Link to={`/organizations/${encodeURIComponent(f.organizationId)}`} className="mono">
              {f.organizationId}
            </Link>
          </>
        )}
        {f.userId && (
          <Link to={`/users/${encodeURIComponent(f.userId)}`} className="mono">
            {f.userId}
          </Link>
        )}
        {f.label && <span className="muted">{f.label}</span>}
        <FixBadge fixed={fixed} fixResult={f.fixResult} />
      </div>
      <FindingDiff diff={f.diff} subject={f.objectId} />
    </li>
  );
}

/** The findings of one subject (and class), selectable by id. */
export function OrganizationFindingList({
  run,
  subject,
  driftClass,
  selected,
  onToggle,
}: {
  run: ReconcileRunDto;
  subject: OrganizationSubject;
  driftClass: OrganizationFindingClass | null;
  selected: ReadonlySet<string>;
  onToggle: (id: string) => void;
}) {
  const query = useOrganizationFindings(run.id, subject, driftClass ?? undefined);
  const items = useMemo(() => flattenFeed(query.data), [query.data]);
  const running = run.status === 'running';
  const noun = subject === 'organization' ? 'organizations' : 'memberships';
  return (
    <PagedDataState
      query={query}
      isEmpty={items.length === 0}
      empty={running ? 'Nothing found yet.' : `No drift: the local ${noun} match Clerk’s.`}
    >
      <ul className="findings" aria-label={`Findings: ${noun}`}>
        {items.map((f) => (
          <FindingRow key={f.id} f={f} selected={selected.has(f.objectId)} onToggle={() => onToggle(f.objectId)} />
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
  );
}

/** The run's organization and membership counts by class. */
export function OrganizationStats({ run }: { run: ReconcileRunDto }) {
  return (
    <dl className="stats" aria-label="Organizations and memberships found by class">
      {(['organization', 'membership'] as const).flatMap((subject) =>
        SUBJECT_CLASSES[subject].map((k) => {
          const n = foundOf(run, subject, k);
          return (
            <div key={`${subject}-${k}`} className={`stat${n ? ' stat--warn' : ' stat--ok'}`}>
              <dt className="stat__label">{STAT_LABEL[subject][k]}</dt>
              <dd className="stat__value" data-testid={`found-${subject}-${k}`}>
                {formatNumber(n)}
              </dd>
            </div>
          );
        }),
      )}
    </dl>
  );
}
