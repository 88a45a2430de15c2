// Data lifecycle (ADR 007): a background job deletes delivery-log rows and erases event payloads older
// than RETENTION_DAYS, in bounded batches with a pause between them so webhooks interleave; deleted
// users' payloads are erased (PURGE_DELETED_USER_PAYLOADS) and an admin can erase one user on demand.
// Event rows themselves stay: svix-id dedupe and the user timeline never depend on the retention window.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PurgeUserResult, RetentionStats, UserSummary } from '../contract.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { OperatorsRepository } from '../auth/operators.repository.ts';
import type { RetentionRepository } from './retention.repository.ts';
import { PURGED } from '../events/events.repository.ts';
import { notFound } from '../lib/errors.ts';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  days: number;
  purgeDeletedUsers: boolean;
  /** rows per statement */
  batchSize?: number;
  /** pause between batches, so ingest gets the write lock in between */
  pauseMs?: number;
  /** at most this many batches of each kind per run (a run stays bounded; the next run continues) */
  maxBatchesPerRun?: number;
  /** how often the job runs */
  intervalMs?: number;
}

export interface RetentionRunResult {
  deliveries: number;
  payloads: number;
  users: number;
  durationMs: number;
}

/** System actor for purges no operator started. */
export const SYSTEM_ACTOR = 'system';

export function createRetentionService(deps: {
  repo: RetentionRepository;
  operators: OperatorsRepository;
  logger: Logger;
  options: RetentionOptions;
  audit?: AuditRecorder;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  const { repo } = deps;
  const o = { batchSize: 500, pauseMs: 20, maxBatchesPerRun: 200, intervalMs: 5 * 60_000, ...deps.options };
  let timer: NodeJS.Timeout | null = null;
  let first: NodeJS.Timeout | null = null;
  let running: Promise<RetentionRunResult> | null = null;
  let userQueue: Promise<void> = Promise.resolve();

  async function inBatches(next: () => Promise<number[]>, apply: (ids: number[]) => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < o.maxBatchesPerRun; i++) {
      const ids = await next();
      if (ids.length === 0) break;
      total += await apply(ids);
      if (ids.length < o.batchSize) break;
      await sleep(o.pauseMs);
    }
    return total;
  }

  async function purgeUser(userId: string, actor: string): Promise<PurgeUserResult> {
    const user = await repo.findUser(userId);
    const ownEvents = await repo.userEvents(userId);
    // read before anything is erased: the tombstone's held version may be the only place that lists them
    const emails = await repo.userEmails(userId);
    const memberships = await repo.eraseMemberships(userId);
    const invitations = await repo.eraseInvitations(userId, emails);
    if (!user && ownEvents.length === 0 && memberships === 0 && invitations.addressedTo.length === 0)
      throw notFound(`User ${userId}`);
    // Events of invitations sent to the user name their address but link to whoever sent them: erased too.
    const known = new Set(ownEvents.map((e) => e.id));
    const events = [
      ...ownEvents,
      ...(await repo.invitationEvents(invitations.addressedTo)).filter((e) => !known.has(e.id)),
    ];
    let eventPayloads = 0;
    let deliveryBodies = 0;
    for (let i = 0; i < events.length; i += o.batchSize) {
      const chunk = events.slice(i, i + o.batchSize);
      eventPayloads += await repo.blankEventPayloads(chunk.map((e) => e.id));
      deliveryBodies += await repo.blankDeliveryBodies(
        chunk.map((e) => e.id),
        chunk.map((e) => e.svixId),
      );
    }
    const sessions = await repo.blankSessions(userId);
    const tombstoneCleared = user?.deleted ? await repo.clearTombstone(userId) : false;
    const now = clock();
    await repo.addToCounter('payloads', eventPayloads, now);
    await repo.addToCounter('users', 1, now);
    await deps.audit?.record(actor, 'user_purge', userId, {
      eventPayloads,
      deliveryBodies,
      sessions,
      memberships,
      invitations: invitations.changed,
      tombstoneCleared,
    });
    deps.logger.info(
      { userId, actor, eventPayloads, deliveryBodies, sessions, memberships, invitations: invitations.changed },
      "purged a user's stored payloads",
    );
    return {
      userId,
      eventPayloads,
      deliveryBodies,
      sessions,
      memberships,
      invitations: invitations.changed,
      tombstoneCleared,
    };
  }

  async function run(): Promise<RetentionRunResult> {
    const started = performance.now();
    const cutoff = new Date(clock().getTime() - o.days * DAY_MS);
    const deliveries = await inBatches(
      () => repo.oldDeliveryIds(cutoff, o.batchSize),
      (ids) => repo.deleteDeliveries(ids),
    );
    const payloads = await inBatches(
      () => repo.oldPayloadEventIds(cutoff, o.batchSize),
      (ids) => repo.blankEventPayloads(ids),
    );
    const now = clock();
    await repo.addToCounter('deliveries', deliveries, now);
    await repo.addToCounter('payloads', payloads, now);
    let users = 0;
    if (o.purgeDeletedUsers) {
      // the sweep behind the immediate purge on user.deleted (catches a crash in between, and old tombstones)
      for (const id of await repo.deletedUsersToPurge(100)) {
        await purgeUser(id, SYSTEM_ACTOR);
        users++;
      }
    }
    await deps.operators.deleteExpiredSessions(now);
    const result = { deliveries, payloads, users, durationMs: Math.round(performance.now() - started) };
    if (deliveries || payloads || users) deps.logger.info(result, 'retention purge');
    return result;
  }

  /** One pass (the job calls it; tests too). Concurrent calls share the running pass. */
  function runOnce(): Promise<RetentionRunResult> {
    running ??= run().finally(() => (running = null));
    return running;
  }

  return {
    runOnce,

    purgeUser,

    /** Called for every published user change: a deletion erases that user's payloads when configured. */
    userChanged(u: UserSummary): void {
      if (!o.purgeDeletedUsers || !u.deleted) return;
      userQueue = userQueue
        .then(() => purgeUser(u.id, SYSTEM_ACTOR))
        .then(
          () => undefined,
          (err: unknown) =>
            deps.logger.warn({ err, userId: u.id }, 'purging a deleted user failed; the retention sweep retries'),
        );
    },

    /** Settles when queued user purges are done (tests). */
    idle(): Promise<void> {
      return userQueue;
    },

    async stats(): Promise<RetentionStats> {
      const c = await repo.counters();
      const last = [c.deliveries.lastAt, c.payloads.lastAt, c.users.lastAt]
        .filter((d): d is Date => d !== null)
        .sort((a, b) => b.getTime() - a.getTime())[0];
      return {
        days: o.days,
        purgeDeletedUsers: o.purgeDeletedUsers,
        purgedDeliveries: c.deliveries.count,
        purgedPayloads: c.payloads.count,
        purgedUsers: c.users.count,
        lastPurgeAt: last?.toISOString() ?? null,
      };
    },

    start(): void {
      if (timer) return;
      const tick = () => {
        runOnce().catch((err: unknown) => deps.logger.warn({ err }, 'retention purge failed; next run retries'));
      };
      // first pass soon after start, then on the interval
      first = setTimeout(tick, Math.min(10_000, o.intervalMs));
      first.unref();
      timer = setInterval(tick, o.intervalMs);
      timer.unref();
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      if (first) clearTimeout(first);
      timer = first = null;
      await running?.catch(() => {});
      await userQueue;
    },
  };
}

export type RetentionService = ReturnType<typeof createRetentionService>;

/** Wraps a publisher so user deletions reach the retention service (after the commit that made them). */
export function withDeletionHook(publisher: Publisher, onUser: (u: UserSummary) => void): Publisher {
  return {
    ...publisher,
    userChanged: (u) => {
      publisher.userChanged(u);
      onUser(u);
    },
  };
}

export { PURGED };
