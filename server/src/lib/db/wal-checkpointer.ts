// Starts the WAL checkpointer thread (wal-checkpointer.worker.mjs) for one SQLite database file.
import { Worker } from 'node:worker_threads';

export interface CheckpointerOptions {
  /** how often it copies the log into the database file */
  intervalMs?: number;
  /** log size (4 KiB frames) at which it makes the next writer start the log over: bounds the WAL file */
  restartFrames?: number;
  busyTimeoutMs?: number;
  /** called if the thread stops on its own (its connection failed): the writer must checkpoint again itself */
  onStopped?: () => void;
}

export function startCheckpointer(path: string, opts: CheckpointerOptions = {}) {
  const worker = new Worker(new URL('./wal-checkpointer.worker.mjs', import.meta.url), {
    workerData: {
      path,
      intervalMs: opts.intervalMs ?? 50,
      restartFrames: opts.restartFrames ?? 2000,
      busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
    },
    execArgv: [], // plain ESM: the parent's loaders (tsx) would only slow its start, as in reconcile's page store
  });
  worker.unref(); // never what keeps the process alive
  let closing = false;
  worker.on('error', () => {}); // an exit follows, handled below
  worker.once('exit', () => void (closing || opts.onStopped?.()));
  const ready = new Promise<void>((resolve) => worker.once('message', () => resolve()));
  return {
    /** resolves once the thread has its connection open and checkpoints (it takes ~0.1 s to start) */
    ready,
    /** a last checkpoint, then the thread ends */
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        worker.on('message', (msg) => void (msg === 'closed' && worker.terminate().then(() => resolve())));
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }),
  };
}
