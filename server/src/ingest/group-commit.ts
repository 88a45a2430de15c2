// Group commit: concurrent webhooks share one transaction, and each is answered only after that
// transaction committed. Items that arrive while a batch is being written form the next batch, so the
// batch size follows the load (1 when idle, up to maxBatch under a burst).

export interface GroupCommitOptions {
  maxBatch?: number;
}

export function createGroupCommit<I, R>(write: (items: I[]) => Promise<R[]>, opts: GroupCommitOptions = {}) {
  const maxBatch = opts.maxBatch ?? 256;
  const queue: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let writing = false;
  let scheduled = false;

  async function drain() {
    scheduled = false;
    if (writing) return;
    writing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        try {
          const results = await write(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(results[i]!));
        } catch (err) {
          // The whole transaction rolled back: nothing of this batch is stored.
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      writing = false;
    }
  }

  return {
    submit(item: I): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // Wait for the current I/O turn so requests parsed in the same tick share the batch.
        if (!writing && !scheduled) {
          scheduled = true;
          setImmediate(() => void drain());
        }
      });
    },
    get pending() {
      return queue.length;
    },
  };
}
