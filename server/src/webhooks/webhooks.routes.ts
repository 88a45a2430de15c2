import express, { Router, type ErrorRequestHandler } from 'express';
import type { WebhooksService, WebhookRequest, WebhookAnswer } from './webhooks.service.ts';
import { AppError } from '../lib/errors.ts';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** Writes the small JSON answer directly: res.json's ETag hashing and content negotiation cost ~10 % of the hot path. */
function send(res: express.Response, answer: WebhookAnswer) {
  const body = JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * POST /api/webhooks/clerk. Mounted before any JSON parser: the signature covers the exact bytes
 * (https://docs.svix.com/receiving/verifying-payloads/how), so the body is read raw, whatever its content type.
 */
export function webhookRoutes(service: WebhooksService) {
  const r = Router();
  const arrival = (res: express.Response) => res.locals as { receivedAt: Date; startedAt: number };

  r.post(
    '/',
    (_req, res, next) => {
      arrival(res).receivedAt = new Date();
      arrival(res).startedAt = performance.now();
      next();
    },
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }),
    async (req, res) => {
      const answer = await service.receive(toRequest(req, res, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)));
      send(res, answer);
    },
  );

  // Errors while reading the body (too large, bad encoding, aborted) still get a delivery-log row.
  const bodyErrors: ErrorRequestHandler = async (err, req, res, next) => {
    const status: unknown = err?.status;
    if (typeof status !== 'number' || status >= 500 || res.headersSent) return next(err);
    const appErr =
      err.type === 'entity.too.large'
        ? new AppError('payload_too_large', 413, `Body exceeds ${WEBHOOK_BODY_LIMIT} bytes`)
        : new AppError(String(err.type ?? 'bad_request').replaceAll('.', '_'), status, String(err.message));
    const answer = await service.reject(toRequest(req, res, Buffer.alloc(0)), appErr);
    send(res, answer);
  };
  r.use(bodyErrors);
  return r;

  function toRequest(req: express.Request, res: express.Response, rawBody: Buffer): WebhookRequest {
    const { receivedAt, startedAt } = arrival(res);
    return { rawBody, headers: req.headers, receivedAt: receivedAt ?? new Date(), startedAt: startedAt ?? performance.now() };
  }
}
