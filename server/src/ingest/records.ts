// What the ingest store records — event rows and delivery-log rows — and the group commit that writes them:
// concurrent requests share one transaction, and each is answered only once it committed. The statements are
// the tables' own (`eventsSql` in events/events.repository.ts, `deliveriesSql` in deliveries/deliveries.repository.ts).
import type { DeliveryOutcome, DeliverySummary, EventOutcome, EventSummary } from '../contract.ts';
import type { Db } from '../lib/db/client.ts';
import { isStorageUnavailable } from '../lib/db/errors.ts';
import { openSql, type SqlTx } from '../lib/db/sql.ts';
import type { IngestItem, IngestResult } from '../webhooks/ports.ts';
import { eventLockKeys, eventObjectId, eventOrganizationId, eventUserId } from '../webhooks/clerk-event.ts';
import { eventsSql, type NewEvent } from '../events/events.repository.ts';
import { deliveriesSql, type NewDelivery } from '../deliveries/deliveries.repository.ts';
import { usersSql } from '../users/users.repository.ts';
import { createGroupCommit } from './group-commit.ts';

// ---- event rows ----

/** The row of a svix-id seen before (null: a new event). */
export type HeldEvent = { id: number; outcome: string; userId: string | null } | null;

/** Failed applies of this svix-id so far, Svix's own deliveries only (quarantine counts these). */
export function failedAttempts(tx: SqlTx, svixId: string): Promise<number> {
  return deliveriesSql.failedAttempts(tx, svixId);
}

export async function heldEvent(tx: SqlTx, svixId: string): Promise<HeldEvent> {
  return (await eventsSql.held(tx, svixId)) ?? null;
}

function newEvent(item: IngestItem, outcome: EventOutcome, error: string | null): NewEvent {
  const e = item.event;
  return {
    svixId: item.svixId,
    type: e.type,
    objectId: eventObjectId(e),
    userId: eventUserId(e),
    organizationId: eventOrganizationId(e),
    occurredAt: e.envelope.timestamp !== undefined ? new Date(e.envelope.timestamp) : null,
    payload: item.payload,
    outcome,
    error,
    receivedAt: item.request.receivedAt,
    appliedAt: outcome === 'failed' || outcome === 'quarantined' ? null : new Date(),
  };
}

/** The event applied: a new row, or the held one (a replay). */
export async function recordApplied(
  tx: SqlTx,
  item: IngestItem,
  outcome: EventOutcome,
  held: HeldEvent,
): Promise<EventSummary> {
  if (!held) return eventsSql.insert(tx, newEvent(item, outcome, null));
  // A replay of an event that applied fine records its own outcome on the delivery only.
  if (held.outcome === 'failed' || held.outcome === 'quarantined') await eventsSql.markApplied(tx, held.id, outcome);
  return eventsSql.summary(tx, held.id);
}

/** The event kept although its apply failed (acknowledged data is never lost; an operator can replay it). */
export async function recordFailure(
  tx: SqlTx,
  item: IngestItem,
  error: string,
  held: HeldEvent,
  outcome: 'failed' | 'quarantined' = 'failed',
): Promise<EventSummary> {
  if (!held) return eventsSql.insert(tx, newEvent(item, outcome, error));
  await eventsSql.markFailed(tx, held.id, error, outcome);
  return eventsSql.summary(tx, held.id);
}

// ---- delivery-log rows ----

/** The delivery-log row of a request that carried a verified event. */
export function recordDelivery(
  tx: SqlTx,
  item: IngestItem,
  d: {
    outcome: DeliveryOutcome;
    httpStatus: number;
    eventId: number;
    error: string | null;
    durationMs: number;
    errorCode?: string;
  },
): Promise<DeliverySummary> {
  return deliveriesSql.insert(tx, {
    ...item.request,
    // The body is not copied: this delivery carried a stored event whose payload holds those exact bytes
    // (the delivery detail reads it from there). One copy of ~2 KB less per event on the hot path.
    body: '',
    eventType: item.event.type,
    outcome: d.outcome,
    httpStatus: d.httpStatus,
    errorCode: d.errorCode ?? (d.outcome === 'failed' || d.outcome === 'quarantined' ? 'apply_failed' : null),
    error: d.error,
    durationMs: d.durationMs,
    verified: true,
    replayOf: item.replayOf,
    eventId: d.eventId,
  });
}

/** A log row that cannot be written fails alone (its caller is told), never the events batched with it. */
async function logOne(tx: SqlTx, d: NewDelivery): Promise<DeliverySummary | Error> {
  try {
    return await tx.savepoint(() => deliveriesSql.insert(tx, d));
  } catch (err) {
    if (isStorageUnavailable(err)) throw err;
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Names beside ids in the live push: the batch's events and their deliveries carry their user's label as the
 * lists show it, read once per batch inside its transaction (so a user.created names its own user).
 */
async function labelUsers(tx: SqlTx, stored: IngestResult[]): Promise<void> {
  const userOf = (r: IngestResult) => r.event?.userId ?? r.delivery.userId ?? null;
  const ids = [...new Set(stored.map(userOf).filter((id): id is string => id !== null))];
  if (ids.length === 0) return;
  const labels = await usersSql.labels(tx, ids);
  for (const r of stored) {
    const userId = userOf(r);
    if (userId === null) continue;
    const userLabel = labels.get(userId) ?? null;
    if (r.event) r.event.userLabel = userLabel;
    r.delivery.userId = userId;
    r.delivery.userLabel = userLabel;
  }
}

// ---- the group commit ----

/** A batch holds verified events to store and apply, and delivery-log rows of requests that stored none. */
type Work = { kind: 'event'; item: IngestItem } | { kind: 'log'; delivery: NewDelivery };

/**
 * One transaction per batch, on a SQL connection of the store's own. `storeEvent` handles one verified event
 * inside it; log rows are written here.
 */
export function createBatches(
  db: Db,
  storeEvent: (tx: SqlTx, item: IngestItem) => Promise<IngestResult>,
  opts: { maxBatch?: number } = {},
) {
  const sql = openSql(db);
  const commit = createGroupCommit(
    (work: Work[]) =>
      sql.transaction(async (tx) => {
        await tx.lock(work.flatMap((w) => (w.kind === 'event' ? [w.item.svixId, ...eventLockKeys(w.item.event)] : [])));
        const results: (IngestResult | DeliverySummary | Error)[] = [];
        const stored: IngestResult[] = [];
        for (const w of work) {
          if (w.kind === 'log') {
            results.push(await logOne(tx, w.delivery));
            continue;
          }
          const r = await storeEvent(tx, w.item);
          stored.push(r);
          results.push(r);
        }
        await labelUsers(tx, stored);
        return results;
      }),
    // PostgreSQL: up to 3 batches overlap their round trips (the pool holds 4 connections); the advisory
    // locks above keep two batches off the same svix-id or object, and take keys in one order (no deadlock).
    { maxBatch: opts.maxBatch ?? 256, concurrency: db.provider === 'postgresql' ? 3 : 1 },
  );
  return {
    ingest: (item: IngestItem) => commit.submit({ kind: 'event', item }) as Promise<IngestResult>,
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
}
