// Records requests that did not store an event (rejected, or storage unavailable) — accepted ones are
// written inside the ingest transaction. Rows go through the ingest store's group commit too (one write
// path for the log, and a flood of hostile requests costs what accepted ones do). A row that cannot be
// written while the database is down waits in a buffer bounded by bytes (a row count would let a few large
// rows take a lot of memory) and is written when it is back; past the bound the oldest rows are dropped, and
// counted.
import type { Logger } from '../lib/logger.ts';
import type { DeliverySummary } from '../contract.ts';
import type { NewDelivery } from './deliveries.repository.ts';
import type { DeliveryLogStore, DeliveryRecorder } from '../webhooks/ports.ts';
import { isStorageUnavailable } from '../lib/db/errors.ts';

/** Memory the rows waiting for the database may take. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
const FLUSH_CHUNK = 256;

/** What a row holds in memory, roughly: its strings (V8 keeps Latin-1 text in one byte a character, else two) and ~300 bytes of object. */
export function bufferedSize(d: NewDelivery): number {
  const text = (s: string | null | undefined) => (s ? s.length * (/[\u0100-\uffff]/.test(s) ? 2 : 1) : 0);
  let n =
    300 +
    text(d.body) +
    text(d.error) +
    text(d.errorCode) +
    text(d.svixId) +
    text(d.eventType) +
    text(d.sourceIp) +
    text(d.bodySha256);
  for (const [k, v] of Object.entries(d.headers)) n += 32 + text(k) + text(v);
  return n;
}

export interface DeliveryLog extends DeliveryRecorder {
  /** Writes buffered rows; called on a timer and on shutdown. */
  flush(): Promise<void>;
  /** rows waiting for the database */
  readonly buffered: number;
  /** their size (bufferedSize) */
  readonly bufferedBytes: number;
  /** rows dropped because the buffer was full, since the start */
  readonly dropped: number;
}

export function createDeliveryLog(deps: {
  write: DeliveryLogStore['logDelivery'];
  logger: Logger;
  onRecorded: (row: DeliverySummary) => void;
  maxBytes?: number;
}): DeliveryLog {
  const maxBytes = deps.maxBytes ?? MAX_BUFFERED_BYTES;
  const pending: { row: NewDelivery; bytes: number }[] = [];
  let bytes = 0;
  let dropped = 0;
  let droppedSinceWritten = 0;
  let flushing: Promise<void> | null = null;

  async function flush(): Promise<void> {
    while (pending.length > 0) {
      // Submitted together, the oldest first, so the group commit writes them in a few transactions, in order.
      // They leave the buffer while in flight (so nothing drops them meanwhile); those that fail go back first.
      const chunk = pending.splice(0, FLUSH_CHUNK);
      const results = await Promise.allSettled(chunk.map((p) => deps.write(p.row)));
      const failed: typeof chunk = [];
      let failure: unknown = null;
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          bytes -= chunk[i]!.bytes;
          deps.onRecorded(r.value);
        } else {
          failed.push(chunk[i]!);
          failure ??= r.reason;
        }
      });
      pending.unshift(...failed);
      if (failure !== null) throw failure;
    }
    if (droppedSinceWritten > 0) {
      deps.logger.warn(
        { dropped: droppedSinceWritten },
        'delivery log is writable again; rows that did not fit the buffer meanwhile were dropped',
      );
      droppedSinceWritten = 0;
    }
  }

  function buffer(d: NewDelivery): void {
    const size = bufferedSize(d);
    pending.push({ row: d, bytes: size });
    bytes += size;
    while (bytes > maxBytes && pending.length > 0) {
      bytes -= pending.shift()!.bytes;
      dropped++;
      droppedSinceWritten++;
    }
    // One line per power of two: a flood while the database is down must not become a flood of log lines.
    if ((pending.length & (pending.length - 1)) === 0) {
      deps.logger.warn(
        { buffered: pending.length, bufferedBytes: bytes, dropped },
        'delivery log unavailable, buffering',
      );
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
        if (isStorageUnavailable(err)) buffer(d);
        else deps.logger.error({ err }, 'delivery log write failed');
        return null;
      }
    },
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
    get bufferedBytes() {
      return bytes;
    },
    get dropped() {
      return dropped;
    },
  };
}
