// Records requests that did not store an event (rejected, or storage unavailable) — accepted ones are
// written inside the ingest transaction. Rows go through the ingest store's group commit too (one write
// path for the log, and a flood of hostile requests costs what accepted ones do). A row that cannot be
// written while the database is down waits in a bounded buffer and is written when it is back.
import type { Logger } from '../lib/logger.ts';
import type { DeliverySummary } from '../contract.ts';
import type { NewDelivery } from './deliveries.repository.ts';
import type { DeliveryLogStore, DeliveryRecorder } from '../webhooks/ports.ts';
import { isStorageUnavailable } from '../lib/db/errors.ts';

const MAX_BUFFERED = 10_000;

export function createDeliveryLog(deps: {
  write: DeliveryLogStore['logDelivery'];
  logger: Logger;
  onRecorded: (row: DeliverySummary) => void;
}): DeliveryRecorder & { flush(): Promise<void>; readonly buffered: number } {
  const pending: NewDelivery[] = [];
  let flushing: Promise<void> | null = null;

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      const next = pending[0]!;
      const row = await deps.write(next);
      pending.shift();
      deps.onRecorded(row);
    }
  }

  return {
    /** Never throws: the answer to the request does not depend on the log. */
    async record(d: NewDelivery): Promise<DeliverySummary | null> {
      try {
        if (pending.length > 0) await (flushing ??= flush().finally(() => (flushing = null)));
        const row = await deps.write(d);
        deps.onRecorded(row);
        return row;
      } catch (err) {
        if (isStorageUnavailable(err)) {
          if (pending.length >= MAX_BUFFERED) pending.shift();
          pending.push(d);
          deps.logger.warn({ buffered: pending.length }, 'delivery log unavailable, buffering');
        } else {
          deps.logger.error({ err }, 'delivery log write failed');
        }
        return null;
      }
    },
    /** Writes buffered rows; called on a timer and on shutdown. */
    async flush(): Promise<void> {
      if (pending.length === 0) return;
      try {
        await (flushing ??= flush().finally(() => (flushing = null)));
      } catch (err) {
        deps.logger.debug({ err, buffered: pending.length }, 'delivery log still unavailable');
      }
    },
    get buffered() {
      return pending.length;
    },
  };
}

export type DeliveryLog = ReturnType<typeof createDeliveryLog>;
