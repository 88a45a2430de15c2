// Small helpers the thin routes share: zod parsing into AppError 400, and the error middleware.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from './logger.ts';
import { AppError } from './errors.ts';
import { isStorageUnavailable } from './db/errors.ts';

export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  return parseWith(schema, value, 'body');
}

export function parseQuery<T>(schema: z.ZodType<T>, value: unknown): T {
  return parseWith(schema, value, 'query');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || where}: ${i.message}`);
  throw new AppError('invalid_request', 400, `Invalid ${where}: ${problems.join('; ')}`, { details: problems });
}

/** The request's id: a sane X-Request-Id the caller sent, else a new UUID; echoed as X-Request-Id. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

/** One place turns errors into `{ error: { code, message } }`; stacks never leave the server. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    if (res.headersSent) return;
    if (err instanceof AppError) {
      for (const [k, v] of Object.entries(err.extra.headers ?? {})) res.setHeader(k, v);
      res.status(err.status).json({
        error: {
          code: err.code,
          message: err.message,
          ...(err.extra.clerkTraceId ? { clerkTraceId: err.extra.clerkTraceId } : {}),
          ...(err.extra.details !== undefined ? { details: err.extra.details } : {}),
        },
      });
      return;
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : null;
    if (status) {
      // body-parser errors (malformed JSON, too large, unsupported encoding)
      res.status(status).json({
        error: { code: err.type ?? 'bad_request', message: err.expose ? String(err.message) : 'Bad request' },
      });
      return;
    }
    if (isStorageUnavailable(err)) {
      res.status(503).json({ error: { code: 'storage_unavailable', message: 'Storage is unavailable; retry later' } });
      return;
    }
    logger.error({ err }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Internal error' } });
  };
}
