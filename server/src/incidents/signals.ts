// What a failure is, for grouping: a pure mapping from what the pipeline, Clerk's API and reconcile report to a
// signal (a failure with its fingerprint: the cause that groups it into one incident) or a clear (a sign that a
// cause is gone, so its incident may resolve by itself).
import type { IncidentKind, ReconcileRunDto } from '../contract.ts';
import type { PipelineOutcome } from '../webhooks/ports.ts';

export interface AffectedRef {
  eventId?: number;
  svixId?: string;
  deliveryId?: number;
  userId?: string;
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
  // A wrong signature on a request that claims a svix-id: Clerk signs with a secret this monitor does not hold.
  // Requests without Svix's headers are scanners, not a rotated secret.
  if (o.outcome === 'rejected' && o.errorCode === 'invalid_signature' && o.svixId !== null) {
    return {
      signal: {
        kind: 'signature_failed',
        fingerprint: 'signature_failed',
        title: 'Webhook signatures do not verify',
        cause:
          'Deliveries carry signatures made with a secret this monitor does not hold: was the signing secret rotated on one side only? (CLERK_WEBHOOK_SIGNING_SECRET takes the old and new secret, space separated.)',
        at: o.at,
        affected,
      },
      clears,
    };
  }
  return { signal: null, clears };
}

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
  return {
    signal: {
      kind: 'drift',
      fingerprint: 'drift',
      title: 'Reconcile found drift',
      cause: `Reconcile run #${run.id} found ${missing} missing, ${stale} stale and ${deleted} deleted users (${run.unfixed} not fixed yet): webhooks were lost or not applied. Fix them on the Drift page.`,
      at,
      affected: {},
    },
    clears,
  };
}

export function silenceSignal(since: Date, at: Date, silenceMs: number): Signal {
  return {
    kind: 'silence',
    fingerprint: 'silence',
    title: 'No webhooks from Clerk',
    cause: `No genuine delivery since ${since.toISOString()} (more than ${Math.round(silenceMs / 60_000) || '<1'} min): is the endpoint still configured and enabled in Clerk's dashboard (Svix disables endpoints that keep failing)?`,
    at,
    affected: {},
  };
}
