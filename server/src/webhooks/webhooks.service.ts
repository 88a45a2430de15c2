// The webhook pipeline: verify → store → apply → publish (Svix delivers at least once, signed), each step in one place:
//   verify   `receive` below: the signature (verify.ts), then what the event is (clerk-event.ts)
//   store    the event store behind ports.ts (ingest/ingest-store.ts): event and delivery-log rows, one
//            group-committed transaction (ingest/records.ts)
//   apply    in that same transaction (ingest/apply.ts): the ordering rules (sync/rules.ts), then the users',
//            sessions' and organizations' (memberships', invitations') tables
//   publish  `publish` below, once the transaction committed
// Answer 2xx only once the event is committed; 4xx for what can never succeed; 503 when storage is
// down so Svix retries. Every request leaves a delivery-log row, except refused requests past their source's
// budget (rejected-limiter.ts): one row says the source was limited, the rest are counted, not stored. A
// request whose signature did not verify keeps only its facts (rejectedFacts below), never its body.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { DeliveryOutcome } from '../contract.ts';
import type { Logger } from '../lib/logger.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { DeliveryRecorder, EventStore, IngestResult, PipelineObserver, RequestFacts } from './ports.ts';
import type { RejectedLimiter } from './rejected-limiter.ts';
import { AppError } from '../lib/errors.ts';
import { isStorageUnavailable } from '../lib/db/errors.ts';
import { MAX_JSON_DEPTH, jsonDeeperThan } from '../lib/json-depth.ts';
import { claimedSvixId, SignedBodyError, type Verified, type Verifier } from './verify.ts';
import { parseClerkEvent, type ParsedEvent } from './clerk-event.ts';

export const STORED_BODY_LIMIT = 64 * 1024;
/** What a request whose signature did not verify keeps of its body: this many bytes, and a SHA-256 of all of it. */
export const REJECTED_BODY_PREFIX = 256;
/** ... of its svix-id: Svix's are 31 characters. */
const REJECTED_SVIX_ID_LENGTH = 64;
/** The headers it keeps (each cut to 100 characters; signatures reduced to their shape). */
const REJECTED_HEADERS = [
  'content-type',
  'content-length',
  'user-agent',
  'svix-timestamp',
  'webhook-timestamp',
  'svix-signature',
  'webhook-signature',
];

/** Svix stops retrying a message when the answer carries this (docs.svix.com/receiving/delivery-control). */
const ABORT_RETRIES = { 'webhook-delivery': 'abort-message' };

export interface WebhookRequest {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
  /** performance.now() when the request arrived */
  startedAt: number;
  /** the client's address (Express's req.ip, so TRUST_PROXY applies); null for replays */
  sourceIp?: string | null;
  /** size of the request line's headers as received, in bytes */
  headerBytes?: number;
  /** the request's X-Request-Id: a 500 names it instead of its error */
  requestId?: string;
}

export type WebhookAnswerBody =
  | { ok: true; svixId: string; outcome: DeliveryOutcome; error?: string }
  | { error: { code: string; message: string; requestId?: string } };

export interface WebhookAnswer {
  status: number;
  body: WebhookAnswerBody;
  headers?: Record<string, string>;
  /** the delivery-log row this request produced (null when the log is down, or the source is over its budget) */
  deliveryId: number | null;
}

/** Refusals that leave no delivery-log row (counted in metrics, and logged at most every few seconds). */
export type UnloggedRefusal = 'rate_limited' | 'too_many_open';

export interface WebhooksDeps {
  store: EventStore;
  verify: Verifier;
  publisher: Publisher;
  deliveryLog: DeliveryRecorder;
  logger: Logger;
  /** the incident tracker */
  observer?: PipelineObserver;
  /** budget of unverified requests per source; absent: every one is logged */
  rejectedLimiter?: RejectedLimiter | null;
  /** a refusal that left no row (metrics) */
  onUnlogged?: (reason: UnloggedRefusal) => void;
  now?: () => number; // performance clock, for durations
  /** a committed event conflicted with the version held at the same updated_at: resync that user from Clerk */
  onConflict?: (userId: string) => void;
  /** the same for an organization (its version, or the one a membership event embeds) */
  onOrganizationConflict?: (organizationId: string) => void;
}

export function createWebhooksService(deps: WebhooksDeps) {
  const now = deps.now ?? (() => performance.now());
  const unlogged = throttledCount(deps.logger, 10_000);

  /** Logs a refused request and builds its answer; nothing but the delivery row is written. */
  async function reject(
    req: WebhookRequest,
    err: AppError,
    facts: RequestFacts,
    d: { verified: boolean; eventType: string | null; replayOf?: number | null; headers?: Record<string, string> },
  ): Promise<WebhookAnswer> {
    const row = await deps.deliveryLog.record({
      ...facts,
      eventType: d.eventType,
      outcome: err.status === 503 ? 'unavailable' : 'rejected',
      httpStatus: err.status,
      errorCode: err.code,
      error: err.message,
      durationMs: now() - req.startedAt,
      verified: d.verified,
      eventId: null,
      replayOf: d.replayOf ?? null,
    });
    deps.observer?.observe({
      at: req.receivedAt,
      outcome: err.status === 503 ? 'unavailable' : 'rejected',
      httpStatus: err.status,
      errorCode: err.code,
      error: err.message,
      verified: d.verified,
      replay: (d.replayOf ?? null) !== null,
      svixId: claimedSvixId(req.headers),
      eventType: d.eventType,
      deliveryId: row?.id ?? null,
      eventId: null,
      userId: null,
    });
    return {
      status: err.status,
      body: { error: { code: err.code, message: err.message } },
      ...(d.headers || err.extra.headers ? { headers: { ...err.extra.headers, ...d.headers } } : {}),
      deliveryId: row?.id ?? null,
    };
  }

  /**
   * A request whose signature did not verify (or whose body could not even be read): its facts only, and past
   * its source's budget not even those — a 429 and a count.
   */
  async function refuse(req: WebhookRequest, err: AppError): Promise<WebhookAnswer> {
    const limit =
      deps.rejectedLimiter && req.sourceIp
        ? await deps.rejectedLimiter.take(req.sourceIp)
        : ({ allowed: true } as const);
    if (limit.allowed) return reject(req, err, rejectedFacts(req), { verified: false, eventType: null });
    const retryAfter = { 'retry-after': String(limit.retryAfterSeconds) };
    const limited = new AppError(
      'rate_limited',
      429,
      `Too many refused requests from this source (more than ${deps.rejectedLimiter!.perMinute} a minute); try again in ${limit.retryAfterSeconds} s`,
    );
    if (limit.first) {
      // One row per source and minute says it was limited (and why its first refused request was refused).
      const summary = new AppError(
        limited.code,
        429,
        `${limited.message}. Further refused requests from ${req.sourceIp} are answered 429 without a row until then; this one: ${err.code}`,
      );
      return {
        ...(await reject(req, summary, rejectedFacts(req), { verified: false, eventType: null })),
        body: { error: { code: limited.code, message: limited.message } },
        headers: retryAfter,
      };
    }
    refusedUnlogged('rate_limited', req.sourceIp ?? null);
    return {
      status: 429,
      body: { error: { code: limited.code, message: limited.message } },
      headers: retryAfter,
      deliveryId: null,
    };
  }

  function refusedUnlogged(reason: UnloggedRefusal, source: string | null): void {
    deps.onUnlogged?.(reason);
    unlogged(reason, source);
  }

  /** A body whose signature matched but that can never be applied: kept whole, and Svix need not retry it. */
  function refuseSigned(req: WebhookRequest, err: AppError, v: Pick<Verified, 'json'> | null): Promise<WebhookAnswer> {
    return reject(req, err, requestFacts(req), {
      verified: true,
      eventType: claimedType(v?.json),
      headers: ABORT_RETRIES,
    });
  }

  async function receive(req: WebhookRequest): Promise<WebhookAnswer> {
    let v: Verified;
    try {
      v = deps.verify(req.rawBody, req.headers);
    } catch (err) {
      if (err instanceof SignedBodyError) return refuseSigned(req, err, null);
      if (err instanceof AppError) return refuse(req, err);
      throw err;
    }
    // JSON.parse copes with any depth, but what comes after (storing the user, the API's answers, the
    // dashboard) recurses: refuse it here, once, with a row (and tell Svix not to retry what cannot succeed).
    if (jsonDeeperThan(v.text)) {
      return refuseSigned(
        req,
        new SignedBodyError(
          'json_too_deep',
          400,
          `The body nests JSON deeper than ${MAX_JSON_DEPTH} levels; Clerk's events never do`,
        ),
        v,
      );
    }
    let parsed: ParsedEvent;
    try {
      parsed = parseClerkEvent(v.json, req.receivedAt);
    } catch (err) {
      if (err instanceof AppError) return refuseSigned(req, err, v);
      throw err;
    }
    return ingest(req, v.svixId, parsed, null, v.text);
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
      r = await deps.store.ingest({
        svixId,
        event: e,
        payload,
        request: requestFacts(req, false),
        startedAt: req.startedAt,
        replayOf,
      });
    } catch (err) {
      // The batch's transaction rolled back: nothing of this event is stored, so Svix must retry it.
      const unavailable = isStorageUnavailable(err);
      deps.logger.warn(
        { err, svixId },
        unavailable ? 'storage unavailable, asking Svix to retry' : 'ingest transaction failed, asking Svix to retry',
      );
      const appErr = unavailable
        ? new AppError('storage_unavailable', 503, 'Storage is unavailable; retry later')
        : new AppError('ingest_failed', 503, 'The event could not be stored; retry later');
      return reject(req, appErr, requestFacts(req), { verified: true, eventType: e.type, replayOf });
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
      deps.logger.error(
        { svixId, type: e.type, error: r.error },
        'applying event failed again: quarantined (acknowledged, kept for a replay)',
      );
      return { status: 200, body: { ok: true, svixId, outcome: r.outcome }, deliveryId: r.delivery.id };
    }
    if (r.httpStatus === 500) {
      // The error text stays in the delivery log and the server's log: the answer goes to whoever sent the request.
      deps.logger.error({ svixId, type: e.type, error: r.error, requestId: req.requestId }, 'applying event failed');
      const where = `delivery ${r.delivery.id}${req.requestId ? `, request id ${req.requestId}` : ''}`;
      return {
        status: 500,
        body: {
          error: {
            code: 'apply_failed',
            message: `Stored, but applying it failed; the reason is in the delivery log (${where})`,
            ...(req.requestId ? { requestId: req.requestId } : {}),
          },
        },
        deliveryId: r.delivery.id,
      };
    }
    return {
      status: 200,
      body: { ok: true, svixId, outcome: r.outcome, ...(r.outcome === 'failed' && r.error ? { error: r.error } : {}) },
      deliveryId: r.delivery.id,
    };
  }

  /** What committed goes to the dashboards (after the commit: nothing is pushed that could still roll back). */
  function publish(r: IngestResult): void {
    if (r.event) deps.publisher.eventReceived(r.event);
    deps.publisher.deliveryRecorded(r.delivery);
    if (r.user) deps.publisher.userChanged(r.user);
    if (r.organization) deps.publisher.organizationChanged(r.organization);
    if (r.resyncUserId) deps.onConflict?.(r.resyncUserId);
    if (r.conflictOrganizationId) deps.onOrganizationConflict?.(r.conflictOrganizationId);
  }

  return {
    receive,
    ingest,
    /** A request refused before its body could be read (too large, bad encoding, aborted): treated as unverified. */
    refuseUnread: (req: WebhookRequest, err: AppError) => refuse(req, err),
    /** A request refused before it was read at all (too many open from its source): counted, no row. */
    refusedUnlogged,
    /** An unexpected failure: a row with a generic error (the details go to the server's log only). */
    async failed(req: WebhookRequest, err: unknown): Promise<WebhookAnswer> {
      deps.logger.error({ err, requestId: req.requestId }, 'webhook request failed');
      const message = `Internal error${req.requestId ? `; request id ${req.requestId}` : ''}`;
      const answer = await reject(req, new AppError('internal', 500, message), rejectedFacts(req), {
        verified: false,
        eventType: null,
      });
      return {
        ...answer,
        body: { error: { code: 'internal', message, ...(req.requestId ? { requestId: req.requestId } : {}) } },
      };
    },
  };
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
    sourceIp: req.sourceIp ?? null,
    headerBytes: req.headerBytes ?? null,
    bodySha256: null,
  };
}

/**
 * What a request whose signature did not verify keeps: when, from where, the svix-id it claimed (cut short),
 * sizes, a few named headers cut short, the first REJECTED_BODY_PREFIX bytes of its body and a SHA-256 of all
 * of it — a few hundred bytes whatever it sent, since anyone can send these.
 */
function rejectedFacts(req: WebhookRequest): RequestFacts {
  const headers: Record<string, string> = {};
  for (const name of REJECTED_HEADERS) {
    const value = req.headers[name];
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    headers[name] = REDACTED_HEADERS.has(name) ? redactSignature(name, text).slice(0, 100) : clean(text.slice(0, 100));
  }
  const body = req.rawBody;
  return {
    receivedAt: req.receivedAt,
    svixId: claimedSvixId(req.headers, REJECTED_SVIX_ID_LENGTH),
    headers,
    body: clean(body.subarray(0, REJECTED_BODY_PREFIX).toString('utf8')),
    bodyBytes: body.length,
    bodyTruncated: body.length > REJECTED_BODY_PREFIX,
    sourceIp: req.sourceIp ?? null,
    headerBytes: req.headerBytes ?? null,
    bodySha256: body.length > 0 ? createHash('sha256').update(body).digest('hex') : null,
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

/** The `type` a verified body names, for the log (the body is already parsed: no second parse). */
function claimedType(json: unknown): string | null {
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  return typeof type === 'string' ? clean(type.slice(0, 200)) : null;
}

/** Counts refusals that leave no row and logs them at most once per `everyMs`, with the count since. */
function throttledCount(logger: Logger, everyMs: number) {
  const counts = new Map<UnloggedRefusal, { n: number; last: number; source: string | null }>();
  return (reason: UnloggedRefusal, source: string | null) => {
    const c = counts.get(reason) ?? { n: 0, last: 0, source: null };
    c.n++;
    c.source = source;
    counts.set(reason, c);
    const t = Date.now();
    if (t - c.last < everyMs) return;
    logger.warn({ reason, refused: c.n, lastSource: source }, 'webhook requests refused without a delivery-log row');
    c.n = 0;
    c.last = t;
  };
}
