// Progress of a long job, pushed live without flooding: the newest value goes out at most once per interval,
// and a value reported while one waits replaces it (only the latest state of a job matters).

export interface LatestThrottle<T> {
  /** the newest value: sent now if the interval has passed, else when it does (replacing any value waiting) */
  report(value: T): void;
  /** forgets the value waiting, if any (the job ended and says so itself) */
  drop(): void;
}

/** `send` may be async; what it throws or rejects with is its own to handle (it is not awaited by `report`). */
export function throttleLatest<T>(everyMs: number, send: (value: T) => void | Promise<void>): LatestThrottle<T> {
  let lastSent = 0;
  let waiting: { value: T } | null = null;
  let timer: NodeJS.Timeout | null = null;

  function fire() {
    timer = null;
    const next = waiting;
    waiting = null;
    if (!next) return;
    lastSent = Date.now();
    void send(next.value);
  }

  return {
    report(value) {
      waiting = { value };
      if (timer) return;
      const wait = lastSent + everyMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    drop() {
      if (timer) clearTimeout(timer);
      timer = null;
      waiting = null;
    },
  };
}
