// Composition root of the domain: builds every service from injected infrastructure. The HTTP app,
// the Socket.IO server and tests all take what they need from here.
import type { Db } from './lib/db/client.ts';
import type { Logger } from './lib/logger.ts';
import type { Publisher } from './realtime/publisher.ts';
import type { ParsedEvent } from './webhooks/clerk-event.ts';
import { createIngestStore } from './ingest/ingest-store.ts';
import type { MetaDto, OperatorDto, ReplayResult } from './contract.ts';
import { createUnitOfWork } from './data/unit-of-work.ts';
import { createDeliveryLog } from './deliveries/delivery-log.ts';
import { createWebhooksService, type UnloggedRefusal } from './webhooks/webhooks.service.ts';
import type { RejectedLimiter } from './webhooks/rejected-limiter.ts';
import { createVerifier } from './webhooks/verify.ts';
import { createAuthService } from './auth/auth.service.ts';
import { createEventsService } from './events/events.service.ts';
import { createDeliveriesService } from './deliveries/deliveries.service.ts';
import { createFailuresService } from './deliveries/failures.ts';
import { createBulkReplay } from './deliveries/bulk-replay.ts';
import { createReplayJobs, type ReplayJobSettings } from './deliveries/replay-job.ts';
import { createUsersService } from './users/users.service.ts';
import { createOrganizationsService } from './organizations/organizations.service.ts';
import { createOverviewService } from './overview/overview.service.ts';
import { createResyncService } from './resync/resync.service.ts';
import { createConflictResync } from './resync/conflict-resync.ts';
import { createOrganizationResyncService } from './resync/organization-resync.service.ts';
import type { ClerkClient } from './clerk/clerk-client.ts';
import { createAuditService } from './audit/audit.service.ts';
import { createReconcileRepository } from './reconcile/reconcile.repository.ts';
import { createReconcileService, type ReconcileSettings } from './reconcile/reconcile.service.ts';
import { createRateBudget } from './reconcile/rate-budget.ts';
import { createAdminService } from './admin/admin.service.ts';
import { createRetentionService, withDeletionHook, type RetentionOptions } from './retention/retention.service.ts';
import type { LoginLimiter } from './auth/login-limiter.ts';
import { createServerSecretsRepository } from './auth/server-secrets.repository.ts';
import { createIncidentsRepository } from './incidents/incidents.repository.ts';
import { createIncidentsService, type IncidentsOptions } from './incidents/incidents.service.ts';
import type { AlertChannel } from './incidents/alerts/channels.ts';
import type { IncidentSummary } from './contract.ts';

export interface ReconcileOptions extends Partial<ReconcileSettings> {
  /** Clerk's limit for the key, requests per window (default 100, a development instance) */
  rateLimit?: number;
  /** share of it reconcile may use (default 0.5) */
  budgetShare?: number;
  /** the limit's window (Clerk: 10 s; tests scale it down) */
  windowMs?: number;
}

export interface ServiceDeps {
  db: Db;
  logger: Logger;
  publisher: Publisher;
  webhookSecrets: string[];
  sessionTtlMs: number;
  meta: MetaDto;
  clerk: ClerkClient;
  /** fault injection: called inside the ingest transaction after each applied event; a throw fails it */
  onApplied?: (event: ParsedEvent) => void;
  reconcile?: ReconcileOptions;
  /** RETENTION_DAYS / PURGE_DELETED_USER_PAYLOADS (default 30 days, no purge of deleted users) */
  retention?: RetentionOptions;
  /** sign-in brute-force limits (tests use small ones) */
  loginLimiter?: LoginLimiter;
  /** QUARANTINE_AFTER_ATTEMPTS (default 3) */
  quarantineAfterAttempts?: number;
  /** incidents and alerts: timings, channels, and the live push of a changed incident */
  incidents?: { options: IncidentsOptions; channels: AlertChannel[]; notify?: (i: IncidentSummary) => void };
  /** budget of refused webhook requests per source (WEBHOOK_REJECTED_PER_MINUTE); absent: every one is logged */
  rejectedLimiter?: RejectedLimiter | null;
  /** bulk replay jobs' timings (tests shorten them) */
  replayJobs?: Partial<ReplayJobSettings>;
  /** a webhook refusal that left no delivery-log row (metrics) */
  onUnlogged?: (reason: UnloggedRefusal) => void;
}

export function createServices(deps: ServiceDeps) {
  const uow = createUnitOfWork(deps.db);
  const { repos } = uow;
  // A user deletion, once committed and published, also reaches retention (PURGE_DELETED_USER_PAYLOADS).
  const publisher = withDeletionHook(deps.publisher, (u) => retention.userChanged(u));
  const store = createIngestStore(deps.db, {
    ...(deps.onApplied ? { onApplied: deps.onApplied } : {}),
    ...(deps.quarantineAfterAttempts ? { quarantineAfterAttempts: deps.quarantineAfterAttempts } : {}),
  });
  const deliveryLog = createDeliveryLog({
    write: store.logDelivery,
    logger: deps.logger,
    onRecorded: (row) => deps.publisher.deliveryRecorded(row),
  });
  const audit = createAuditService({ repo: repos.audit, logger: deps.logger });
  // Incident replays go through the deliveries' replay; the incident records one audit entry for all of them.
  let replayDelivery: (id: number, operator: OperatorDto) => Promise<ReplayResult> = () =>
    Promise.reject(new Error('not ready'));
  const incidents = createIncidentsService({
    repo: createIncidentsRepository(deps.db.prisma),
    eventOutcomes: (ids) => repos.events.outcomesOf(ids),
    replayDelivery: (id, operator) => replayDelivery(id, operator),
    audit,
    logger: deps.logger,
    notify: deps.incidents?.notify ?? (() => {}),
    // the banner is a view of the open incidents: its changes go to every dashboard
    statusChanged: (s) => deps.publisher.statusChanged?.(s),
    latestGenuineAt: () => repos.events.latestReceivedAt(),
    channels: deps.incidents?.channels ?? [],
    options: deps.incidents?.options ?? { publicUrl: 'http://127.0.0.1:3000', silenceMs: null, reminderMs: null },
  });
  const webhooks = createWebhooksService({
    store,
    verify: createVerifier(deps.webhookSecrets),
    publisher,
    deliveryLog,
    logger: deps.logger,
    observer: incidents.observer,
    onConflict: (userId) => conflicts.enqueue(userId),
    onOrganizationConflict: (organizationId) => organizationConflicts.enqueue(organizationId),
    rejectedLimiter: deps.rejectedLimiter ?? null,
    ...(deps.onUnlogged ? { onUnlogged: deps.onUnlogged } : {}),
  });
  const failures = createFailuresService({ repos });
  const deliveries = createDeliveriesService({ repos, webhooks, audit });
  // the incident records one audit entry for its whole replay, so its replays go through an unaudited instance
  replayDelivery = createDeliveriesService({ repos, webhooks }).replay;
  const bulkReplay = createBulkReplay({ repos, failures });
  const replayJobs = createReplayJobs({
    repo: repos.replayJobs,
    bulk: bulkReplay,
    replay: deliveries.replayRow,
    audit,
    publisher: deps.publisher,
    logger: deps.logger,
    ...(deps.replayJobs ? { settings: deps.replayJobs } : {}),
  });
  const users = createUsersService({ repos });
  const resync = createResyncService({ uow, clerk: deps.clerk, users, publisher, logger: deps.logger, audit });
  const { apiTokens } = repos;
  const auth = createAuthService({
    repos,
    apiTokens,
    serverSecrets: createServerSecretsRepository(deps.db.prisma),
    sessionTtlMs: deps.sessionTtlMs,
    logger: deps.logger,
    ...(deps.loginLimiter ? { loginLimiter: deps.loginLimiter } : {}),
  });
  const retention = createRetentionService({
    repo: repos.retention,
    operators: repos.operators,
    logger: deps.logger,
    audit,
    options: deps.retention ?? { days: 30, purgeDeletedUsers: false },
  });
  const { rateLimit = 100, budgetShare = 0.5, windowMs, ...reconcileSettings } = deps.reconcile ?? {};
  const rateBudget = createRateBudget({
    requestsPerWindow: rateLimit,
    share: budgetShare,
    ...(windowMs ? { windowMs } : {}),
  });
  // Users whose webhooks disagree at a tied updated_at: Clerk's answer decides, within the same budget.
  const budgeted = rateBudget.wrap(deps.clerk);
  const conflicts = createConflictResync({
    refresh: (userId) => resync.refreshFromClerk(userId, budgeted),
    kind: 'user',
    logger: deps.logger,
  });
  const organizations = createOrganizationsService({ repos });
  // An operator's compare or resync of an organization walks its member list: each page within the budget too.
  const organizationResync = createOrganizationResyncService({
    uow,
    clerk: budgeted,
    organizations,
    publisher,
    logger: deps.logger,
    audit,
  });
  // Organizations (or the organization a membership embeds) in the same case: the same, for the organization.
  const organizationConflicts = createConflictResync({
    refresh: (organizationId) => organizationResync.refreshFromClerk(organizationId),
    kind: 'organization',
    logger: deps.logger,
  });
  const reconcile = createReconcileService({
    repo: createReconcileRepository(deps.db),
    clerk: rateBudget.wrap(deps.clerk),
    clerkAhead: rateBudget.wrap(deps.clerk, { ahead: true }),
    resync,
    uow,
    audit,
    // what a run found (or that it failed) also reaches the incidents
    publisher: {
      ...deps.publisher,
      reconcileProgress: (r) => {
        deps.publisher.reconcileProgress(r);
        if (r.status !== 'running') incidents.reconcileChanged(r);
      },
      reconcileFinished: (r) => {
        deps.publisher.reconcileFinished(r);
        incidents.reconcileChanged(r);
      },
    },
    logger: deps.logger,
    // Enough windows walked at once (one request open each) to hide ~0.5 s of Clerk latency at this budget's
    // spacing, in at most half of what the budget may have open: the rest is for requests a page waits on.
    settings: {
      parallelWindows: Math.min(
        Math.floor(rateBudget.maxInFlight / 2),
        Math.max(2, Math.ceil(500 / rateBudget.minTimeMs) + 1),
      ),
      ...reconcileSettings,
    },
  });
  return {
    db: deps.db,
    meta: deps.meta,
    logger: deps.logger,
    repos,
    uow,
    deliveryLog,
    ingest: store,
    webhooks,
    auth,
    admin: createAdminService({ repos, apiTokens, auth, audit }),
    retention,
    events: createEventsService(repos),
    deliveries,
    failures,
    bulkReplay,
    replayJobs,
    users,
    organizations,
    resync,
    organizationResync,
    conflicts,
    organizationConflicts,
    audit,
    rateBudget,
    reconcile,
    incidents,
    overview: createOverviewService({
      repos,
      demo: deps.meta.demo,
      retention,
      failures,
      live: { current: incidents.liveStatus },
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
