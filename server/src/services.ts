// Composition root of the domain: builds every service from injected infrastructure. The HTTP app,
// the Socket.IO server and tests all take what they need from here.
import type { Db } from './lib/db/client.ts';
import type { Logger } from './lib/logger.ts';
import type { Publisher } from './realtime/publisher.ts';
import type { ParsedEvent } from './webhooks/clerk-event.ts';
import { createIngestStore } from './ingest/ingest-store.ts';
import type { MetaDto } from './contract.ts';
import { createUnitOfWork } from './data/unit-of-work.ts';
import { createDeliveryLog } from './deliveries/delivery-log.ts';
import { createWebhooksService, type UnloggedRefusal } from './webhooks/webhooks.service.ts';
import type { RejectedLimiter } from './webhooks/rejected-limiter.ts';
import { createVerifier } from './webhooks/verify.ts';
import { createAuthService } from './auth/auth.service.ts';
import { createEventsService } from './events/events.service.ts';
import { createDeliveriesService } from './deliveries/deliveries.service.ts';
import { createUsersService } from './users/users.service.ts';
import { createOverviewService } from './overview/overview.service.ts';
import { createResyncService } from './resync/resync.service.ts';
import type { ClerkClient } from './clerk/clerk-client.ts';
import { createAuditService } from './audit/audit.service.ts';
import { createReconcileRepository } from './reconcile/reconcile.repository.ts';
import { createReconcileService, type ReconcileSettings } from './reconcile/reconcile.service.ts';
import { createRateBudget } from './reconcile/rate-budget.ts';
import { createAdminService } from './admin/admin.service.ts';
import { createRetentionService, withDeletionHook, type RetentionOptions } from './retention/retention.service.ts';
import type { LoginLimiter } from './auth/login-limiter.ts';
import { createServerSecretsRepository } from './auth/server-secrets.repository.ts';

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
  /** budget of refused webhook requests per source (WEBHOOK_REJECTED_PER_MINUTE); absent: every one is logged */
  rejectedLimiter?: RejectedLimiter | null;
  /** a webhook refusal that left no delivery-log row (metrics) */
  onUnlogged?: (reason: UnloggedRefusal) => void;
}

export function createServices(deps: ServiceDeps) {
  const uow = createUnitOfWork(deps.db);
  const { repos } = uow;
  // A user deletion, once committed and published, also reaches retention (PURGE_DELETED_USER_PAYLOADS).
  const publisher = withDeletionHook(deps.publisher, (u) => retention.userChanged(u));
  const store = createIngestStore(deps.db, deps.onApplied ? { onApplied: deps.onApplied } : {});
  const deliveryLog = createDeliveryLog({
    write: store.logDelivery,
    logger: deps.logger,
    onRecorded: (row) => deps.publisher.deliveryRecorded(row),
  });
  const webhooks = createWebhooksService({
    store,
    verify: createVerifier(deps.webhookSecrets),
    publisher,
    deliveryLog,
    logger: deps.logger,
    rejectedLimiter: deps.rejectedLimiter ?? null,
    ...(deps.onUnlogged ? { onUnlogged: deps.onUnlogged } : {}),
  });
  const users = createUsersService({ repos });
  const audit = createAuditService({ repo: repos.audit, logger: deps.logger });
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
  const rateBudget = createRateBudget({ requestsPerWindow: rateLimit, share: budgetShare, ...(windowMs ? { windowMs } : {}) });
  const reconcile = createReconcileService({
    repo: createReconcileRepository(deps.db),
    clerk: rateBudget.wrap(deps.clerk),
    clerkAhead: rateBudget.wrap(deps.clerk, { ahead: true }),
    resync,
    audit,
    publisher: deps.publisher,
    logger: deps.logger,
    // Enough pages requested ahead to hide ~0.5 s of Clerk latency at this budget's spacing, in at most half
    // of what the budget may have open: the rest is for requests a page waits on (they must not wait for a slot).
    settings: { pagesAhead: Math.min(Math.floor(rateBudget.maxInFlight / 2), Math.max(2, Math.ceil(500 / rateBudget.minTimeMs) + 1)), ...reconcileSettings },
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
    deliveries: createDeliveriesService({ repos, webhooks, audit }),
    users,
    resync,
    audit,
    rateBudget,
    reconcile,
    overview: createOverviewService({ repos, demo: deps.meta.demo, retention }),
  };
}

export type Services = ReturnType<typeof createServices>;
