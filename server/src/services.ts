// Composition root of the domain: builds every service from injected infrastructure. The HTTP app,
// the Socket.IO server and tests all take what they need from here.
import type { Db } from './lib/db/client.ts';
import type { Logger } from './lib/logger.ts';
import type { Publisher } from './realtime/publisher.ts';
import type { Projector } from './sync/projector.ts';
import type { MetaDto } from './contract.ts';
import { createUnitOfWork } from './lib/unit-of-work.ts';
import { createDeliveryLog } from './deliveries/delivery-log.ts';
import { toDeliverySummary } from './deliveries/deliveries.repository.ts';
import { createWebhooksService } from './webhooks/webhooks.service.ts';
import { createVerifier } from './webhooks/verify.ts';
import { createAuthService } from './auth/auth.service.ts';
import { createEventsService } from './events/events.service.ts';
import { createDeliveriesService } from './deliveries/deliveries.service.ts';
import { createUsersService } from './users/users.service.ts';
import { createOverviewService } from './overview/overview.service.ts';
import { createResyncService } from './resync/resync.service.ts';
import type { ClerkClient } from './clerk/clerk-client.ts';

export interface ServiceDeps {
  db: Db;
  logger: Logger;
  publisher: Publisher;
  webhookSecrets: string[];
  sessionTtlMs: number;
  meta: MetaDto;
  clerk: ClerkClient;
  projector?: Projector;
}

export function createServices(deps: ServiceDeps) {
  const uow = createUnitOfWork(deps.db);
  const { repos } = uow;
  const deliveryLog = createDeliveryLog({
    deliveries: repos.deliveries,
    logger: deps.logger,
    onRecorded: (row) => deps.publisher.deliveryRecorded(toDeliverySummary(row)),
  });
  const webhooks = createWebhooksService({
    uow,
    verify: createVerifier(deps.webhookSecrets),
    publisher: deps.publisher,
    deliveryLog,
    logger: deps.logger,
    ...(deps.projector ? { projector: deps.projector } : {}),
  });
  const users = createUsersService({ repos });
  return {
    db: deps.db,
    meta: deps.meta,
    logger: deps.logger,
    repos,
    uow,
    deliveryLog,
    webhooks,
    auth: createAuthService({ repos, sessionTtlMs: deps.sessionTtlMs, logger: deps.logger }),
    events: createEventsService(repos),
    deliveries: createDeliveriesService({ repos, webhooks }),
    users,
    resync: createResyncService({ uow, clerk: deps.clerk, users, publisher: deps.publisher, logger: deps.logger }),
    overview: createOverviewService({ repos, demo: deps.meta.demo }),
  };
}

export type Services = ReturnType<typeof createServices>;
