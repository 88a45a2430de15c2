// Group commit: concurrent webhooks share one transaction, and each is answered only after that
// transaction committed. Items that arrive while a batch is being written form the next batch, so the
// batch size follows the load (1 when idle, up to maxBatch under a burst).

export interface GroupCommitOptions {
  maxBatch?: number;
  /**
   * Batches written at once. 1 for SQLite (one writer anyway); more for PostgreSQL, where a batch spends
   * most of its time waiting on round trips another batch can overlap (the caller's locks keep two batches
   * off the same keys).
   */
  concurrency?: number;
}

export function createGroupCommit<I, R>(write: (items: I[]) => Promise<R[]>, opts: GroupCommitOptions = {}) {
  const maxBatch = opts.maxBatch ?? 256;
  const concurrency = opts.concurrency ?? 1;
  const queue: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let writing = 0;
  let scheduled = false;

  function drain() {
    scheduled = false;
    while (queue.length > 0 && writing < concurrency) void writeBatch(queue.splice(0, maxBatch));
  }

  async function writeBatch(batch: typeof queue) {
    writing++;
    try {
      const results = await write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (err) {
      // The whole transaction rolled back: nothing of this batch is stored.
      for (const b of batch) b.reject(err);
    } finally {
      writing--;
      drain(); // what arrived meanwhile is the next batch
    }
  }

  return {
    submit(item: I): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // Wait for the current I/O turn so requests parsed in the same tick share the batch.
        if (writing < concurrency && !scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      });
    },
    get pending() {
      return queue.length;
    },
  };
}
