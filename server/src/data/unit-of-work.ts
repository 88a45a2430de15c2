// Repositories bound to a client, and transactions that hand the same repositories bound to the
// transaction. Services depend on this, never on Prisma directly.
import type { Prisma } from '../generated/sqlite/client.ts';
import type { Db, DbClient } from '../lib/db/client.ts';
import { createDeliveriesRepository } from '../deliveries/deliveries.repository.ts';
import { createReplayJobsRepository } from '../deliveries/replay-jobs.repository.ts';
import { createEventsRepository } from '../events/events.repository.ts';
import { createUsersRepository } from '../users/users.repository.ts';
import { createSessionsRepository } from '../sessions/sessions.repository.ts';
import { createOperatorsRepository } from '../auth/operators.repository.ts';
import { createApiTokensRepository } from '../auth/api-tokens.repository.ts';
import { createAuditRepository } from '../audit/audit.repository.ts';
import { createRetentionRepository } from '../retention/retention.repository.ts';
import { createOrganizationsRepository } from '../organizations/organizations.repository.ts';
import { createMembershipsRepository } from '../organizations/memberships.repository.ts';
import { createInvitationsRepository } from '../organizations/invitations.repository.ts';

export function createRepositories(client: DbClient) {
  return {
    deliveries: createDeliveriesRepository(client),
    replayJobs: createReplayJobsRepository(client),
    events: createEventsRepository(client),
    users: createUsersRepository(client),
    sessions: createSessionsRepository(client),
    organizations: createOrganizationsRepository(client),
    memberships: createMembershipsRepository(client),
    invitations: createInvitationsRepository(client),
    operators: createOperatorsRepository(client),
    apiTokens: createApiTokensRepository(client),
    audit: createAuditRepository(client),
    retention: createRetentionRepository(client),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

export interface UnitOfWork {
  repos: Repositories;
  /**
   * Runs `fn` in one transaction. `lockKeys` serialise writers of the same Clerk object across
   * connections (PostgreSQL advisory locks; SQLite has a single writer already).
   */
  transaction<T>(fn: (repos: Repositories) => Promise<T>, lockKeys?: string[]): Promise<T>;
}

export function createUnitOfWork(db: Db): UnitOfWork {
  const prisma = db.prisma as unknown as Prisma.TransactionClient & {
    $transaction<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>, opts?: { maxWait?: number; timeout?: number }): Promise<T>;
  };
  return {
    repos: createRepositories(prisma),
    transaction(fn, lockKeys = []) {
      return prisma.$transaction(
        async (tx) => {
          if (db.provider === 'postgresql') {
            for (const key of [...new Set(lockKeys)].sort()) {
              await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${key}))`;
            }
          }
          return fn(createRepositories(tx));
        },
        // SQLite queues writers on one connection: under a burst a transaction may wait its turn.
        { maxWait: 15_000, timeout: 15_000 },
      );
    },
  };
}
