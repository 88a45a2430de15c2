// What is wrong right now — the banner, the amber Live indicator and "Failing now" — as a view of the open
// incidents, so there is one detector of trouble (signals.ts) and every instance shows what any instance saw.
// Only the kinds that are trouble right now are shown: failed applies and drift are on the Incidents page.
import type { IncidentKind, LiveProblem, LiveProblemKind, LiveStatus } from '../contract.ts';
import { quietText, type IncidentFacts } from './signals.ts';

/** An unresolved incident as the view needs it. */
export interface ViewedIncident {
  id: string;
  kind: IncidentKind;
  fingerprint: string;
  state: 'open' | 'acknowledged';
  acknowledgedBy: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  facts: IncidentFacts;
  /** its cause is gone (a clear came after its last failure): it resolves at the next tick, the banner drops it now */
  cleared: boolean;
}

export interface ViewOptions {
  now: Date;
  /** the newest genuine delivery known */
  lastDeliveryAt: Date | null;
  /** how long Clerk trouble shows after its last failure or due retry when nothing was tried since */
  clerkGraceMs: number;
}

/** Clerk trouble shows this long after its retry was due, when no call was tried since (the incident stays open). */
export const CLERK_GRACE_MS = 30_000;

const SHOWN: Partial<Record<IncidentKind, LiveProblemKind>> = {
  storage_unavailable: 'storage_refusing',
  silence: 'silence',
  signature_failed: 'signature_failures',
  clerk_api: 'clerk_throttled',
};
// a failed reconcile run is history, not something failing now
const CLERK_NOW = new Set(['clerk_api:throttled', 'clerk_api:server_error']);

/** Whether incidents of this kind can show in the banner (the hot path skips the view for the others). */
export const shownInBanner = (kind: IncidentKind): boolean => SHOWN[kind] !== undefined;

/** The banner's problem for one incident, or null when it is not trouble right now. */
export function problemOf(i: ViewedIncident, opts: ViewOptions): LiveProblem | null {
  const kind = SHOWN[i.kind];
  if (!kind || i.cleared) return null;
  const base = {
    kind,
    since: i.firstSeenAt.toISOString(),
    incidentId: i.id,
    acknowledgedBy: i.state === 'acknowledged' ? (i.acknowledgedBy ?? 'an operator') : null,
  };
  switch (kind) {
    case 'storage_refusing':
      return {
        ...base,
        message:
          i.fingerprint === 'storage_unavailable:ingest_failed'
            ? 'Webhooks are being refused: storing them fails'
            : 'Webhooks are being refused: database unavailable',
      };
    case 'signature_failures':
      return {
        ...base,
        message:
          "Signature checks fail for requests that look like Clerk's: the signing secret may have been rotated — update CLERK_WEBHOOK_SIGNING_SECRET.",
      };
    case 'silence':
      return {
        ...base,
        since: i.facts.lastDeliveryAt ?? base.since,
        message: `No webhook delivery for longer than the usual quiet (${quietText(i.facts.quietMs ?? 0)}): check the endpoint in Clerk's dashboard.`,
      };
    case 'clerk_throttled': {
      if (!CLERK_NOW.has(i.fingerprint)) return null;
      const { status, retryInMs, retryAt } = i.facts;
      const due = Math.max(i.lastSeenAt.getTime(), retryAt ? Date.parse(retryAt) : 0);
      if (opts.now.getTime() > due + opts.clerkGraceMs) return null;
      const throttled = i.fingerprint === 'clerk_api:throttled';
      const why = throttled ? 'throttled by Clerk (429)' : `Clerk's Backend API answered ${status ?? '5xx'}`;
      return retryInMs !== undefined && retryAt
        ? {
            ...base,
            message: `Resync and reconcile are slowed: ${why}, retrying in ${Math.max(1, Math.round(retryInMs / 1000))} s.`,
            retryAt,
          }
        : { ...base, message: `Resync and reconcile calls fail: ${why}.` };
    }
  }
}

/** The live status: the shown problems, oldest first. */
export function liveStatusOf(incidents: Iterable<ViewedIncident>, opts: ViewOptions): LiveStatus {
  const shown = [...incidents]
    .sort((a, b) => a.firstSeenAt.getTime() - b.firstSeenAt.getTime() || a.id.localeCompare(b.id))
    .map((i) => problemOf(i, opts))
    .filter((p): p is LiveProblem => p !== null);
  return {
    problems: shown,
    lastDeliveryAt: opts.lastDeliveryAt?.toISOString() ?? null,
    checkedAt: opts.now.toISOString(),
  };
}
