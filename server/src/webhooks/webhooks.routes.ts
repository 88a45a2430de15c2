import express, { Router, type ErrorRequestHandler } from 'express';
import type { WebhooksService, WebhookRequest, WebhookAnswer } from './webhooks.service.ts';
import { AppError } from '../lib/errors.ts';
import { sourceKey } from './rejected-limiter.ts';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookRouteOptions {
  /** requests open at once per source (IPv4 address or IPv6 /64); more are answered 429 before their body is read */
  maxOpenPerSource?: number;
}

/** Writes the small JSON answer directly: res.json's ETag hashing and content negotiation cost ~10 % of the hot path. */
function send(res: express.Response, answer: WebhookAnswer) {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * POST /api/webhooks/clerk. Mounted before any JSON parser: the signature covers the exact bytes
 * (https://docs.svix.com/receiving/verifying-payloads/how), so the body is read raw, whatever its content type.
 */
export function webhookRoutes(service: WebhooksService, opts: WebhookRouteOptions = {}) {
  const r = Router();
  const arrival = (res: express.Response) => res.locals as { receivedAt: Date; startedAt: number };
  const maxOpen = opts.maxOpenPerSource ?? 0;
  const open = new Map<string, number>();

  r.post(
    '/',
    (req, res, next) => {
      arrival(res).receivedAt = new Date();
      arrival(res).startedAt = performance.now();
      if (maxOpen > 0 && !admitted(req, res)) return;
      next();
    },
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (req, res) => {
      const answer = await service.receive(toRequest(req, res, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
      send(res, answer);
    },
  );

  /**
   * A slow sender holds its connection for as long as its body takes (up to HTTP_REQUEST_TIMEOUT_SECONDS): past
   * `maxOpen` requests from one source, the next is answered at once, unread, and its connection closed.
   */
  function admitted(req: express.Request, res: express.Response): boolean {
    const key = sourceKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const n = open.get(key) ?? 0;
    if (n >= maxOpen) {
      service.refusedUnlogged('too_many_open', req.ip ?? null);
      res.setHeader('connection', 'close');
      send(res, {
        status: 429,
        headers: { 'retry-after': '1' },
        body: {
          error: {
            code: 'too_many_open',
            message: `Too many requests open at once from this source (at most ${maxOpen}); retry later`,
          },
        },
        deliveryId: null,
      });
      return false;
    }
    open.set(key, n + 1);
    res.once('close', () => {
      const left = (open.get(key) ?? 1) - 1;
      if (left > 0) open.set(key, left);
      else open.delete(key);
    });
    return true;
  }

  // Errors while reading the body (too large, bad encoding, aborted) still get a delivery-log row.
  const bodyErrors: ErrorRequestHandler = async (err, req, res, next) => {
    const status: unknown = err?.status;
    if (typeof status !== 'number' || status >= 500 || res.headersSent) return next(err);
    const appErr =
      err.type === 'entity.too.large'
        ? new AppError('payload_too_large', 413, `Body exceeds ${WEBHOOK_BODY_LIMIT} bytes`)
        : new AppError(String(err.type ?? 'bad_request').replaceAll('.', '_'), status, String(err.message));
    const answer = await service.refuseUnread(toRequest(req, res, Buffer.alloc(0)), appErr);
    send(res, answer);
  };
  // Anything else: a row and a generic answer naming the request id; the error itself goes to the server's log.
  const unexpected: ErrorRequestHandler = async (err, req, res, next) => {
    if (res.headersSent) return next(err);
    send(res, await service.failed(toRequest(req, res, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)), err));
  };
  r.use(bodyErrors, unexpected);
  return r;

  function toRequest(req: express.Request, res: express.Response, rawBody: Buffer): WebhookRequest {
    const { receivedAt, startedAt } = arrival(res);
    const requestId = res.getHeader('x-request-id');
    return {
      rawBody,
      headers: req.headers,
      receivedAt: receivedAt ?? new Date(),
      startedAt: startedAt ?? performance.now(),
      sourceIp: req.ip ?? req.socket.remoteAddress ?? null,
      headerBytes: headerBytes(req.rawHeaders),
      ...(typeof requestId === 'string' ? { requestId } : {}),
    };
  }
}

/** Bytes of the header lines as received (`name: value\r\n` each; headers are latin1, one byte per character). */
function headerBytes(raw: string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) n += raw[i]!.length + (raw[i + 1]?.length ?? 0) + 4;
  return n;
}
