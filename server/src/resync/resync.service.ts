// Compare a local user with Clerk's current state, and resync: write Clerk's state to the local copy
// (Clerk is the truth; 404 → tombstone). Read-only towards Clerk.
import type { OperatorDto, ResyncResult, SyncStatus, UserComparison } from '../contract.ts';
import type { UnitOfWork } from '../data/unit-of-work.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { UserSource } from '../users/users.repository.ts';
import type { UsersService } from '../users/users.service.ts';
import type { Logger } from '../lib/logger.ts';
import { diffUsers, volatileDiffs } from './diff.ts';
import { notFound } from '../lib/errors.ts';
import { decideSessionVersion } from '../sync/rules.ts';
import { capJsonDepth, parseStoredJson } from '../lib/json-depth.ts';

export function createResyncService(deps: {
  uow: UnitOfWork;
  clerk: ClerkClient;
  users: UsersService;
  publisher: Publisher;
  logger: Logger;
  audit?: AuditRecorder;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  const { repos } = deps.uow;

  // cut at the nesting limit: microdiff recurses, and a copy stored before deep JSON was refused may nest thousands of levels
  const parse = (data: string | null) => (data ? (parseStoredJson(data).value as Record<string, unknown>) : null);

  function statusOf(
    localExists: boolean,
    localDeleted: boolean,
    clerkExists: boolean,
    differences: number,
  ): SyncStatus {
    if (!clerkExists) return localDeleted ? 'deleted' : 'drifted';
    if (!localExists || localDeleted) return 'drifted';
    return differences === 0 ? 'in_sync' : 'drifted';
  }

  /**
   * The resync rules for one user, given Clerk's current state (null: Clerk answered 404), fetched at `fetchedAt`.
   * Shared with the reconcile fix, which fetches Clerk's state in batches of 100. Does not publish.
   *
   * Clerk's answer is the truth at the moment it was fetched, so it replaces whatever version was held then,
   * even one whose `updated_at` is later (a version dated in the future would otherwise block every update for
   * good); `note` says when that happened. Only a version a webhook wrote *after* the fetch is newer than the
   * truth fetched, and stays.
   */
  async function applyClerkState(
    userId: string,
    clerk: ClerkUserJson | null,
    opts: { source?: UserSource; fetchedAt?: Date } = {},
  ): Promise<Pick<ResyncResult, 'result' | 'changedFields' | 'note'>> {
    const now = clock();
    const source = opts.source ?? 'resync';
    const fetchedAt = opts.fetchedAt ?? now;
    return deps.uow.transaction(
      async (tx) => {
        const local = await tx.users.get(userId);
        if (!clerk) {
          if (!local) throw notFound(`User ${userId} (neither Clerk nor the local copy knows it)`);
          if (local.deleted) {
            await tx.users.setSyncStatus(userId, 'deleted', now);
            return { result: 'unchanged' as const, changedFields: [] };
          }
          await tx.users.tombstone(userId, now, { svixId: null, source });
          return { result: 'tombstoned' as const, changedFields: ['deleted'] };
        }
        const before = local && !local.deleted ? parse(local.data) : null;
        const changed = diffUsers(before, clerk as unknown as Record<string, unknown>).map((d) => d.path);
        const held = local && !local.deleted ? local.clerkUpdatedAt : null;
        // NaN: a date PostgreSQL holds but the driver cannot read back (past year 9999), i.e. far in the future
        const heldMs = held ? held.getTime() : null;
        let note: string | undefined;
        if (heldMs !== null && (Number.isNaN(heldMs) || heldMs > clerk.updated_at)) {
          const versions = `held ${Number.isNaN(heldMs) ? 'a date past the year 9999' : held!.toISOString()}, Clerk's ${new Date(clerk.updated_at).toISOString()}`;
          if (
            !Number.isNaN(heldMs) &&
            local!.source === 'webhook' &&
            local!.updatedAt.getTime() >= fetchedAt.getTime()
          ) {
            // a webhook delivered a newer version while Clerk was being asked: that one is newer than the answer
            await tx.users.setSyncStatus(userId, 'never_compared', now);
            return {
              result: 'unchanged' as const,
              changedFields: [],
              note: `kept a newer version a webhook delivered while Clerk was being asked (${versions})`,
            };
          }
          note =
            Number.isNaN(heldMs) || heldMs > now.getTime()
              ? `overwrote a local version dated in the future (${versions})`
              : `overwrote a local version dated later than Clerk's (${versions})`;
        }
        await tx.users.putVersion(clerk as unknown as Record<string, unknown>, {
          svixId: local?.lastEventSvixId ?? null,
          source,
          syncStatus: 'in_sync',
          comparedAt: now,
        });
        const result = !local
          ? ('created' as const)
          : changed.length > 0 || local.deleted
            ? ('updated' as const)
            : ('unchanged' as const);
        return { result, changedFields: local?.deleted ? ['deleted', ...changed] : changed, ...(note ? { note } : {}) };
      },
      [userId],
    );
  }

  /**
   * A user's sessions as Clerk answers them now (GET /v1/sessions?user_id=…), each through the session ordering
   * rules: this is how sessions that expired or were abandoned without an event, or whose events were lost, are
   * corrected. An operator's resync always asks (sessions whose every event was lost are found too); automatic
   * refreshes (`onlyIfLive`) ask only about users the local copy holds a live session of — those are what can go
   * wrong without an event (a session seen ended stays ended) — so they cost the budget little. Answers how many
   * rows changed.
   */
  async function refreshSessions(
    userId: string,
    clerk: ClerkClient = deps.clerk,
    opts: { onlyIfLive?: boolean } = {},
  ): Promise<number> {
    if (opts.onlyIfLive && !(await repos.sessions.hasLive(userId))) return 0;
    const sessions = await clerk.listSessions(userId);
    if (sessions.length === 0) return 0;
    return deps.uow.transaction(
      async (tx) => {
        let changed = 0;
        for (const s of sessions) {
          const put = await tx.sessions.putFromClerk(
            s as unknown as Record<string, unknown>,
            (held) => decideSessionVersion(held, new Date(s.updated_at), s.status) === 'apply',
          );
          if (put) changed++;
        }
        return changed;
      },
      [userId, ...sessions.map((s) => s.id)],
    );
  }

  /**
   * Clerk's answer decides for one user, with no operator behind it (a conflicting version at a tied updated_at):
   * the user and its sessions, published like any change. `clerk` is the rate-budgeted client.
   */
  async function refreshFromClerk(
    userId: string,
    clerk: ClerkClient,
  ): Promise<Pick<ResyncResult, 'result' | 'changedFields'>> {
    const state = await clerk.getUser(userId);
    const outcome = await applyClerkState(userId, state);
    if (state)
      await refreshSessions(userId, clerk, { onlyIfLive: true }).catch((err: unknown) =>
        deps.logger.warn({ err, userId }, 'refreshing the sessions of a resynced user failed'),
      );
    const {
      deletedAt: _d,
      data: _data,
      source: _s,
      lastEvent: _e,
      sessions: _ss,
      ...summary
    } = await deps.users.get(userId);
    deps.publisher.userChanged(summary);
    deps.logger.info(
      { userId, result: outcome.result, changed: outcome.changedFields.length },
      'conflicting versions resolved from Clerk',
    );
    return outcome;
  }

  return {
    async compare(userId: string): Promise<UserComparison> {
      const [answer, local] = await Promise.all([deps.clerk.getUser(userId), repos.users.get(userId)]);
      if (!answer && !local) throw notFound(`User ${userId} (neither Clerk nor the local copy knows it)`);
      // Both sides cut at the nesting limit, so a deep copy (stored before deep JSON was refused) or a deep
      // metadata value cannot break the diff or the answer.
      const localData = local?.data ? (parseStoredJson(local.data).value as Record<string, unknown> | null) : null;
      const clerk = answer ? (capJsonDepth(answer) as ClerkUserJson) : null;
      const diff = diffUsers(local?.deleted ? null : localData, clerk as unknown as Record<string, unknown> | null);
      const status = statusOf(Boolean(local), local?.deleted ?? false, Boolean(clerk), diff.length);
      // A GET changes nothing: the status is answered, not stored (a resync stores what it finds).
      const comparedAt = clock();
      const bothAlive = local && !local.deleted && clerk;
      return {
        userId,
        local: localData,
        localDeleted: local?.deleted ?? false,
        clerk,
        diff: local?.deleted && !clerk ? [] : diff,
        // shown, never counted: fields Clerk changes without an event
        volatile: bothAlive ? volatileDiffs(localData, clerk as unknown as Record<string, unknown>) : [],
        status,
        comparedAt: comparedAt.toISOString(),
      };
    },

    applyClerkState,
    refreshSessions,
    refreshFromClerk,

    async resync(userId: string, operator: OperatorDto): Promise<ResyncResult> {
      const fetchedAt = clock();
      const clerk = await deps.clerk.getUser(userId);
      const outcome = await applyClerkState(userId, clerk, { fetchedAt });
      // a resync also corrects the user's sessions (expired, abandoned or ended without an event reaching here);
      // the user is committed already, so a failure here is reported in the log, not as a failed resync
      if (clerk)
        await refreshSessions(userId).catch((err: unknown) =>
          deps.logger.warn({ err, userId }, 'refreshing the sessions of a resynced user failed'),
        );

      const user = await deps.users.get(userId);
      const result: ResyncResult = { userId, ...outcome, user };
      deps.logger.info(
        { userId, operator: operator.email, result: outcome.result, changed: outcome.changedFields.length },
        'resync',
      );
      const { deletedAt: _d, data: _data, source: _s, lastEvent: _e, sessions: _ss, ...summary } = user;
      deps.publisher.userChanged(summary);
      deps.publisher.resyncFinished(result);
      await deps.audit?.record(operator.email, 'resync', userId, {
        result: outcome.result,
        changedFields: outcome.changedFields,
        ...(outcome.note ? { note: outcome.note } : {}),
      });
      return result;
    },
  };
}

export type ResyncService = ReturnType<typeof createResyncService>;
