// The webhook pipeline: verify → store → apply → publish (Svix delivers at least once, signed), each step in one place:
//   verify   `receive` below: the signature (verify.ts), then what the event is (clerk-event.ts)
//   store    the event store behind ports.ts (ingest/ingest-store.ts): event and delivery-log rows, one
//            group-committed transaction (ingest/records.ts)
//   apply    in that same transaction (ingest/apply.ts): the ordering rules (sync/rules.ts), then the users'
//            and sessions' tables
//   publish  `publish` below, once the transaction committed
// Answer 2xx only once the event is committed; 4xx for what can never succeed; 503 when storage is
// down so Svix retries; every request leaves a delivery-log row.
import type { IncomingHttpHeaders } from 'node:http';
import type { DeliveryOutcome } from '../contract.ts';
import type { Logger } from '../lib/logger.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { DeliveryRecorder, EventStore, IngestResult, PipelineObserver, RequestFacts } from './ports.ts';
import { AppError } from '../lib/errors.ts';
import { isStorageUnavailable } from '../lib/db/errors.ts';
import { claimedSvixId, type Verifier } from './verify.ts';
import { parseClerkEvent, type ParsedEvent } from './clerk-event.ts';

export const STORED_BODY_LIMIT = 64 * 1024;

export interface WebhookRequest {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
  /** performance.now() when the request arrived */
  startedAt: number;
}

export interface WebhookAnswer {
  status: number;
  body: { ok: true; svixId: string; outcome: DeliveryOutcome } | { error: { code: string; message: string } };
  /** the delivery-log row this request produced (null only when the log itself is down) */
  deliveryId: number | null;
}

export interface WebhooksDeps {
  store: EventStore;
  verify: Verifier;
  publisher: Publisher;
  deliveryLog: DeliveryRecorder;
  logger: Logger;
  /** the incident tracker */
  observer?: PipelineObserver;
  now?: () => number; // performance clock, for durations
  /** a committed event conflicted with the version held at the same updated_at: resync that user from Clerk */
  onConflict?: (userId: string) => void;
}

export function createWebhooksService(deps: WebhooksDeps) {
  const now = deps.now ?? (() => performance.now());

  /** Logs a refused request and builds its answer; nothing but the delivery row is written. */
  async function reject(
    req: WebhookRequest,
    err: AppError,
    verified = false,
    eventType: string | null = null,
    replayOf: number | null = null,
  ): Promise<WebhookAnswer> {
    const row = await deps.deliveryLog.record({
      ...requestFacts(req),
      eventType: eventType ?? peekType(req.rawBody),
      outcome: err.status === 503 ? 'unavailable' : 'rejected',
      httpStatus: err.status,
      errorCode: err.code,
      error: err.message,
      durationMs: now() - req.startedAt,
      verified,
      eventId: null,
      replayOf,
    });
    deps.observer?.observe({
      at: req.receivedAt,
      outcome: err.status === 503 ? 'unavailable' : 'rejected',
      httpStatus: err.status,
      errorCode: err.code,
      error: err.message,
      verified,
      replay: replayOf !== null,
      svixId: claimedSvixId(req.headers),
      eventType: eventType ?? null,
      deliveryId: row?.id ?? null,
      eventId: null,
      userId: null,
    });
    return { status: err.status, body: { error: { code: err.code, message: err.message } }, deliveryId: row?.id ?? null };
  }

  async function receive(req: WebhookRequest): Promise<WebhookAnswer> {
    let svixId: string;
    let parsed: ParsedEvent;
    let verified = false;
    // Decoded once: the signature check, the parse and the stored payload all use this text.
    const text = req.rawBody.toString('utf8');
    try {
      const v = deps.verify(text, req.headers);
      verified = true;
      svixId = v.svixId;
      parsed = parseClerkEvent(v.json, req.receivedAt);
    } catch (err) {
      if (err instanceof AppError) return reject(req, err, verified);
      throw err;
    }
    return ingest(req, svixId, parsed, null, text);
  }

  /** Store and apply a verified event (group commit), then publish; also the path a replay takes (`replayOf`). */
  async function ingest(
    req: WebhookRequest,
    svixId: string,
    e: ParsedEvent,
    replayOf: number | null = null,
    payload = req.rawBody.toString('utf8'),
  ): Promise<WebhookAnswer> {
    let r: IngestResult;
    try {
      // No body in the request facts: the delivery of a stored event reads it from the event's payload.
      r = await deps.store.ingest({ svixId, event: e, payload, request: requestFacts(req, false), startedAt: req.startedAt, replayOf });
    } catch (err) {
      // The batch's transaction rolled back: nothing of this event is stored, so Svix must retry it.
      const unavailable = isStorageUnavailable(err);
      deps.logger.warn({ err, svixId }, unavailable ? 'storage unavailable, asking Svix to retry' : 'ingest transaction failed, asking Svix to retry');
      const appErr = unavailable
        ? new AppError('storage_unavailable', 503, 'Storage is unavailable; retry later')
        : new AppError('ingest_failed', 503, 'The event could not be stored; retry later');
      return reject(req, appErr, true, e.type, replayOf);
    }
    publish(r);
    deps.observer?.observe({
      at: req.receivedAt,
      outcome: r.outcome,
      httpStatus: r.httpStatus,
      errorCode: r.outcome === 'failed' || r.outcome === 'quarantined' ? 'apply_failed' : null,
      error: r.error,
      verified: true,
      replay: replayOf !== null,
      svixId,
      eventType: e.type,
      deliveryId: r.delivery.id,
      eventId: r.event?.id ?? null,
      userId: r.event?.userId ?? null,
    });
    if (r.outcome === 'quarantined') {
      deps.logger.error({ svixId, type: e.type, error: r.error }, 'applying event failed again: quarantined (acknowledged, kept for a replay)');
      return { status: 200, body: { ok: true, svixId, outcome: r.outcome }, deliveryId: r.delivery.id };
    }
    if (r.httpStatus === 500) {
      deps.logger.error({ svixId, type: e.type, error: r.error }, 'applying event failed');
      return { status: 500, body: { error: { code: 'apply_failed', message: `Stored, but applying it failed: ${r.error}` } }, deliveryId: r.delivery.id };
    }
    return { status: 200, body: { ok: true, svixId, outcome: r.outcome }, deliveryId: r.delivery.id };
  }

  /** What committed goes to the dashboards (after the commit: nothing is pushed that could still roll back). */
  function publish(r: IngestResult): void {
    if (r.event) deps.publisher.eventReceived(r.event);
    deps.publisher.deliveryRecorded(r.delivery);
    if (r.user) deps.publisher.userChanged(r.user);
    if (r.resyncUserId) deps.onConflict?.(r.resyncUserId);
  }

  return { receive, reject, ingest };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;

const REDACTED_HEADERS = new Set(['svix-signature', 'webhook-signature', 'authorization', 'cookie']);

/** What every delivery row records about the request itself: headers (secrets redacted) and a capped body. */
function requestFacts(req: WebhookRequest, withBody = true): RequestFacts {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = REDACTED_HEADERS.has(name) ? redactSignature(name, text) : clean(text.slice(0, 1000));
  }
  const truncated = req.rawBody.length > STORED_BODY_LIMIT;
  return {
    receivedAt: req.receivedAt,
    svixId: claimedSvixId(req.headers),
    headers,
    body: withBody ? clean(req.rawBody.subarray(0, STORED_BODY_LIMIT).toString('utf8')) : '',
    bodyBytes: req.rawBody.length,
    bodyTruncated: truncated,
  };
}

/** Keep the shape (how many v1 entries) for debugging, never the values. */
function redactSignature(name: string, value: string): string {
  if (name === 'svix-signature' || name === 'webhook-signature') {
    return value
      .split(' ')
      .filter(Boolean)
      .map((entry) => `${entry.split(',')[0] ?? ''},[redacted]`)
      .join(' ')
      .slice(0, 500);
  }
  return '[redacted]';
}

// PostgreSQL text cannot hold NUL; hostile bodies must still be logged.
const clean = (s: string) => s.replaceAll('\u0000', '\uFFFD');

/** The `type` an unverified body claims, for the log only (never trusted). */
function peekType(body: Buffer): string | null {
  if (body.length === 0 || body.length > 1024 * 1024) return null;
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    const type = (json as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? clean(type.slice(0, 200)) : null;
  } catch {
    return null;
  }
}
