// The ingest store: the storage side of the webhook pipeline (webhooks/ports.ts). Verified events and the log
// rows of refused requests are batched by group commit, one transaction per batch (records.ts); each event is
// applied to the local copy (apply.ts) and recorded in a savepoint of its own, so one event's failed apply does
// not undo its neighbours.
import type { Db } from '../lib/db/client.ts';
import { isStorageUnavailable } from '../lib/db/errors.ts';
import type { SqlTx } from '../lib/db/sql.ts';
import type { DeliveryOutcome } from '../contract.ts';
import type { ParsedEvent } from '../webhooks/clerk-event.ts';
import type { DeliveryLogStore, EventStore, IngestItem, IngestResult } from '../webhooks/ports.ts';
import { applyEvent } from './apply.ts';
import { futureVersionReason } from '../sync/rules.ts';
import { createBatches, failedAttempts, heldEvent, recordApplied, recordDelivery, recordFailure } from './records.ts';

export interface IngestStoreOptions {
  /** called inside the transaction after an event was applied; a throw fails that event (fault injection in tests) */
  onApplied?: (event: ParsedEvent) => void;
  maxBatch?: number;
  now?: () => number;
  /**
   * QUARANTINE_AFTER_ATTEMPTS: the attempt that fails for this many times is answered 2xx and the event parked as
   * `quarantined` (Svix disables an endpoint that keeps failing); default 3. Replays never count.
   */
  quarantineAfterAttempts?: number;
  /** the server's clock, against which versions dated in the future are refused */
  clock?: () => Date;
}

export interface IngestStore extends EventStore, DeliveryLogStore {
  /** verified events and log rows waiting for the next group commit */
  readonly pending: number;
  close(): Promise<void>;
}

export function createIngestStore(db: Db, opts: IngestStoreOptions = {}): IngestStore {
  const now = opts.now ?? (() => performance.now());
  const quarantineAfter = opts.quarantineAfterAttempts ?? 3;
  const clock = opts.clock ?? (() => new Date());
  const delivery = (
    tx: SqlTx,
    item: IngestItem,
    outcome: DeliveryOutcome,
    httpStatus: 200 | 500,
    eventId: number,
    error: string | null,
  ) => recordDelivery(tx, item, { outcome, httpStatus, eventId, error, durationMs: now() - item.startedAt });

  /** One verified event, in its batch's transaction: a duplicate is only acknowledged; else apply, then record. */
  async function storeEvent(tx: SqlTx, item: IngestItem): Promise<IngestResult> {
    const held = await heldEvent(tx, item.svixId);
    // At-least-once delivery: a retry of an event already handled is acknowledged, never applied twice.
    if (held && held.outcome !== 'failed' && item.replayOf === null) {
      return {
        outcome: 'duplicate',
        httpStatus: 200,
        error: null,
        event: null,
        delivery: { ...(await delivery(tx, item, 'duplicate', 200, held.id, null)), userId: held.userId },
        user: null,
      };
    }
    // A version dated far in the future is kept as a failed event and acknowledged (2xx): Svix's retries could
    // not change the verdict, and nothing acknowledged is lost (it can be replayed from the delivery log).
    const future = 'updatedAt' in item.event ? futureVersionReason(item.event.updatedAt, clock()) : null;
    if (future) {
      const event = await recordFailure(tx, item, future, held);
      const d = await recordDelivery(tx, item, {
        outcome: 'failed',
        httpStatus: 200,
        eventId: event.id,
        error: future,
        durationMs: now() - item.startedAt,
        errorCode: 'updated_at_in_future',
      });
      return { outcome: 'failed', httpStatus: 200, error: future, event, delivery: d, user: null };
    }
    try {
      return await tx.savepoint(async () => {
        const applied = await applyEvent(tx, item.event, item.svixId);
        opts.onApplied?.(item.event);
        const event = await recordApplied(tx, item, applied.outcome, held);
        return {
          outcome: applied.outcome,
          httpStatus: 200,
          error: null,
          event,
          delivery: await delivery(tx, item, applied.outcome, 200, event.id, null),
          user: applied.user,
          resyncUserId: applied.resyncUserId,
          organization: applied.organization,
          conflictOrganizationId: applied.conflictOrganizationId,
        };
      });
    } catch (err) {
      if (isStorageUnavailable(err)) throw err; // the whole batch answers 503 and Svix retries it
      // The apply threw for another reason: keep the event and answer 500 so Svix's retries run the apply again,
      // until it failed quarantineAfter times: then 2xx, parked as quarantined (Svix disables endpoints that keep
      // failing; its schedule spans ~5 days). A quarantined event stays so when a replay fails again.
      const message = err instanceof Error ? err.message.slice(0, 2000) : String(err);
      const quarantine =
        held?.outcome === 'quarantined' ||
        (item.replayOf === null && (await failedAttempts(tx, item.svixId)) + 1 >= quarantineAfter);
      const outcome = quarantine ? 'quarantined' : 'failed';
      const status = quarantine ? 200 : 500;
      const event = await recordFailure(tx, item, message, held, outcome);
      return {
        outcome,
        httpStatus: status,
        error: message,
        event,
        delivery: await delivery(tx, item, outcome, status, event.id, message),
        user: null,
      };
    }
  }

  return createBatches(db, storeEvent, opts.maxBatch ? { maxBatch: opts.maxBatch } : {});
}
