// What is wrong right now, kept in memory from what this instance sees as it happens: every webhook request
// (before its log row is written, so a database outage is seen while it lasts) and every retry of a Clerk
// Backend API call. A change goes to the dashboards at once (`status:changed`); a timer notices silence.
import type { LiveProblem, LiveProblemKind, LiveStatus } from '../contract.ts';

/** The facts of one webhook request the monitor needs (a delivery row, written or about to be). */
export interface ObservedDelivery {
  receivedAt: Date | string;
  outcome: string;
  httpStatus: number;
  verified: boolean;
  errorCode: string | null;
  svixId: string | null;
}

export interface LiveStatusOptions {
  clock?: () => Date;
  onChange?: (status: LiveStatus) => void;
  /** never call a gap "silence" below this (default 15 minutes) */
  minQuietMs?: number;
  /** silence is this many times the usual gap between deliveries (default 4) */
  quietFactor?: number;
  /** gaps seen before silence is judged at all (default 20: the usual quiet must be known) */
  minGaps?: number;
  /** signature failures of Svix-looking requests, with no verified one between, that suggest a rotated secret */
  signatureFailures?: number;
  /** how long a Clerk throttle shows after its retry was due, when nothing answered since (default 30 s) */
  throttleGraceMs?: number;
}

const GAPS_KEPT = 200;

export function createLiveStatus(opts: LiveStatusOptions = {}) {
  const clock = opts.clock ?? (() => new Date());
  const minQuietMs = opts.minQuietMs ?? 15 * 60_000;
  const quietFactor = opts.quietFactor ?? 4;
  const minGaps = opts.minGaps ?? 20;
  const signatureThreshold = opts.signatureFailures ?? 3;
  const throttleGraceMs = opts.throttleGraceMs ?? 30_000;

  const problems = new Map<LiveProblemKind, LiveProblem>();
  let lastDeliveryAt: Date | null = null;
  const gaps: number[] = [];
  let badSignatures: { count: number; since: Date } | null = null;
  let lastSent = '';

  const status = (): LiveStatus => ({
    problems: [...problems.values()],
    lastDeliveryAt: lastDeliveryAt?.toISOString() ?? null,
    checkedAt: clock().toISOString(),
  });

  function changed() {
    const key = JSON.stringify([...problems.values()]);
    if (key === lastSent) return;
    lastSent = key;
    opts.onChange?.(status());
  }

  function raise(kind: LiveProblemKind, since: Date, message: string, extra: Partial<LiveProblem> = {}) {
    const existing = problems.get(kind);
    problems.set(kind, { kind, message, since: existing?.since ?? since.toISOString(), ...extra });
  }

  /** The usual quiet: a high percentile of recent gaps between deliveries, times the factor. */
  function quietThresholdMs(): number | null {
    if (gaps.length < minGaps) return null;
    const sorted = [...gaps].sort((a, b) => a - b);
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
    return Math.max(minQuietMs, p95 * quietFactor);
  }

  function checkSilence() {
    const threshold = quietThresholdMs();
    const now = clock();
    if (threshold !== null && lastDeliveryAt && now.getTime() - lastDeliveryAt.getTime() > threshold) {
      raise(
        'silence',
        lastDeliveryAt,
        `No webhook delivery for longer than the usual quiet (${Math.round(threshold / 60_000)} min): check the endpoint in Clerk's dashboard.`,
      );
    } else {
      problems.delete('silence');
    }
  }

  function checkThrottle() {
    const t = problems.get('clerk_throttled');
    if (t?.retryAt && clock().getTime() > Date.parse(t.retryAt) + throttleGraceMs) problems.delete('clerk_throttled');
  }

  return {
    /** A webhook request: its outcome, as soon as it is known. */
    observeDelivery(d: ObservedDelivery): void {
      const at = new Date(d.receivedAt);
      if (lastDeliveryAt && at > lastDeliveryAt) {
        gaps.push(at.getTime() - lastDeliveryAt.getTime());
        if (gaps.length > GAPS_KEPT) gaps.shift();
      }
      if (!lastDeliveryAt || at > lastDeliveryAt) lastDeliveryAt = at;
      problems.delete('silence');

      if (d.outcome === 'unavailable') {
        raise('storage_refusing', at, 'Webhooks are being refused: database unavailable — Svix will retry.');
      } else if (d.verified && d.httpStatus < 300) {
        // a verified delivery stored and answered: storage takes webhooks, the secret matches
        problems.delete('storage_refusing');
      }
      if (d.verified) {
        badSignatures = null;
        problems.delete('signature_failures');
      } else if (d.errorCode === 'invalid_signature' && d.svixId?.startsWith('msg_')) {
        // Svix-shaped requests (a real message id, fresh timestamp) that no configured secret verifies, with
        // no verified delivery between: what a rotated signing secret looks like (one scanner among good
        // deliveries never gets here)
        badSignatures = badSignatures
          ? { count: badSignatures.count + 1, since: badSignatures.since }
          : { count: 1, since: at };
        if (badSignatures.count >= signatureThreshold) {
          raise(
            'signature_failures',
            badSignatures.since,
            `Signature checks fail for requests that look like Clerk's (${badSignatures.count} in a row): the signing secret may have been rotated — update CLERK_WEBHOOK_SIGNING_SECRET.`,
          );
        }
      }
      changed();
    },

    /** A Clerk Backend API call answered 429 or 5xx and will be tried again in `retryInMs`. */
    clerkRetrying(info: { status: number; retryInMs: number }): void {
      const now = clock();
      const seconds = Math.max(1, Math.round(info.retryInMs / 1000));
      const why = info.status === 429 ? 'throttled by Clerk (429)' : `Clerk's Backend API answered ${info.status}`;
      raise('clerk_throttled', now, `Resync and reconcile are slowed: ${why}, retrying in ${seconds} s.`, {
        retryAt: new Date(now.getTime() + info.retryInMs).toISOString(),
      });
      changed();
    },

    /** A Clerk Backend API call answered (any status but 429/5xx): calls go through again. */
    clerkAnswered(httpStatus: number): void {
      if (httpStatus === 429 || httpStatus >= 500 || !problems.has('clerk_throttled')) return;
      problems.delete('clerk_throttled');
      changed();
    },

    /** Timer: silence and expired throttles. */
    tick(): void {
      checkSilence();
      checkThrottle();
      changed();
    },

    /** Starts from the newest delivery the database knows (after a restart). */
    seed(latest: Date | null): void {
      if (latest && (!lastDeliveryAt || latest > lastDeliveryAt)) lastDeliveryAt = latest;
    },

    current: status,
  };
}

export type LiveStatusMonitor = ReturnType<typeof createLiveStatus>;
