// Store + apply for verified events, batched by group commit: one transaction per batch, a savepoint per
// event so one event's failed apply does not undo its neighbours. The ordering rules are the pure ones in
// sync/rules.ts; this file only reads versions and writes rows.
import type { DeliveryOutcome, DeliverySummary, EventOutcome, EventSummary, SyncStatus, UserSummary } from '../contract.ts';
import type { Db } from '../lib/db/client.ts';
import type { ParsedEvent } from '../webhooks/clerk-event.ts';
import type { StoredVersion } from '../sync/rules.ts';
import { decideSessionVersion, decideUserDeletion, decideUserVersion } from '../sync/rules.ts';
import { eventObjectId, eventUserId } from '../webhooks/clerk-event.ts';
import { userColumnsOf } from '../users/users.repository.ts';
import { sessionColumnsOf } from '../sessions/sessions.repository.ts';
import { FAILED_OUTCOMES, type NewDelivery } from '../deliveries/deliveries.repository.ts';
import { isStorageUnavailable } from '../lib/db/errors.ts';
import { createGroupCommit } from './group-commit.ts';
import { openSql, type SqlTx } from './sql.ts';

/** What the delivery log keeps about the request itself. */
export interface RequestFacts {
  receivedAt: Date;
  svixId: string | null;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  bodyTruncated: boolean;
}

export interface IngestItem {
  svixId: string;
  event: ParsedEvent;
  /** the verified body, stored as the event's payload */
  payload: string;
  request: RequestFacts;
  /** performance.now() at arrival, for the delivery's processing time */
  startedAt: number;
  /** set when an operator replays delivery N: the apply runs again even for a known svix-id */
  replayOf: number | null;
}

export interface IngestResult {
  outcome: DeliveryOutcome;
  httpStatus: 200 | 500;
  error: string | null;
  /** the stored event; null for a duplicate (nothing about the event changed) */
  event: EventSummary | null;
  delivery: DeliverySummary;
  /** the local user after the change, when one changed */
  user: UserSummary | null;
}

export interface IngestStoreOptions {
  /** called inside the transaction after an event was applied; a throw fails that event (fault injection in tests) */
  onApplied?: (event: ParsedEvent) => void;
  maxBatch?: number;
  now?: () => number;
}

/** A batch holds verified events to store and apply, and delivery-log rows of requests that stored none. */
type Work = { kind: 'event'; item: IngestItem } | { kind: 'log'; delivery: NewDelivery };

export function createIngestStore(db: Db, opts: IngestStoreOptions = {}) {
  const sql = openSql(db);
  const now = opts.now ?? (() => performance.now());
  const commit = createGroupCommit(
    (work: Work[]) =>
      sql.transaction(async (tx) => {
        await tx.lock(work.flatMap((w) => (w.kind === 'event' ? [w.item.svixId, eventObjectId(w.item.event)] : [])).filter((k): k is string => k !== null));
        const results: (IngestResult | DeliverySummary | Error)[] = [];
        for (const w of work) results.push(w.kind === 'event' ? await ingestOne(tx, w.item) : await logOne(tx, w.delivery));
        return results;
      }),
    // PostgreSQL: up to 3 batches overlap their round trips (the pool holds 4 connections); the advisory
    // locks above keep two batches off the same svix-id or object, and take keys in one order (no deadlock).
    { maxBatch: opts.maxBatch ?? 256, concurrency: db.provider === 'postgresql' ? 3 : 1 },
  );

  async function ingestOne(tx: SqlTx, item: IngestItem): Promise<IngestResult> {
    const existing = await tx.get<{ id: number; outcome: string }>('SELECT "id", "outcome" FROM "Event" WHERE "svixId" = ?', [item.svixId]);
    // At-least-once delivery: a retry of an event already handled is acknowledged, never applied twice.
    if (existing && existing.outcome !== 'failed' && item.replayOf === null) {
      const delivery = await insertDelivery(tx, item, 'duplicate', 200, existing.id, null);
      return { outcome: 'duplicate', httpStatus: 200, error: null, event: null, delivery, user: null };
    }
    try {
      return await tx.savepoint(async () => {
        const applied = await project(tx, item);
        opts.onApplied?.(item.event);
        let event: EventSummary;
        if (!existing) {
          event = await insertEvent(tx, item, applied.outcome, null);
        } else {
          // A replay of an event that applied fine records its own outcome on the delivery only.
          if (existing.outcome === 'failed') {
            await tx.run('UPDATE "Event" SET "outcome" = ?, "error" = NULL, "appliedAt" = ? WHERE "id" = ?', [applied.outcome, tx.date(new Date()), existing.id]);
          }
          event = await eventSummary(tx, existing.id);
        }
        const delivery = await insertDelivery(tx, item, applied.outcome, 200, event.id, null);
        return { outcome: applied.outcome, httpStatus: 200 as const, error: null, event, delivery, user: applied.user };
      });
    } catch (err) {
      if (isStorageUnavailable(err)) throw err; // the whole batch answers 503 and Svix retries it
      // The apply threw for another reason: keep the event (acknowledged data is never lost; an operator can
      // replay it) and answer 500 so Svix's retries run the apply again.
      const message = err instanceof Error ? err.message.slice(0, 2000) : String(err);
      let event: EventSummary;
      if (existing) {
        await tx.run('UPDATE "Event" SET "outcome" = \'failed\', "error" = ?, "appliedAt" = NULL WHERE "id" = ?', [message, existing.id]);
        event = await eventSummary(tx, existing.id);
      } else {
        event = await insertEvent(tx, item, 'failed', message);
      }
      const delivery = await insertDelivery(tx, item, 'failed', 500, event.id, message);
      return { outcome: 'failed', httpStatus: 500, error: message, event, delivery, user: null };
    }
  }

  return {
    ingest: (item: IngestItem) => commit.submit({ kind: 'event', item }) as Promise<IngestResult>,
    /** the delivery-log row of a request that stored no event (rejected, or refused while storage was down) */
    async logDelivery(delivery: NewDelivery): Promise<DeliverySummary> {
      const r = (await commit.submit({ kind: 'log', delivery })) as DeliverySummary | Error;
      if (r instanceof Error) throw r;
      return r;
    },
    get pending() {
      return commit.pending;
    },
    close: () => sql.close(),
  };

  // ---- the apply step: read the version held, decide with the pure rules, write ----

  async function project(tx: SqlTx, item: IngestItem): Promise<{ outcome: EventOutcome; user: UserSummary | null }> {
    const e = item.event;
    switch (e.kind) {
      case 'user.upsert': {
        const decision = decideUserVersion(await userVersion(tx, e.userId), e.updatedAt);
        if (decision !== 'apply') return { outcome: decision, user: null };
        return { outcome: 'applied', user: await putUser(tx, e.data, item.svixId) };
      }
      case 'user.delete': {
        const decision = decideUserDeletion(await userVersion(tx, e.userId));
        if (decision !== 'apply') return { outcome: decision, user: null };
        return { outcome: 'applied', user: await tombstone(tx, e.userId, e.deletedAt, item.svixId) };
      }
      case 'session.upsert': {
        const held = await tx.get<{ at: string }>(`SELECT ${tx.dateText('clerkUpdatedAt')} AS "at" FROM "Session" WHERE "id" = ?`, [e.sessionId]);
        const decision = decideSessionVersion(held ? { clerkUpdatedAt: new Date(held.at) } : null, e.updatedAt);
        if (decision !== 'apply') return { outcome: decision, user: null };
        await putSession(tx, e.data, item.svixId);
        return { outcome: 'applied', user: null };
      }
      case 'not_projected':
        return { outcome: 'not_projected', user: null };
    }
  }

  async function userVersion(tx: SqlTx, id: string): Promise<StoredVersion | null> {
    const row = await tx.get<{ deleted: number | boolean; at: string | null }>(
      `SELECT "deleted", ${tx.dateText('clerkUpdatedAt')} AS "at" FROM "User" WHERE "id" = ?`,
      [id],
    );
    return row ? { deleted: Boolean(row.deleted), clerkUpdatedAt: row.at ? new Date(row.at) : null } : null;
  }

  async function putUser(tx: SqlTx, user: Record<string, unknown>, svixId: string): Promise<UserSummary> {
    const c = userColumnsOf(user);
    const at = tx.date(new Date());
    return returnedUser(tx, 
      `INSERT INTO "User" ("id", "deleted", "deletedAt", "clerkUpdatedAt", "clerkCreatedAt", "primaryEmail", "emails", "firstName", "lastName",
         "username", "imageUrl", "data", "lastEventSvixId", "syncStatus", "source", "createdAt", "updatedAt")
       VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'never_compared', 'webhook', ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "deleted" = excluded."deleted", "deletedAt" = NULL, "clerkUpdatedAt" = excluded."clerkUpdatedAt",
         "clerkCreatedAt" = excluded."clerkCreatedAt", "primaryEmail" = excluded."primaryEmail", "emails" = excluded."emails",
         "firstName" = excluded."firstName", "lastName" = excluded."lastName", "username" = excluded."username",
         "imageUrl" = excluded."imageUrl", "data" = excluded."data", "lastEventSvixId" = excluded."lastEventSvixId",
         "source" = 'webhook', "updatedAt" = excluded."updatedAt"
       RETURNING ${userSummaryColumns(tx)}`,
      [c.id, tx.bool(false), tx.date(c.clerkUpdatedAt), tx.date(c.clerkCreatedAt), c.primaryEmail, c.emails, c.firstName, c.lastName, c.username, c.imageUrl, c.data, svixId, at, at],
    );
  }

  async function tombstone(tx: SqlTx, id: string, deletedAt: Date, svixId: string): Promise<UserSummary> {
    const at = tx.date(new Date());
    return returnedUser(tx, 
      `INSERT INTO "User" ("id", "deleted", "deletedAt", "emails", "syncStatus", "source", "lastEventSvixId", "createdAt", "updatedAt")
       VALUES (?, ?, ?, '', 'deleted', 'webhook', ?, ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "deleted" = excluded."deleted", "deletedAt" = excluded."deletedAt", "syncStatus" = 'deleted',
         "source" = 'webhook', "lastEventSvixId" = excluded."lastEventSvixId", "updatedAt" = excluded."updatedAt"
       RETURNING ${userSummaryColumns(tx)}`,
      [id, tx.bool(true), tx.date(deletedAt), svixId, at, at],
    );
  }

  async function putSession(tx: SqlTx, session: Record<string, unknown>, svixId: string) {
    const c = sessionColumnsOf(session);
    await tx.run(
      `INSERT INTO "Session" ("id", "userId", "clientId", "status", "clerkUpdatedAt", "clerkCreatedAt", "lastActiveAt", "expireAt", "data", "lastEventSvixId", "updatedAt")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ("id") DO UPDATE SET "userId" = excluded."userId", "clientId" = excluded."clientId", "status" = excluded."status",
         "clerkUpdatedAt" = excluded."clerkUpdatedAt", "clerkCreatedAt" = excluded."clerkCreatedAt", "lastActiveAt" = excluded."lastActiveAt",
         "expireAt" = excluded."expireAt", "data" = excluded."data", "lastEventSvixId" = excluded."lastEventSvixId", "updatedAt" = excluded."updatedAt"`,
      [String(session.id), c.userId, c.clientId, c.status, tx.date(c.clerkUpdatedAt), tx.date(c.clerkCreatedAt), tx.date(c.lastActiveAt), tx.date(c.expireAt), c.data, svixId, tx.date(new Date())],
    );
  }

  // ---- the records: event and delivery rows, and the summaries the live push sends ----

  async function insertEvent(tx: SqlTx, item: IngestItem, outcome: EventOutcome, error: string | null): Promise<EventSummary> {
    const e = item.event;
    const occurredAt = e.envelope.timestamp !== undefined ? new Date(e.envelope.timestamp) : null;
    const row = await tx.get<{ id: number }>(
      `INSERT INTO "Event" ("svixId", "type", "objectId", "userId", "occurredAt", "payload", "outcome", "error", "receivedAt", "appliedAt")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      [
        item.svixId,
        e.type,
        eventObjectId(e),
        eventUserId(e),
        tx.date(occurredAt),
        item.payload,
        outcome,
        error,
        tx.date(item.request.receivedAt),
        tx.date(outcome === 'failed' ? null : new Date()),
      ],
    );
    return {
      id: Number(row!.id),
      svixId: item.svixId,
      type: e.type,
      objectId: eventObjectId(e),
      userId: eventUserId(e),
      outcome,
      error,
      occurredAt: occurredAt?.toISOString() ?? null,
      receivedAt: item.request.receivedAt.toISOString(),
    };
  }

  function insertDelivery(
    tx: SqlTx,
    item: IngestItem,
    outcome: DeliveryOutcome,
    httpStatus: number,
    eventId: number,
    error: string | null,
  ): Promise<DeliverySummary> {
    const r = item.request;
    return writeDelivery(tx, {
      ...r,
      // The body is not copied: this delivery carried a stored event whose payload holds those exact bytes
      // (the delivery detail reads it from there). One copy of ~2 KB less per event on the hot path.
      body: '',
      eventType: item.event.type,
      outcome,
      httpStatus,
      errorCode: outcome === 'failed' ? 'apply_failed' : null,
      error,
      durationMs: now() - item.startedAt,
      verified: true,
      replayOf: item.replayOf,
      eventId,
    });
  }

  /** A log row that cannot be written fails alone (its caller is told), never the events batched with it. */
  async function logOne(tx: SqlTx, d: NewDelivery): Promise<DeliverySummary | Error> {
    try {
      return await tx.savepoint(() => writeDelivery(tx, d));
    } catch (err) {
      if (isStorageUnavailable(err)) throw err;
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** The one place a Delivery row is written. */
  async function writeDelivery(tx: SqlTx, d: NewDelivery): Promise<DeliverySummary> {
    const failed = FAILED_OUTCOMES.has(d.outcome);
    const row = await tx.get<{ id: number }>(
      `INSERT INTO "Delivery" ("receivedAt", "svixId", "eventType", "outcome", "failed", "httpStatus", "errorCode", "error", "durationMs",
         "headers", "body", "bodyBytes", "bodyTruncated", "verified", "replayOf", "eventId")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      [tx.date(d.receivedAt), d.svixId, d.eventType, d.outcome, tx.bool(failed), d.httpStatus, d.errorCode, d.error, d.durationMs,
        JSON.stringify(d.headers), d.body, d.bodyBytes, tx.bool(d.bodyTruncated), tx.bool(d.verified), d.replayOf ?? null, d.eventId],
    );
    return {
      id: Number(row!.id),
      receivedAt: d.receivedAt.toISOString(),
      svixId: d.svixId,
      eventType: d.eventType,
      outcome: d.outcome,
      failed,
      httpStatus: d.httpStatus,
      errorCode: d.errorCode,
      error: d.error,
      durationMs: d.durationMs,
      verified: d.verified,
      replayOf: d.replayOf ?? null,
    };
  }

  async function eventSummary(tx: SqlTx, id: number): Promise<EventSummary> {
    const e = (await tx.get<Record<string, string | number | null>>(
      `SELECT "id", "svixId", "type", "objectId", "userId", "outcome", "error", ${tx.dateText('occurredAt')} AS "occurredAt",
         ${tx.dateText('receivedAt')} AS "receivedAt" FROM "Event" WHERE "id" = ?`,
      [id],
    ))!;
    return {
      id: Number(e.id),
      svixId: String(e.svixId),
      type: String(e.type),
      objectId: e.objectId as string | null,
      userId: e.userId as string | null,
      outcome: e.outcome as EventOutcome,
      error: e.error as string | null,
      occurredAt: isoOf(e.occurredAt as string | null),
      receivedAt: isoOf(e.receivedAt as string)!,
    };
  }

  function userSummaryColumns(tx: SqlTx): string {
    return `"id", "deleted", "primaryEmail", "firstName", "lastName", "username", "imageUrl", "syncStatus",
      ${tx.dateText('clerkUpdatedAt')} AS "clerkUpdatedAt", ${tx.dateText('lastComparedAt')} AS "lastComparedAt",
      ${tx.dateText('updatedAt')} AS "updatedAt"`;
  }

  /** Runs an upsert … RETURNING userSummaryColumns and maps the row (no second read). */
  async function returnedUser(tx: SqlTx, sqlText: string, params: unknown[]): Promise<UserSummary> {
    const u = (await tx.get<Record<string, string | number | boolean | null>>(sqlText, params))!;
    return {
      id: String(u.id),
      deleted: Boolean(u.deleted),
      primaryEmail: u.primaryEmail as string | null,
      firstName: u.firstName as string | null,
      lastName: u.lastName as string | null,
      username: u.username as string | null,
      imageUrl: u.imageUrl as string | null,
      syncStatus: u.syncStatus as SyncStatus,
      clerkUpdatedAt: isoOf(u.clerkUpdatedAt as string | null),
      lastComparedAt: isoOf(u.lastComparedAt as string | null),
      updatedAt: isoOf(u.updatedAt as string)!,
    };
  }

}

export type IngestStore = ReturnType<typeof createIngestStore>;

const isoOf = (text: string | null) => (text ? new Date(text).toISOString() : null);
