// Webhook delivery with Svix's semantics (https://docs.svix.com/retries):
// one message = one svix-id, fanned out to every endpoint; each endpoint gets its own attempts; success is a 2xx
// within 15 s; anything else is retried on Svix's schedule with the SAME svix-id, re-signed with a fresh
// svix-timestamp each attempt; a `webhook-delivery: abort-message` response header stops the retries.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'svix';
import type { ClerkEvent } from '../server/src/clerk/clerk-json.ts';
import type { Faults } from './faults.ts';

/** Delay before each attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts, ~27.5 h). */
export const SVIX_RETRY_SCHEDULE_MS = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
] as const;
export const SVIX_TIMEOUT_MS = 15_000;

export type MessageState = 'queued' | 'pending' | 'delivered' | 'failed' | 'dropped' | 'aborted' | 'cancelled';

/** One delivery of one message to one endpoint (a duplicate is a second delivery with the same svix-id). */
export interface MessageRecord {
  svixId: string;
  type: string;
  target: string;
  duplicate: boolean;
  state: MessageState;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
}

export interface DeliveryAttempt {
  svixId: string;
  type: string;
  target: string;
  attempt: number; // 1-based, per delivery
  duplicate: boolean;
  status: number | null; // HTTP status, null when no answer (outage, timeout, connection error)
  ok: boolean;
  error: string | null;
  badSignature: boolean; // signed with a wrong secret on purpose
  at: string; // ISO time the attempt started
  durationMs: number;
  next: 'done' | 'retry' | 'failed' | 'aborted' | 'cancelled';
  nextAttemptAt: string | null;
}

export interface DispatcherLogger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}

export interface DispatcherOptions {
  signingSecret: string;
  targets: string[];
  /** Multiplies every retry delay: 1 = Svix's real schedule, 0.00001 runs all 8 attempts in about a second. */
  timeFactor: number;
  faults: () => Faults;
  random: () => number;
  newMessageId: () => string;
  now?: () => number;
  timeoutMs?: number;
  logger?: DispatcherLogger;
  /** How many attempts/messages to keep for inspection. */
  logSize?: number;
}

export interface EnqueuedMessage {
  svixId: string;
  payload: string;
  /** deliveries by target: 'dropped' when the drop fault swallowed it */
  targets: { target: string; dropped: boolean; duplicated: boolean }[];
}

export interface Dispatcher {
  enqueue(event: ClerkEvent): EnqueuedMessage;
  /** Resolves when nothing is queued, scheduled or in flight. */
  settled(): Promise<void>;
  pending(): number;
  attempts(): DeliveryAttempt[];
  messages(): MessageRecord[];
  targets(): string[];
  addTarget(url: string): void;
  removeTarget(url: string): void;
  setSigningSecret(secret: string): void;
  setTimeFactor(f: number): void;
  timeFactor(): number;
  close(): Promise<void>;
}

interface Task {
  record: MessageRecord;
  payload: string;
  timer: NodeJS.Timeout | null;
}

const pushBounded = <T>(list: T[], item: T, max: number) => {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
};

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const now = opts.now ?? (() => Date.now());
  const timeoutMs = opts.timeoutMs ?? SVIX_TIMEOUT_MS;
  const logSize = opts.logSize ?? 10_000;
  const targets = new Set(opts.targets);
  let webhook = new Webhook(opts.signingSecret);
  // A valid-looking secret nobody has: what a receiver sees when a signature "does not match".
  const wrongWebhook = new Webhook(`whsec_${randomBytes(24).toString('base64')}`);
  let timeFactor = opts.timeFactor;
  let closed = false;
  const closing = new AbortController();

  const live = new Set<Task>(); // queued, scheduled or in flight
  const reorderBuffer: Task[] = [];
  let reorderTimer: NodeJS.Timeout | null = null;
  const attemptLog: DeliveryAttempt[] = [];
  const messageLog: MessageRecord[] = [];
  let waiters: (() => void)[] = [];

  const iso = (ms: number) => new Date(ms).toISOString();

  const finish = (task: Task, state: MessageState) => {
    task.record.state = state;
    task.record.finishedAt = iso(now());
    if (task.timer) clearTimeout(task.timer);
    task.timer = null;
    live.delete(task);
    if (live.size === 0 && reorderBuffer.length === 0) {
      const w = waiters;
      waiters = [];
      w.forEach((resolve) => resolve());
    }
  };

  const schedule = (task: Task, delayMs: number) => {
    task.record.state = 'pending';
    task.timer = setTimeout(() => {
      task.timer = null;
      void attempt(task);
    }, delayMs);
  };

  const attempt = async (task: Task) => {
    if (closed) return;
    const r = task.record;
    r.attempts++;
    const started = now();
    const faults = opts.faults();
    const badSignature = faults.badSignature > 0 && opts.random() < faults.badSignature;
    let status: number | null = null;
    let error: string | null = null;
    let abort = false;

    if (faults.outageUntil !== null && started < faults.outageUntil) {
      // Outage: behave like a refused connection, no request leaves.
      error = 'endpoint outage (emulated): connection refused';
    } else {
      const signer = badSignature ? wrongWebhook : webhook;
      // svix-timestamp is THIS attempt's time: retries are re-signed, so they stay inside the 5-minute tolerance.
      const at = new Date(now());
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Svix-Webhooks/1.0 (clerk-emulator)',
        'svix-id': r.svixId,
        'svix-timestamp': String(Math.floor(at.getTime() / 1000)),
        'svix-signature': signer.sign(r.svixId, at, task.payload),
      };
      try {
        const res = await fetch(r.target, {
          method: 'POST',
          headers,
          body: task.payload,
          redirect: 'manual', // Svix treats 3xx as a failure
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), closing.signal]),
        });
        status = res.status;
        abort = res.headers.get('webhook-delivery')?.toLowerCase() === 'abort-message';
        await res.arrayBuffer().catch(() => undefined);
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        error =
          e.name === 'TimeoutError'
            ? `timeout: no answer within ${timeoutMs} ms`
            : e.name === 'AbortError'
              ? 'cancelled: emulator closing'
              : `${e.cause?.code ?? e.name}: ${e.message}`;
      }
    }
    if (closed) return;

    const ok = status !== null && status >= 200 && status < 300;
    const nextDelay = SVIX_RETRY_SCHEDULE_MS[r.attempts];
    const entry: DeliveryAttempt = {
      svixId: r.svixId,
      type: r.type,
      target: r.target,
      attempt: r.attempts,
      duplicate: r.duplicate,
      status,
      ok,
      error: error ?? (ok ? null : `HTTP ${status}`),
      badSignature,
      at: iso(started),
      durationMs: now() - started,
      next: 'done',
      nextAttemptAt: null,
    };
    if (ok) finish(task, 'delivered');
    else if (abort) {
      entry.next = 'aborted';
      finish(task, 'aborted');
    } else if (nextDelay === undefined || !targets.has(r.target)) {
      entry.next = 'failed';
      finish(task, 'failed');
    } else {
      const delay = nextDelay * timeFactor;
      entry.next = 'retry';
      entry.nextAttemptAt = iso(now() + delay);
      schedule(task, delay);
    }
    pushBounded(attemptLog, entry, logSize);
    (ok ? opts.logger?.debug : opts.logger?.info)?.call(opts.logger, entry, 'webhook attempt');
  };

  const firstDelay = () => {
    const delayMs = opts.faults().delayMs;
    return delayMs > 0 ? Math.floor(opts.random() * delayMs) : 0;
  };

  const flushReorder = () => {
    reorderTimer = null;
    const batch = reorderBuffer.splice(0);
    // Fisher–Yates with the seeded random, so a seed reproduces the order.
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(opts.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    batch.forEach((t, i) => schedule(t, i + firstDelay())); // 1 ms apart: the shuffled order is the arrival order
  };

  const newTask = (svixId: string, type: string, target: string, payload: string, duplicate: boolean): Task => {
    const record: MessageRecord = {
      svixId,
      type,
      target,
      duplicate,
      state: 'queued',
      attempts: 0,
      createdAt: iso(now()),
      finishedAt: null,
    };
    pushBounded(messageLog, record, logSize);
    return { record, payload, timer: null };
  };

  return {
    enqueue(event) {
      const svixId = opts.newMessageId();
      const payload = JSON.stringify(event);
      const out: EnqueuedMessage = { svixId, payload, targets: [] };
      if (closed) return out;
      const faults = opts.faults();
      for (const target of targets) {
        if (faults.drop > 0 && opts.random() < faults.drop) {
          const t = newTask(svixId, event.type, target, payload, false);
          t.record.state = 'dropped';
          t.record.finishedAt = t.record.createdAt;
          out.targets.push({ target, dropped: true, duplicated: false });
          continue;
        }
        const duplicated = faults.duplicate > 0 && opts.random() < faults.duplicate;
        const tasks = [newTask(svixId, event.type, target, payload, false)];
        if (duplicated) tasks.push(newTask(svixId, event.type, target, payload, true));
        out.targets.push({ target, dropped: false, duplicated });
        for (const t of tasks) {
          live.add(t);
          if (faults.reorderWindowMs > 0) {
            reorderBuffer.push(t);
            reorderTimer ??= setTimeout(flushReorder, faults.reorderWindowMs);
          } else schedule(t, firstDelay());
        }
      }
      return out;
    },
    settled: () =>
      live.size === 0 && reorderBuffer.length === 0
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push(resolve)),
    pending: () => live.size,
    attempts: () => attemptLog.map((a) => ({ ...a })),
    messages: () => messageLog.map((m) => ({ ...m })),
    targets: () => [...targets],
    addTarget: (url) => {
      new URL(url); // throws on garbage
      targets.add(url);
    },
    removeTarget: (url) => {
      targets.delete(url);
    },
    setSigningSecret: (secret) => {
      webhook = new Webhook(secret);
    },
    setTimeFactor: (f) => {
      timeFactor = f;
    },
    timeFactor: () => timeFactor,
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      if (reorderTimer) clearTimeout(reorderTimer);
      reorderBuffer.splice(0);
      for (const t of [...live]) finish(t, 'cancelled');
    },
  };
}
