// What a failure is, for grouping: a pure mapping from what the pipeline, Clerk's API and reconcile report to a
// signal (a failure with its fingerprint: the cause that groups it into one incident) or a clear (a sign that a
// cause is gone, so its incident may resolve by itself). The one detector of trouble: the live banner is a view
// of the incidents these open (live-status.ts).
import type { IncidentKind, ReconcileRunDto } from '../contract.ts';
import type { PipelineOutcome } from '../webhooks/ports.ts';

export interface AffectedRef {
  eventId?: number;
  svixId?: string;
  deliveryId?: number;
  userId?: string;
}

/**
 * What the live banner says of an incident beyond its kind and times, kept with the incident so that every
 * instance says the same.
 */
export interface IncidentFacts {
  /** clerk_api: the status of Clerk's latest failed answer */
  status?: number;
  /** clerk_api: the wait announced before the next attempt, and when that attempt is due */
  retryInMs?: number;
  retryAt?: string;
  /** silence: the last genuine delivery, and the usual quiet the gap since then exceeded */
  lastDeliveryAt?: string;
  quietMs?: number;
}

export interface Signal {
  kind: IncidentKind;
  fingerprint: string;
  title: string;
  cause: string;
  at: Date;
  affected: AffectedRef;
  /** the event was parked as quarantined */
  quarantined?: boolean;
  /** merged into the incident's facts */
  facts?: IncidentFacts;
  /** signals of this cause, with no clear between, before an incident opens (all of them are counted in it) */
  openAfter?: number;
}

/** A cause that is gone: incidents of this fingerprint (or, with a kind only, of this kind) may resolve. */
export interface Clear {
  kind: IncidentKind;
  fingerprint?: string;
  at: Date;
  reason: string;
}

/**
 * Ids, numbers and quoted values vary per event; the cause does not. `user_2abc… not found` and
 * `user_9xyz… not found` are one cause.
 */
export function normalizeError(error: string): string {
  return error
    .split('\n')[0]!
    .replace(/\b[a-z]{2,8}_[A-Za-z0-9]{6,}\b/g, '<id>')
    .replace(/"[^"]*"|'[^']*'/g, '<value>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f-]{27,}\b/gi, '<uuid>')
    .replace(/\d+/g, '<n>')
    .trim()
    .slice(0, 200);
}

const STORED: ReadonlySet<string> = new Set([
  'applied',
  'stale',
  'duplicate',
  'not_projected',
  'failed',
  'quarantined',
]);

/** One webhook request: what it signals and what it clears. */
export function fromPipeline(o: PipelineOutcome): { signal: Signal | null; clears: Clear[] } {
  const clears: Clear[] = [];
  const affected: AffectedRef = {
    ...(o.eventId !== null ? { eventId: o.eventId } : {}),
    ...(o.svixId !== null ? { svixId: o.svixId } : {}),
    ...(o.deliveryId !== null ? { deliveryId: o.deliveryId } : {}),
    ...(o.userId !== null ? { userId: o.userId } : {}),
  };
  if (STORED.has(o.outcome))
    clears.push({ kind: 'storage_unavailable', at: o.at, reason: 'webhooks are stored again' });
  // Only Clerk's own deliveries count as a sign of life; a replay is an operator's doing.
  if (o.verified && !o.replay) {
    clears.push({ kind: 'signature_failed', at: o.at, reason: 'a delivery verified again' });
    clears.push({ kind: 'silence', at: o.at, reason: 'a genuine delivery arrived' });
  }

  if (o.outcome === 'failed' || o.outcome === 'quarantined') {
    const type = o.eventType ?? 'unknown';
    const error = o.error ?? 'unknown error';
    return {
      signal: {
        kind: 'apply_failed',
        fingerprint: `apply_failed:${type}:${normalizeError(error)}`,
        title: `Applying ${type} events fails`,
        cause: error.slice(0, 500),
        at: o.at,
        affected,
        quarantined: o.outcome === 'quarantined',
      },
      clears,
    };
  }
  if (o.outcome === 'unavailable') {
    const code = o.errorCode ?? 'storage_unavailable';
    return {
      signal: {
        kind: 'storage_unavailable',
        fingerprint: `storage_unavailable:${code}`,
        title: 'Storage refuses webhooks (503)',
        cause: `${o.error ?? 'storage is unavailable'} — Svix retries these deliveries; they are stored once the database is back.`,
        at: o.at,
        affected,
      },
      clears,
    };
  }
  // A wrong signature on Svix-shaped requests (a msg_ id, a fresh timestamp), several with no verified delivery
  // between: Clerk signs with a secret this monitor does not hold. Requests without Svix's headers are scanners,
  // and one forged request among good deliveries is not a rotated secret.
  if (o.outcome === 'rejected' && o.errorCode === 'invalid_signature' && o.svixId?.startsWith('msg_')) {
    return {
      signal: {
        kind: 'signature_failed',
        fingerprint: 'signature_failed',
        title: 'Webhook signatures do not verify',
        cause:
          'Deliveries carry signatures made with a secret this monitor does not hold: was the signing secret rotated on one side only? (CLERK_WEBHOOK_SIGNING_SECRET takes the old and new secret, space separated.)',
        at: o.at,
        affected,
        openAfter: SIGNATURE_FAILURES_TO_OPEN,
      },
      clears,
    };
  }
  return { signal: null, clears };
}

/** Signature failures of Svix-shaped requests in a row (no verified delivery between) that open an incident. */
export const SIGNATURE_FAILURES_TO_OPEN = 3;

/** A Backend API answer: throttling and server errors signal, a success clears. */
export function fromClerkResponse(status: number, at: Date): { signal: Signal | null; clears: Clear[] } {
  if (status === 429 || status >= 500) {
    const throttled = status === 429;
    return {
      signal: {
        kind: 'clerk_api',
        fingerprint: `clerk_api:${throttled ? 'throttled' : 'server_error'}`,
        title: throttled
          ? "Clerk's Backend API throttles resync and reconcile (429)"
          : "Clerk's Backend API fails (5xx)",
        cause: throttled
          ? 'Clerk answers 429 Too Many Requests: lower RECONCILE_BUDGET_SHARE, or check what else uses this secret key.'
          : `Clerk answered ${status}: resync and reconcile calls fail until Clerk recovers.`,
        at,
        affected: {},
        facts: { status },
      },
      clears: [],
    };
  }
  if (status >= 200 && status < 300) {
    const reason = "Clerk's Backend API answers again";
    return {
      signal: null,
      clears: ['clerk_api:throttled', 'clerk_api:server_error'].map((fingerprint) => ({
        kind: 'clerk_api' as const,
        fingerprint,
        at,
        reason,
      })),
    };
  }
  return { signal: null, clears: [] };
}

/**
 * The Clerk client will try a call that answered 429 or 5xx again in `retryInMs`: when, for the banner. The
 * answer itself was signalled already (fromClerkResponse), so this only adds to the incident's facts.
 */
export function clerkRetryFacts(
  status: number,
  retryInMs: number,
  at: Date,
): { fingerprint: string; facts: IncidentFacts } {
  return {
    fingerprint: `clerk_api:${status === 429 ? 'throttled' : 'server_error'}`,
    facts: { status, retryInMs, retryAt: new Date(at.getTime() + retryInMs).toISOString() },
  };
}

/** A reconcile run that ended (or a fix that changed its unfixed count). */
export function fromReconcile(run: ReconcileRunDto, at: Date): { signal: Signal | null; clears: Clear[] } {
  if (run.status === 'failed') {
    return {
      signal: {
        kind: 'clerk_api',
        fingerprint: 'clerk_api:reconcile_failed',
        title: 'Reconcile fails',
        cause: `Reconcile run #${run.id} failed: ${run.error ?? 'unknown error'}`,
        at,
        affected: {},
      },
      clears: [],
    };
  }
  if (run.status !== 'completed') return { signal: null, clears: [] };
  const clears: Clear[] = [
    { kind: 'clerk_api', fingerprint: 'clerk_api:reconcile_failed', at, reason: `reconcile run #${run.id} completed` },
  ];
  if (run.unfixed === 0)
    return {
      signal: null,
      clears: [...clears, { kind: 'drift', at, reason: `reconcile run #${run.id} leaves no drift unfixed` }],
    };
  const { missing, stale, deleted } = run.found;
  // organizations and memberships named only when there are some
  const sum = (found: Record<string, number>) => Object.values(found).reduce((a, b) => a + b, 0);
  const organizations = sum(run.organizations.found);
  const memberships = sum(run.memberships.found);
  const more =
    organizations + memberships > 0 ? `, ${organizations} organizations and ${memberships} memberships drifted` : '';
  return {
    signal: {
      kind: 'drift',
      fingerprint: 'drift',
      title: 'Reconcile found drift',
      cause: `Reconcile run #${run.id} found ${missing} missing, ${stale} stale and ${deleted} deleted users${more} (${run.unfixed} not fixed yet): webhooks were lost or not applied. Fix them on the Drift page.`,
      at,
      affected: {},
    },
    clears,
  };
}

/** How silence is judged: the usual quiet, learnt from the gaps between genuine deliveries. */
export interface QuietRule {
  /** never call a gap silence below this (ALERT_SILENCE_MINUTES) */
  minQuietMs: number;
  /** silence is this many times the usual gap (default 4) */
  factor: number;
  /** gaps seen before silence is judged at all: the usual quiet must be known (default 20) */
  minGaps: number;
}

export const DEFAULT_QUIET = { factor: 4, minGaps: 20 } as const;

/**
 * The usual quiet: a high percentile of recent gaps between genuine deliveries, times the factor, never below the
 * floor; null until enough gaps were seen (an app with a delivery a day and one with a thousand a minute differ).
 */
export function usualQuietMs(gaps: readonly number[], rule: QuietRule): number | null {
  if (gaps.length < rule.minGaps || gaps.length === 0) return null;
  const sorted = [...gaps].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
  return Math.max(rule.minQuietMs, p95 * rule.factor);
}

/** "15 min", or "under a minute" (tests scale the quiet down). */
export function quietText(ms: number): string {
  const min = Math.round(ms / 60_000);
  return min >= 1 ? `${min} min` : 'under a minute';
}

export function silenceSignal(since: Date, at: Date, quietMs: number): Signal {
  return {
    kind: 'silence',
    fingerprint: 'silence',
    title: 'No webhooks from Clerk',
    cause: `No genuine delivery since ${since.toISOString()}, longer than the usual quiet (${quietText(quietMs)}): is the endpoint still configured and enabled in Clerk's dashboard (Svix disables endpoints that keep failing)?`,
    at,
    affected: {},
    facts: { lastDeliveryAt: since.toISOString(), quietMs },
  };
}
