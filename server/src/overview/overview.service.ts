import type { LiveStatus, OverviewStats, RetentionStats } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { FailuresService } from '../deliveries/failures.ts';

const MINUTE = 60_000;
const FAILING_NOW_WINDOW = 5;

export function createOverviewService(deps: {
  repos: Repositories;
  demo: boolean;
  clock?: () => Date;
  /** what retention purged */
  retention?: { stats(): Promise<RetentionStats> };
  failures: Pick<FailuresService, 'counts'>;
  live: { current(): LiveStatus };
}) {
  const clock = deps.clock ?? (() => new Date());
  const { repos } = deps;

  return {
    async get(): Promise<OverviewStats> {
      const now = clock();
      const hourAgo = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE - 59 * MINUTE);
      const [failures, unsignedTotal, unsignedLastHour] = await Promise.all([
        deps.failures.counts(),
        repos.deliveries.countUnverified(),
        repos.deliveries.countUnverified(new Date(now.getTime() - 60 * MINUTE)),
      ]);
      const live = deps.live.current();
      const [recent, total, failed, latest, users, organizations, memberships, sessions, lastEventAt, retention] =
        await Promise.all([
          repos.deliveries.receivedSince(hourAgo),
          repos.deliveries.count({}),
          repos.deliveries.count({ failed: true }),
          repos.deliveries.latest(FAILING_NOW_WINDOW),
          repos.users.counts(),
          repos.organizations.counts(),
          repos.memberships.countAllLive(),
          repos.sessions.countByStatus(now),
          repos.events.latestReceivedAt(),
          deps.retention?.stats() ??
            Promise.resolve<RetentionStats>({
              days: 0,
              purgeDeletedUsers: false,
              purgedDeliveries: 0,
              purgedPayloads: 0,
              purgedUsers: 0,
              lastPurgeAt: null,
            }),
        ]);
      const buckets = Array.from({ length: 60 }, (_, i) => ({
        minute: new Date(hourAgo.getTime() + i * MINUTE).toISOString(),
        count: 0,
        failed: 0,
      }));
      for (const d of recent) {
        const bucket = buckets[Math.floor((d.receivedAt.getTime() - hourAgo.getTime()) / MINUTE)];
        if (!bucket) continue;
        bucket.count++;
        if (d.failed) bucket.failed++;
      }
      return {
        eventsPerMinute: buckets,
        deliveries: {
          total,
          failed,
          lastHourTotal: recent.length,
          lastHourFailed: recent.filter((d) => d.failed).length,
        },
        outstandingFailures: failures.outstanding,
        recoveredFailures: failures.recovered,
        unsignedRequests: { total: unsignedTotal, lastHour: unsignedLastHour },
        // "failing now": the latest deliveries all failed (one bad request among good ones is not an outage),
        // or storage refuses webhooks, or signatures stopped verifying
        failingNow:
          (latest.length > 0 && latest.every((d) => d.failed)) ||
          live.problems.some((p) => p.kind === 'storage_refusing' || p.kind === 'signature_failures'),
        live,
        users,
        organizations: { ...organizations, memberships },
        sessions,
        lastEventAt: lastEventAt?.toISOString() ?? null,
        demo: deps.demo,
        retention,
      };
    },
  };
}

export type OverviewService = ReturnType<typeof createOverviewService>;
