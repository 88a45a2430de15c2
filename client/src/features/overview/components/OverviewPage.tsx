import { lazy, Suspense, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { OverviewStats } from '@contract/contract.ts';
import { DataState, Loading } from '../../../components/DataState.tsx';
import { RelativeTime } from '../../../components/RelativeTime.tsx';
import { formatDateTime, formatNumber } from '../../../lib/time.ts';
import { useLiveStatus } from '../../../lib/live-status.ts';
import { LiveProblemText } from '../../../components/LiveBanner.tsx';
import { useOverview } from '../api/overview.ts';
import { useDriftHistory } from '../api/drift-history.ts';

// the charting library loads with the chart, not with the page shell
const EventsChart = lazy(() => import('./EventsChart.tsx').then((m) => ({ default: m.EventsChart })));
const DriftChart = lazy(() => import('./DriftChart.tsx').then((m) => ({ default: m.DriftChart })));

function DriftOverTime() {
  const history = useDriftHistory();
  const points = history.data ?? [];
  const last = points.at(-1);
  return (
    <section className="card" aria-labelledby="drift-chart-heading">
      <h2 id="drift-chart-heading">Drift found over time</h2>
      <DataState
        isPending={history.isPending}
        error={history.error}
        hasData={!!history.data}
        onRetry={() => void history.refetch()}
        isEmpty={points.length === 0}
        empty={
          <>
            No reconcile has completed yet. <Link to="/drift">Run one</Link> to find drift webhooks missed.
          </>
        }
      >
        <p className={last ? undefined : 'visually-hidden'}>
          {last &&
            `Last reconcile (${formatDateTime(last.finishedAt)}): ${formatNumber(last.missing)} missing, ${formatNumber(last.stale)} stale, ${formatNumber(last.deleted)} deleted in Clerk. `}
          <Link to="/drift">Drift page</Link>
        </p>
        <Suspense fallback={<Loading label="Loading chart…" />}>
          <DriftChart points={points} />
        </Suspense>
      </DataState>
    </section>
  );
}

function Stat({
  label,
  value,
  detail,
  tone,
  to,
}: {
  label: string;
  value: ReactNode;
  detail?: ReactNode;
  tone?: 'ok' | 'warn' | 'bad';
  to?: string;
}) {
  return (
    <div className={`stat${tone ? ` stat--${tone}` : ''}`}>
      <dt className="stat__label">{label}</dt>
      <dd className="stat__value">{to ? <Link to={to}>{value}</Link> : value}</dd>
      {detail && <dd className="stat__detail">{detail}</dd>}
    </div>
  );
}

function Stats({ s }: { s: OverviewStats }) {
  const lastHourEvents = s.eventsPerMinute.reduce((n, p) => n + p.count, 0);
  const lastHourFailedEvents = s.eventsPerMinute.reduce((n, p) => n + p.failed, 0);
  const live = useLiveStatus().data ?? s.live;
  const problems = live.problems;
  return (
    <>
      {s.failingNow || problems.length > 0 ? (
        <div className="callout callout--warn" role="alert">
          <p className="callout__title">
            {problems.length ? 'Something is wrong right now' : 'The latest webhook requests failed'}
          </p>
          {problems.map((p) => (
            <p key={p.incidentId}>
              <LiveProblemText problem={p} />
            </p>
          ))}
          <p>
            <Link to="/failures">See the outstanding failures</Link>
          </p>
        </div>
      ) : (
        <div className="callout callout--ok" role="status">
          <p className="callout__title">Webhooks are going through</p>
        </div>
      )}
      <dl className="stats">
        <Stat
          label="Outstanding failures"
          value={formatNumber(s.outstandingFailures)}
          detail={`messages no attempt applied yet · ${formatNumber(s.recoveredFailures)} recovered by a retry or replay`}
          tone={s.outstandingFailures > 0 ? 'bad' : 'ok'}
          to="/failures"
        />
        <Stat
          label="Failing now"
          value={s.failingNow || problems.length > 0 ? 'Yes' : 'No'}
          tone={s.failingNow || problems.length > 0 ? 'warn' : 'ok'}
        />
        <Stat
          label="Unsigned requests"
          value={formatNumber(s.unsignedRequests.lastHour)}
          detail={`last hour, not counted as failures (scanners, forgeries) · ${formatNumber(s.unsignedRequests.total)} all time`}
          tone={s.unsignedRequests.lastHour > 0 ? 'warn' : undefined}
          to="/deliveries?outcome=rejected"
        />
        <Stat
          label="Users in the local copy"
          value={formatNumber(s.users.total)}
          detail={`${formatNumber(s.users.deleted)} deleted`}
          to="/users"
        />
        <Stat
          label="Drifted users known"
          value={formatNumber(s.users.drifted)}
          tone={s.users.drifted ? 'warn' : 'ok'}
          to="/users?status=drifted"
        />
        <Stat
          label="Organizations in the local copy"
          value={formatNumber(s.organizations.total)}
          detail={`${formatNumber(s.organizations.deleted)} deleted · ${formatNumber(s.organizations.memberships)} memberships`}
          to="/organizations"
        />
        <Stat
          label="Drifted organizations known"
          value={formatNumber(s.organizations.drifted)}
          detail="marked drifted and not resynced since"
          tone={s.organizations.drifted ? 'warn' : 'ok'}
          to="/organizations?status=drifted"
        />
        <Stat
          label="Last event received"
          value={s.lastEventAt ? <RelativeTime iso={s.lastEventAt} /> : 'never'}
          detail={s.lastEventAt ? formatDateTime(s.lastEventAt) : 'No event has arrived yet.'}
        />
        <Stat
          label="Events (last hour)"
          value={formatNumber(lastHourEvents)}
          detail={`${formatNumber(lastHourFailedEvents)} failed`}
          to="/events"
        />
        {s.retention && (
          <Stat
            label={`Purged (retention ${formatNumber(s.retention.days)} days)`}
            value={formatNumber(s.retention.purgedDeliveries + s.retention.purgedPayloads)}
            detail={
              `${formatNumber(s.retention.purgedDeliveries)} delivery rows, ${formatNumber(s.retention.purgedPayloads)} payloads, ` +
              `${formatNumber(s.retention.purgedUsers)} users erased` +
              (s.retention.lastPurgeAt ? ` · last ${formatDateTime(s.retention.lastPurgeAt)}` : ' · nothing purged yet')
            }
          />
        )}
      </dl>
      <section className="card" aria-labelledby="chart-heading">
        <h2 id="chart-heading">Events per minute</h2>
        <p className="visually-hidden">
          {formatNumber(lastHourEvents)} events in the last 60 minutes, {formatNumber(lastHourFailedEvents)} of them
          failed.
        </p>
        <Suspense fallback={<Loading label="Loading chart…" />}>
          <EventsChart series={s.eventsPerMinute} />
        </Suspense>
      </section>
      <DriftOverTime />
    </>
  );
}

export function OverviewPage() {
  const query = useOverview();
  return (
    <>
      <title>Overview · Clerk Sync Monitor</title>
      <div className="page-header">
        <h1>Overview</h1>
      </div>
      <DataState
        isPending={query.isPending}
        error={query.error}
        hasData={!!query.data}
        onRetry={() => void query.refetch()}
      >
        {query.data && <Stats s={query.data} />}
      </DataState>
    </>
  );
}
