// What the webhook pipeline needs from storage. webhooks.service.ts codes against these interfaces only; the
// ingest store (ingest/ingest-store.ts) implements the store side, and the delivery log
// (deliveries/delivery-log.ts) buffers log rows in front of it while the database is down.
import type { DeliveryOutcome, DeliverySummary, EventSummary, OrganizationSummary, UserSummary } from '../contract.ts';
import type { NewDelivery } from '../deliveries/deliveries.repository.ts';
import type { ParsedEvent } from './clerk-event.ts';

/** What the delivery log keeps about the request itself. */
export interface RequestFacts {
  receivedAt: Date;
  svixId: string | null;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  bodyTruncated: boolean;
  /** the client's address; null for replays */
  sourceIp?: string | null;
  headerBytes?: number | null;
  /** SHA-256 (hex) of the whole body, when `body` keeps only a prefix of it (unverified requests) */
  bodySha256?: string | null;
}

export interface IngestItem {
  svixId: string;
  event: ParsedEvent;
  /** the verified body, stored as the event's payload */
  payload: string;
  request: RequestFacts;
  /** performance.now() at arrival, for the delivery's processing time */
  startedAt: number;
  /** set when an operator replays delivery N: the apply runs again even for a known svix-id */
  replayOf: number | null;
}

export interface IngestResult {
  outcome: DeliveryOutcome;
  httpStatus: 200 | 500;
  error: string | null;
  /** the stored event; null for a duplicate (nothing about the event changed) */
  event: EventSummary | null;
  delivery: DeliverySummary;
  /** the local user after the change, when one changed */
  user: UserSummary | null;
  /** a user to resync from Clerk's Backend API once committed (a conflicting version at a tied updated_at) */
  resyncUserId?: string | null;
  /** the organization after the change, when it, its memberships or its invitations changed */
  organization?: OrganizationSummary | null;
  /** an organization whose held version and an incoming one disagree at the same updated_at */
  conflictOrganizationId?: string | null;
}

/**
 * Store + apply: keeps a verified event, applies it to the local copy and records its delivery, all committed
 * before the promise resolves. Rejects only when nothing of it could be stored (the request answers 503).
 */
export interface EventStore {
  ingest(item: IngestItem): Promise<IngestResult>;
}

/** Writes the delivery-log row of a request that stored no event (rejected, or refused while storage was down). */
export interface DeliveryLogStore {
  logDelivery(delivery: NewDelivery): Promise<DeliverySummary>;
}

/** What one webhook request came to, as the incident tracker sees it (incidents/signals.ts groups these). */
export interface PipelineOutcome {
  at: Date;
  outcome: DeliveryOutcome;
  httpStatus: number;
  errorCode: string | null;
  error: string | null;
  /** the signature verified: a genuine delivery from Clerk (or an operator's replay) */
  verified: boolean;
  replay: boolean;
  svixId: string | null;
  eventType: string | null;
  deliveryId: number | null;
  eventId: number | null;
  userId: string | null;
}

/** Told about every request once it is answered; never throws and never waits (incidents fold bursts). */
export interface PipelineObserver {
  observe(o: PipelineOutcome): void;
}

/** The delivery log as the pipeline uses it: never throws; null when the row could not be written yet. */
export interface DeliveryRecorder {
  record(delivery: NewDelivery): Promise<DeliverySummary | null>;
}
