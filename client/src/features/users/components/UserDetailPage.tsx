import { useMemo } from 'react';
import { Link, useParams } from 'react-router';
import type { MembershipSummary, ResyncResult, SessionDto, UserComparison, UserDetail } from '@contract/contract.ts';
import { DataState } from '../../../components/DataState.tsx';
import { CompareTable } from '../../../components/DiffTable.tsx';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { Id } from '../../../components/Id.tsx';
import { DateTime, RelativeTime } from '../../../components/RelativeTime.tsx';
import { SyncFacts } from '../../../components/SyncFacts.tsx';
import { EventTimeline } from '../../../components/EventTimeline.tsx';
import { StatusBadge } from '../../../components/StatusBadge.tsx';
import { Table, type Column } from '../../../components/Table.tsx';
import { isApiError } from '../../../lib/api.ts';
import { compareSideBySide } from '../../../lib/diff.ts';
import { displayName, useResyncUser, useUserComparison, useUserDetail, useUserTimeline } from '../api/users.ts';
import { usePermissions } from '../../../lib/session.ts';
import { ReadOnlyNotice } from '../../../components/ReadOnlyNotice.tsx';

const RESYNC_TEXT: Record<ResyncResult['result'], string> = {
  created: 'Clerk’s state was written as a new local copy.',
  updated: 'The local copy was updated to Clerk’s state.',
  unchanged: 'The local copy already matched Clerk; nothing changed.',
  tombstoned: 'Clerk no longer has this user (404): the local copy is now marked deleted.',
};

function ResyncOutcome({ result }: { result: ResyncResult }) {
  return (
    <div className="callout callout--ok" role="status">
      <p className="callout__title">Resync finished: {result.result}</p>
      <p>{RESYNC_TEXT[result.result]}</p>
      {result.changedFields.length > 0 && (
        <p className="small">
          {result.changedFields.length} {result.changedFields.length === 1 ? 'field' : 'fields'} changed:{' '}
          <span className="mono">{result.changedFields.join(', ')}</span>
        </p>
      )}
    </div>
  );
}

function Comparison({ userId }: { userId: string }) {
  const query = useUserComparison(userId);
  const c: UserComparison | undefined = query.data;
  const rows = useMemo(() => (c ? compareSideBySide(c.local, c.clerk, c.diff) : []), [c]);
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
        loadingLabel="Asking Clerk…"
      >
        {c && (
          <>
            <p>
              <StatusBadge status={c.status} />{' '}
              {c.clerk === null && c.localDeleted && (
                <strong>
                  Tombstone: Clerk answered 404 and the local copy is marked deleted. Nothing to compare.{' '}
                </strong>
              )}
              {c.clerk === null && !c.localDeleted && c.local !== null && (
                <strong>Deleted in Clerk (404), still alive locally: a resync tombstones it. </strong>
              )}
              {c.clerk === null && c.local === null && (
                <strong>Neither Clerk nor the local copy knows this user. </strong>
              )}
              {c.local === null && c.clerk !== null && (
                <strong>
                  Missing locally: Clerk has this user ({rows.length} fields), there is no local copy. A resync creates
                  it.{' '}
                </strong>
              )}
              {c.localDeleted && c.clerk !== null && (
                <strong>The local copy is marked deleted, but Clerk still has the user. </strong>
              )}
            </p>
            {c.local === null || c.clerk === null ? (
              // one side is missing: every field would differ, which says nothing the line above does not
              rows.length > 0 && (
                <details>
                  <summary>
                    {c.local === null ? "Clerk's copy" : 'The local copy'} ({rows.length} fields)
                  </summary>
                  <CompareTable rows={rows} caption="Every field of the local copy and of Clerk's current state" />
                </details>
              )
            ) : (
              <CompareTable rows={rows} caption="Every field of the local copy and of Clerk's current state" />
            )}
          </>
        )}
      </DataState>
    </section>
  );
}

const SESSION_COLUMNS: Column<SessionDto>[] = [
  { key: 'id', header: 'Session', className: 'mono', render: (s) => s.id },
  {
    key: 'status',
    header: 'Status',
    render: (s) => <span className={`badge badge--${s.status === 'active' ? 'ok' : 'neutral'}`}>{s.status}</span>,
  },
  { key: 'active', header: 'Last active', render: (s) => <RelativeTime iso={s.lastActiveAt} /> },
  { key: 'expires', header: 'Expires', render: (s) => <RelativeTime iso={s.expireAt} /> },
];

function Sessions({ user }: { user: UserDetail }) {
  return (
    <section className="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Sessions</h2>
      {user.sessions.length === 0 ? (
        <p className="muted">No sessions in the local copy.</p>
      ) : (
        <Table items={user.sessions} columns={SESSION_COLUMNS} getKey={(s) => s.id} caption="Sessions of this user" />
      )}
    </section>
  );
}

const MEMBERSHIP_END_TEXT = {
  membership_deleted: 'removed in Clerk',
  organization_deleted: 'organization deleted',
} as const;

const MEMBERSHIP_COLUMNS: Column<MembershipSummary>[] = [
  {
    key: 'organization',
    header: 'Organization',
    rowHeader: true,
    render: (m) => (
      <Link to={`/organizations/${encodeURIComponent(m.organizationId)}`}>
        {m.organizationName ?? m.organizationSlug ?? m.organizationId}
      </Link>
    ),
  },
  { key: 'role', header: 'Role', render: (m) => (m.roleName ? `${m.roleName} (${m.role})` : m.role) },
  {
    key: 'state',
    header: 'Membership',
    render: (m) =>
      m.deleted ? (
        <>
          <span className="badge badge--neutral">ended</span>{' '}
          <span className="small muted">{m.endedBy ? MEMBERSHIP_END_TEXT[m.endedBy] : ''}</span>
        </>
      ) : (
        <span className="badge badge--ok">member</span>
      ),
  },
  { key: 'since', header: 'Since', render: (m) => <RelativeTime iso={m.clerkCreatedAt} /> },
  { key: 'id', header: 'Membership id', render: (m) => <Id value={m.id} max={18} /> },
];

/** The user's organizations, each linking to its page (which lists the user among its members). */
function Memberships({ user }: { user: UserDetail }) {
  const live = user.memberships.filter((m) => !m.deleted).length;
  return (
    <section className="card" aria-labelledby="memberships-heading">
      <h2 id="memberships-heading">Organizations ({live})</h2>
      {user.memberships.length === 0 ? (
        <p className="muted">No organization memberships in the local copy.</p>
      ) : (
        <Table
          items={user.memberships}
          columns={MEMBERSHIP_COLUMNS}
          getKey={(m) => m.id}
          caption="Organization memberships of this user, live ones first"
        />
      )}
    </section>
  );
}

function Timeline({ userId }: { userId: string }) {
  const query = useUserTimeline(userId);
  return (
    <section className="card" aria-labelledby="timeline-heading">
      <div className="toolbar">
        <h2 id="timeline-heading">Event timeline</h2>
        <Link to={`/events?userId=${encodeURIComponent(userId)}`} className="small">
          All events of this user
        </Link>
      </div>
      <EventTimeline query={query} empty="No events received for this user." />
    </section>
  );
}

export function UserDetailPage() {
  const { id: userId = '' } = useParams();
  const query = useUserDetail(userId);
  const resync = useResyncUser();
  const { canOperate } = usePermissions();
  const user = query.data;
  const noLocalCopy = isApiError(query.error) && query.error.status === 404;

  return (
    <>
      <title>{`${user ? displayName(user) : userId} · Clerk Sync Monitor`}</title>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/users">Users</Link> <span aria-hidden="true">/</span> <span className="mono">{userId}</span>
      </nav>
      <div className="page-header">
        <h1>
          {user ? displayName(user) : userId}{' '}
          {user && <StatusBadge status={user.deleted ? 'deleted' : user.syncStatus} />}
        </h1>
        <button
          type="button"
          className="button button--primary"
          onClick={() => resync.mutate(userId)}
          disabled={resync.isPending || !canOperate}
          aria-describedby={canOperate ? 'resync-help' : 'resync-help resync-readonly'}
        >
          {resync.isPending ? 'Resyncing…' : 'Resync'}
        </button>
      </div>
      <p id="resync-help" className="muted small">
        Resync fetches this user from Clerk’s Backend API and writes Clerk’s state to the local copy.
      </p>
      {!canOperate && <ReadOnlyNotice id="resync-readonly" action="resync users" />}
      {resync.error && <ErrorMessage error={resync.error} title="Resync failed" />}
      {resync.data && <ResyncOutcome result={resync.data} />}

      {noLocalCopy ? (
        <p className="callout callout--warn">
          There is no local copy of this user. Resync creates one if Clerk has the user.
        </p>
      ) : (
        <DataState
          isPending={query.isPending}
          error={query.error}
          hasData={!!user}
          onRetry={() => void query.refetch()}
        >
          {user && (
            <section className="card" aria-label="Local copy">
              <dl className="facts">
                <dt>User id</dt>
                <dd className="mono selectable">{user.id}</dd>
                <dt>Email</dt>
                <dd>{user.primaryEmail ?? '—'}</dd>
                <dt>Username</dt>
                <dd>{user.username ?? '—'}</dd>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={user.deleted ? 'deleted' : user.syncStatus} />
                  {user.deletedAt && (
                    <span className="muted">
                      {' '}
                      since <DateTime iso={user.deletedAt} />
                    </span>
                  )}
                </dd>
                <SyncFacts
                  clerkUpdatedAt={user.clerkUpdatedAt}
                  updatedAt={user.updatedAt}
                  source={user.source}
                  lastComparedAt={user.lastComparedAt}
                  lastEvent={user.lastEvent}
                />
              </dl>
            </section>
          )}
        </DataState>
      )}
      <Comparison userId={userId} />
      {user && <Memberships user={user} />}
      <div className="grid-2">
        {user && <Sessions user={user} />}
        <Timeline userId={userId} />
      </div>
    </>
  );
}
