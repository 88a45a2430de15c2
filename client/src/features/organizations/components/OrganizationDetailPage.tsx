import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import type {
  InvitationDifference,
  InvitationSummary,
  MemberDifference,
  MembershipSummary,
  OrganizationComparison,
  OrganizationDetail,
  OrganizationResyncResult,
  ResyncCounts,
} from '@contract/contract.ts';
import { ConfirmAction } from '../../../components/ConfirmAction.tsx';
import { DataState, Loading } from '../../../components/DataState.tsx';
import { CompareTable, DiffTable } from '../../../components/DiffTable.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { Id } from '../../../components/Id.tsx';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';
import { DateTime, RelativeTime } from '../../../components/RelativeTime.tsx';
import { SyncFacts } from '../../../components/SyncFacts.tsx';
import { EventTimeline } from '../../../components/EventTimeline.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { isApiError } from '../../../lib/api.ts';
import { compareSideBySide, fromFieldDiffs } from '../../../lib/diff.ts';
import { usePermissions } from '../../../lib/session.ts';
import { formatNumber } from '../../../lib/time.ts';
import {
  organizationName,
  useOrganizationComparison,
  useOrganizationDetail,
  useOrganizationTimeline,
  useResyncOrganization,
} from '../api/organizations.ts';

const RESYNC_TEXT: Record<OrganizationResyncResult['result'], string> = {
  created: 'Clerk’s state was written as a new local copy.',
  updated: 'The local copy was updated to Clerk’s state.',
  unchanged: 'The organization’s own fields already matched Clerk.',
  tombstoned:
    'Clerk no longer has this organization (404): the local copy is now marked deleted, its members ended and its pending invitations revoked.',
};

const plural = (n: number, one: string, many = `${one}s`) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** "1 added, 2 ended, 14 unchanged": only the parts that are not zero (unchanged always). */
function countsText(c: ResyncCounts, endedWord: string): string {
  const parts = [
    c.created && `${formatNumber(c.created)} added`,
    c.updated && `${formatNumber(c.updated)} updated`,
    c.ended && `${formatNumber(c.ended)} ${endedWord}`,
    c.kept && `${formatNumber(c.kept)} kept (a webhook brought a newer version meanwhile)`,
    `${formatNumber(c.unchanged)} unchanged`,
  ];
  return parts.filter(Boolean).join(', ');
}

function ResyncOutcome({ result }: { result: OrganizationResyncResult }) {
  return (
    <div className="callout callout--ok" role="status">
      <p className="callout__title">Resync finished: {result.result}</p>
      <p>{RESYNC_TEXT[result.result]}</p>
      {result.changedFields.length > 0 && (
        <p className="small">
          {plural(result.changedFields.length, 'field')} changed:{' '}
          <span className="mono break">{result.changedFields.join(', ')}</span>
        </p>
      )}
      <p className="small">Members: {countsText(result.members, 'ended')}.</p>
      <p className="small">Pending invitations: {countsText(result.pendingInvitations, 'revoked')}.</p>
      {result.note && <p className="small">Note: {result.note}.</p>}
      <p className="small muted">
        {plural(result.clerkRequests, 'request')} to Clerk’s Backend API, within the rate budget.
      </p>
    </div>
  );
}

/** Who a membership is: their page when the user is held, else how the membership names them. */
function Member({ userId, userLabel, userHeld }: Pick<MembershipSummary, 'userId' | 'userLabel' | 'userHeld'>) {
  const label = userLabel ?? userId ?? 'unknown member';
  return (
    <span>
      {userHeld && userId ? <Link to={`/users/${encodeURIComponent(userId)}`}>{label}</Link> : <span>{label}</span>}
      {userId && (
        <span className="small muted">
          {' '}
          <Id value={userId} copy={false} />
          {!userHeld && ' (not in the local copy)'}
        </span>
      )}
    </span>
  );
}

const roleText = (m: { role: string; roleName: string | null }) => (m.roleName ? `${m.roleName} (${m.role})` : m.role);

const MEMBER_COLUMNS: Column<MembershipSummary>[] = [
  { key: 'member', header: 'Member', rowHeader: true, render: (m) => <Member {...m} /> },
  { key: 'role', header: 'Role', render: roleText },
  { key: 'joined', header: 'Joined', render: (m) => <RelativeTime iso={m.clerkCreatedAt} /> },
  { key: 'id', header: 'Membership id', render: (m) => <Id value={m.id} max={18} /> },
];

const END_TEXT = {
  membership_deleted: 'removed in Clerk',
  organization_deleted: 'organization deleted',
} as const;

const FORMER_COLUMNS: Column<MembershipSummary>[] = [
  { key: 'member', header: 'Member', rowHeader: true, render: (m) => <Member {...m} /> },
  { key: 'role', header: 'Role', render: roleText },
  { key: 'ended', header: 'Ended', render: (m) => <RelativeTime iso={m.deletedAt} /> },
  { key: 'why', header: 'Why', render: (m) => (m.endedBy ? END_TEXT[m.endedBy] : '—') },
];

const INVITATION_COLUMNS: Column<InvitationSummary>[] = [
  {
    key: 'email',
    header: 'Invited address',
    rowHeader: true,
    className: 'break',
    render: (i) => i.emailAddress ?? <span className="muted">erased</span>,
  },
  { key: 'role', header: 'Role', render: roleText },
  { key: 'sent', header: 'Sent', render: (i) => <RelativeTime iso={i.clerkCreatedAt} /> },
  { key: 'expires', header: 'Expires', render: (i) => <RelativeTime iso={i.expiresAt} /> },
];

const MEMBER_DIFF_TEXT: Record<MemberDifference['kind'], string> = {
  missing: 'missing locally',
  extra: 'extra locally',
  changed: 'changed',
};

function memberDifferenceText(d: MemberDifference): string {
  if (d.kind === 'missing')
    return d.endedLocally
      ? 'Clerk lists this member; the local copy holds the membership as ended.'
      : 'Clerk lists this member; the local copy has no such membership.';
  if (d.kind === 'extra') return 'Live in the local copy; Clerk no longer lists it.';
  return `Differs in ${d.diff.map((f) => f.path).join(', ')}`;
}

const MEMBER_DIFF_COLUMNS: Column<MemberDifference>[] = [
  { key: 'member', header: 'Member', rowHeader: true, render: (d) => <Member {...d} /> },
  {
    key: 'kind',
    header: 'Difference',
    render: (d) => (
      <span className="badge badge--warn">
        {d.kind === 'changed' && d.localRole !== d.clerkRole ? 'role changed' : MEMBER_DIFF_TEXT[d.kind]}
      </span>
    ),
  },
  { key: 'local', header: 'Local role', className: 'mono', render: (d) => d.localRole ?? '—' },
  { key: 'clerk', header: 'Clerk role', className: 'mono', render: (d) => d.clerkRole ?? '—' },
  { key: 'what', header: 'Details', className: 'small break', render: memberDifferenceText },
  { key: 'id', header: 'Membership id', render: (d) => <Id value={d.membershipId} max={18} /> },
];

const INVITATION_DIFF_TEXT: Record<InvitationDifference['kind'], string> = {
  missing: 'missing locally',
  extra: 'not pending in Clerk',
  changed: 'changed',
};

const INVITATION_DIFF_COLUMNS: Column<InvitationDifference>[] = [
  {
    key: 'email',
    header: 'Invited address',
    rowHeader: true,
    className: 'break',
    render: (d) => d.emailAddress ?? '—',
  },
  {
    key: 'kind',
    header: 'Difference',
    render: (d) => <span className="badge badge--warn">{INVITATION_DIFF_TEXT[d.kind]}</span>,
  },
  { key: 'local', header: 'Local status', render: (d) => d.localStatus ?? '—' },
  { key: 'clerk', header: 'Clerk status', render: (d) => d.clerkStatus ?? 'not pending' },
  { key: 'id', header: 'Invitation id', render: (d) => <Id value={d.invitationId} max={18} /> },
];

/** Both sides without the fields Clerk moves on its own that differ: those are shown apart, never as drift. */
function withoutVolatile(value: unknown, c: OrganizationComparison): unknown {
  if (value === null || typeof value !== 'object' || c.volatile.length === 0) return value;
  const keys = new Set(c.volatile.map((d) => d.path.split('.')[0]!));
  return Object.fromEntries(Object.entries(value).filter(([k]) => !keys.has(k)));
}

function Comparison({ organizationId }: { organizationId: string }) {
  const query = useOrganizationComparison(organizationId);
  const c = query.data;
  const rows = useMemo(
    () => (c ? compareSideBySide(withoutVolatile(c.local, c), withoutVolatile(c.clerk, c), c.diff) : []),
    [c],
  );
  const memberDiffs = c?.members.differences ?? [];
  const invitationDiffs = c?.pendingInvitations.differences ?? [];
  return (
    <section className="card" aria-labelledby="compare-heading">
      <div className="toolbar">
        <h2 id="compare-heading">Local copy vs Clerk</h2>
        <div className="toolbar__actions">
          {c && (
            <span className="muted small">
              Compared <RelativeTime iso={c.comparedAt} />
            </span>
          )}
          <button
            type="button"
            className="button button--small"
            onClick={() => void query.refetch()}
            disabled={query.isFetching}
          >
            {query.isFetching ? 'Comparing…' : 'Compare again'}
          </button>
        </div>
      </div>
      <DataState
        isPending={query.isPending}
        error={query.error}
        hasData={!!c}
        onRetry={() => void query.refetch()}
        loadingLabel="Asking Clerk for the organization, its members and pending invitations…"
      >
        {c && (
          <>
            <p>
              <StatusBadge status={c.status} />{' '}
              {c.clerk === null && c.localDeleted && (
                <strong>Tombstone: Clerk answered 404 and the local copy is marked deleted. </strong>
              )}
              {c.clerk === null && !c.localDeleted && (
                <strong>
                  Deleted in Clerk (404), still alive locally: a resync tombstones it and ends its members.{' '}
                </strong>
              )}
              {c.local === null && c.clerk !== null && (
                <strong>
                  Missing locally: Clerk has this organization, there is no local copy. A resync creates it.{' '}
                </strong>
              )}
              {c.localDeleted && c.clerk !== null && (
                <strong>The local copy is marked deleted, but Clerk still has the organization. </strong>
              )}
            </p>
            <h3>Members</h3>
            <p className="muted small">
              {plural(c.members.local, 'live member')} locally, {plural(c.members.clerk, 'member')} in Clerk.
            </p>
            {memberDiffs.length === 0 ? (
              <p className="empty">The member lists agree: same members, same roles and permissions.</p>
            ) : (
              <Table
                items={memberDiffs}
                columns={MEMBER_DIFF_COLUMNS}
                getKey={(d) => d.membershipId}
                caption={`${plural(memberDiffs.length, 'member')} differing between the local copy and Clerk`}
              />
            )}
            <h3>Pending invitations</h3>
            <p className="muted small">
              {formatNumber(c.pendingInvitations.local)} pending locally, {formatNumber(c.pendingInvitations.clerk)} in
              Clerk.
            </p>
            {invitationDiffs.length === 0 ? (
              <p className="empty">The pending invitations agree.</p>
            ) : (
              <Table
                items={invitationDiffs}
                columns={INVITATION_DIFF_COLUMNS}
                getKey={(d) => d.invitationId}
                caption="Pending invitations differing between the local copy and Clerk"
              />
            )}
            <h3>Organization fields</h3>
            {c.local === null || c.clerk === null ? (
              rows.length > 0 && (
                <details>
                  <summary>
                    {c.local === null ? "Clerk's copy" : 'The local copy'} ({plural(rows.length, 'field')})
                  </summary>
                  <CompareTable rows={rows} caption="Every field of the local copy and of Clerk's current state" />
                </details>
              )
            ) : (
              <CompareTable rows={rows} caption="Every field of the local copy and of Clerk's current state" />
            )}
            {c.volatile.length > 0 && (
              <details>
                <summary>Counts Clerk moves without an event ({plural(c.volatile.length, 'field')}, not drift)</summary>
                <DiffTable
                  rows={fromFieldDiffs(c.volatile)}
                  caption="Counts and activity that differ, which Clerk changes without sending an event"
                  beforeLabel="Local copy"
                  afterLabel="Clerk"
                />
              </details>
            )}
          </>
        )}
      </DataState>
    </section>
  );
}

function Members({ org }: { org: OrganizationDetail }) {
  const more = org.membersTotal - org.members.length;
  return (
    <section className="card" aria-labelledby="members-heading">
      <h2 id="members-heading">Members ({formatNumber(org.membersTotal)})</h2>
      {org.members.length === 0 ? (
        <p className="muted">No live members in the local copy.</p>
      ) : (
        <Table
          items={org.members}
          columns={MEMBER_COLUMNS}
          getKey={(m) => m.id}
          caption="Members of this organization"
        />
      )}
      {more > 0 && <p className="muted small">{plural(more, 'more member')} not listed.</p>}
      {org.formerMembers.length > 0 && (
        <details>
          <summary>Former members ({formatNumber(org.formerMembers.length)})</summary>
          <Table
            items={org.formerMembers}
            columns={FORMER_COLUMNS}
            getKey={(m) => m.id}
            caption="Former members of this organization, most recently ended first"
          />
        </details>
      )}
    </section>
  );
}

function Invitations({ org }: { org: OrganizationDetail }) {
  return (
    <section className="card" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Pending invitations ({formatNumber(org.pendingInvitations.length)})</h2>
      {org.pendingInvitations.length === 0 ? (
        <p className="muted">No pending invitations in the local copy.</p>
      ) : (
        <Table
          items={org.pendingInvitations}
          columns={INVITATION_COLUMNS}
          getKey={(i) => i.id}
          caption="Pending invitations of this organization, newest first"
        />
      )}
    </section>
  );
}

function Timeline({ organizationId }: { organizationId: string }) {
  const query = useOrganizationTimeline(organizationId);
  return (
    <section className="card" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Event timeline</h2>
      <EventTimeline query={query} empty="No events received for this organization." />
    </section>
  );
}

export function OrganizationDetailPage() {
  const { id: organizationId = '' } = useParams();
  const query = useOrganizationDetail(organizationId);
  const resync = useResyncOrganization();
  const { canOperate } = usePermissions();
  const org = query.data;
  const noLocalCopy = isApiError(query.error) && query.error.status === 404;
  const title = org ? organizationName(org) : organizationId;

  return (
    <>
      <title>{`${title} · Clerk Sync Monitor`}</title>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/organizations">Organizations</Link> <span aria-hidden="true">/</span>{' '}
        <span className="mono">{organizationId}</span>
      </nav>
      <div className="page-header">
        <h1>
          {title} {org && <StatusBadge status={org.deleted ? 'deleted' : org.syncStatus} />}
        </h1>
        <ConfirmAction
          label="Resync"
          pending={resync.isPending}
          disabled={!canOperate}
          className="button button--primary"
          consequence={
            <>
              Fetch this organization, every member and its pending invitations from Clerk and write Clerk’s state to
              the local copy? Members Clerk no longer lists are ended.
            </>
          }
          confirmLabel={`Resync ${title}`}
          onConfirm={() => resync.mutate(organizationId)}
        />
      </div>
      <p id="resync-help" className="muted small">
        Resync reads the organization, its members and its pending invitations from Clerk’s Backend API (within the rate
        budget reconcile uses) and writes Clerk’s state to the local copy.
      </p>
      {!canOperate && <ReadOnlyNotice id="resync-readonly" action="resync organizations" />}
      {resync.isPending && (
        <Loading label="Resyncing: asking Clerk for the organization, its members and pending invitations…" />
      )}
      {resync.error && <ErrorMessage error={resync.error} title="Resync failed" />}
      {resync.data && resync.data.organizationId === organizationId && <ResyncOutcome result={resync.data} />}

      {noLocalCopy ? (
        <p className="callout callout--warn">
          There is no local copy of this organization. Resync creates one if Clerk has it.
        </p>
      ) : (
        <DataState isPending={query.isPending} error={query.error} hasData={!!org} onRetry={() => void query.refetch()}>
          {org && (
            <section className="card" aria-label="Local copy">
              <dl className="facts">
                <dt>Organization id</dt>
                <dd>
                  <Id value={org.id} max={18} />
                </dd>
                <dt>Slug</dt>
                <dd className="mono">{org.slug ?? '—'}</dd>
                <dt>Members</dt>
                <dd>{formatNumber(org.membersTotal)} held locally</dd>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={org.deleted ? 'deleted' : org.syncStatus} />
                  {org.deletedAt && (
                    <span className="muted">
                      {' '}
                      since <DateTime iso={org.deletedAt} />
                    </span>
                  )}
                </dd>
                <dt>Created in Clerk</dt>
                <dd>
                  <DateTime iso={org.clerkCreatedAt} />
                </dd>
                <SyncFacts
                  clerkUpdatedAt={org.clerkUpdatedAt}
                  updatedAt={org.updatedAt}
                  source={org.source}
                  lastComparedAt={org.lastComparedAt}
                  lastEvent={org.lastEvent}
                />
              </dl>
            </section>
          )}
        </DataState>
      )}
      <Comparison organizationId={organizationId} />
      {org && <Members org={org} />}
      <div className="grid-2">
        {org && <Invitations org={org} />}
        <Timeline organizationId={organizationId} />
      </div>
    </>
  );
}
