// The webhook pipeline: verify → store → apply → publish (shared/CLERK.md §1-2).
// Answer 2xx only once the event is committed; 4xx for what can never succeed; 503 when storage is
// down so Svix retries; every request leaves a delivery-log row.
import type { IncomingHttpHeaders } from 'node:http';
import type { DeliveryOutcome } from '../contract.ts';
import type { Logger } from '../lib/logger.ts';
import type { UnitOfWork } from '../lib/unit-of-work.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { DeliveryLog } from '../deliveries/delivery-log.ts';
import type { NewDelivery } from '../deliveries/deliveries.repository.ts';
import { toDeliverySummary } from '../deliveries/deliveries.repository.ts';
import { toEventSummary } from '../events/events.repository.ts';
import { toUserSummary } from '../users/users.repository.ts';
import { AppError } from '../lib/errors.ts';
import { isStorageUnavailable, isUniqueViolation } from '../lib/db/errors.ts';
import { claimedSvixId, type Verifier } from './verify.ts';
import { eventObjectId, eventUserId, parseClerkEvent, type ParsedEvent } from './clerk-event.ts';
import { project, type Projector } from '../sync/projector.ts';

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
  uow: UnitOfWork;
  verify: Verifier;
  publisher: Publisher;
  deliveryLog: DeliveryLog;
  logger: Logger;
  projector?: Projector;
  now?: () => number; // performance clock, for durations
}

export function createWebhooksService(deps: WebhooksDeps) {
  const projector = deps.projector ?? project;
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
    return { status: err.status, body: { error: { code: err.code, message: err.message } }, deliveryId: row?.id ?? null };
  }

  async function receive(req: WebhookRequest): Promise<WebhookAnswer> {
    let svixId: string;
    let parsed: ParsedEvent;
    let verified = false;
    try {
      const v = deps.verify(req.rawBody, req.headers);
      verified = true;
      svixId = v.svixId;
      parsed = parseClerkEvent(v.json, req.receivedAt);
    } catch (err) {
      if (err instanceof AppError) return reject(req, err, verified);
      throw err;
    }
    return ingest(req, svixId, parsed);
  }

  /** Store and apply a verified event; also the path a replay takes (`replayOf`). */
  async function ingest(req: WebhookRequest, svixId: string, e: ParsedEvent, replayOf: number | null = null): Promise<WebhookAnswer> {
    const delivery = (outcome: DeliveryOutcome, httpStatus: number, eventId: number | null, error: string | null = null): NewDelivery => ({
      ...requestFacts(req),
      eventType: e.type,
      outcome,
      httpStatus,
      errorCode: error ? (outcome === 'unavailable' ? 'storage_unavailable' : 'apply_failed') : null,
      error,
      durationMs: now() - req.startedAt,
      verified: true,
      eventId,
      replayOf,
    });
    const ok = (outcome: DeliveryOutcome, deliveryId: number | null): WebhookAnswer => ({
      status: 200,
      body: { ok: true, svixId, outcome },
      deliveryId,
    });
    const lockKeys = [eventObjectId(e), svixId].filter((k): k is string => k !== null);

    try {
      const existing = await deps.uow.repos.events.findBySvixId(svixId);
      // At-least-once delivery: a retry of an event already handled is acknowledged, never re-applied.
      // A replay or a retry of a *failed* apply runs the apply path again.
      if (existing && existing.outcome !== 'failed' && replayOf === null) {
        const row = await deps.deliveryLog.record(delivery('duplicate', 200, existing.id));
        return ok('duplicate', row?.id ?? null);
      }
      const committed = await deps.uow.transaction(async (repos) => {
        const applied = await projector(repos, e, svixId);
        // A replay of an event that applied fine records its own outcome on the delivery only.
        const event = existing
          ? existing.outcome === 'failed'
            ? await repos.events.setOutcome(existing.id, applied.outcome, null, new Date())
            : await repos.events.getById(existing.id)
          : await repos.events.insert({
              svixId,
              type: e.type,
              objectId: eventObjectId(e),
              userId: eventUserId(e),
              occurredAt: e.envelope.timestamp !== undefined ? new Date(e.envelope.timestamp) : null,
              payload: req.rawBody.toString('utf8'),
              outcome: applied.outcome,
              error: null,
              receivedAt: req.receivedAt,
              appliedAt: new Date(),
            });
        const row = await repos.deliveries.insert(delivery(applied.outcome, 200, event.id));
        const user = applied.userChanged ? await repos.users.get(applied.userChanged) : null;
        return { event, row, user, outcome: applied.outcome };
      }, lockKeys);
      deps.publisher.eventReceived(toEventSummary(committed.event));
      deps.publisher.deliveryRecorded(toDeliverySummary(committed.row));
      if (committed.user) deps.publisher.userChanged(toUserSummary(committed.user));
      return ok(committed.outcome, committed.row.id);
    } catch (err) {
      if (isUniqueViolation(err) && replayOf === null) {
        // Another request stored the same svix-id a moment ago (two endpoints, or a retry racing).
        const other = await deps.uow.repos.events.findBySvixId(svixId).catch(() => null);
        const row = await deps.deliveryLog.record(delivery('duplicate', 200, other?.id ?? null));
        return ok('duplicate', row?.id ?? null);
      }
      if (isStorageUnavailable(err)) {
        deps.logger.warn({ err, svixId }, 'storage unavailable, asking Svix to retry');
        return reject(req, new AppError('storage_unavailable', 503, 'Storage is unavailable; retry later'), true, e.type, replayOf);
      }
      return recordApplyFailure(req, svixId, e, err, delivery, replayOf);
    }
  }

  /**
   * The apply step threw for a reason other than storage: keep the event (so nothing acknowledged is
   * lost and an operator can replay it) and answer 500, so Svix's retries re-run the apply.
   */
  async function recordApplyFailure(
    req: WebhookRequest,
    svixId: string,
    e: ParsedEvent,
    err: unknown,
    delivery: (o: DeliveryOutcome, s: number, id: number | null, error?: string | null) => NewDelivery,
    replayOf: number | null,
  ): Promise<WebhookAnswer> {
    const message = err instanceof Error ? err.message.slice(0, 2000) : String(err);
    deps.logger.error({ err, svixId, type: e.type }, 'applying event failed');
    try {
      const committed = await deps.uow.transaction(async (repos) => {
        const existing = await repos.events.findBySvixId(svixId);
        const event = existing
          ? await repos.events.setOutcome(existing.id, 'failed', message, null)
          : await repos.events.insert({
              svixId,
              type: e.type,
              objectId: eventObjectId(e),
              userId: eventUserId(e),
              occurredAt: e.envelope.timestamp !== undefined ? new Date(e.envelope.timestamp) : null,
              payload: req.rawBody.toString('utf8'),
              outcome: 'failed',
              error: message,
              receivedAt: req.receivedAt,
              appliedAt: null,
            });
        const row = await repos.deliveries.insert(delivery('failed', 500, event.id, message));
        return { event, row };
      });
      deps.publisher.eventReceived(toEventSummary(committed.event));
      deps.publisher.deliveryRecorded(toDeliverySummary(committed.row));
      return {
        status: 500,
        body: { error: { code: 'apply_failed', message: `Stored, but applying it failed: ${message}` } },
        deliveryId: committed.row.id,
      };
    } catch (err2) {
      if (!isStorageUnavailable(err2)) deps.logger.error({ err: err2, svixId }, 'recording the failed apply failed');
      return reject(req, new AppError('storage_unavailable', 503, 'Storage is unavailable; retry later'), true, e.type, replayOf);
    }
  }

  return { receive, reject, ingest };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;

const REDACTED_HEADERS = new Set(['svix-signature', 'webhook-signature', 'authorization', 'cookie']);

/** What every delivery row records about the request itself: headers (secrets redacted) and a capped body. */
function requestFacts(req: WebhookRequest): Pick<NewDelivery, 'receivedAt' | 'svixId' | 'headers' | 'body' | 'bodyBytes' | 'bodyTruncated'> {
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
    body: clean(req.rawBody.subarray(0, STORED_BODY_LIMIT).toString('utf8')),
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
