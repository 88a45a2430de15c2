// A Backend API compatible with the part of Clerk's (https://clerk.com/docs/reference/backend-api) that a sync
// monitor uses: users (list, count, get) and sessions. Same paths under /v1, same snake_case JSON, same error body,
// Bearer secret-key auth and the per-key rate limit — so the real @clerk/backend client works against it.
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response, type NextFunction } from 'express';
import type { Store, UserFilter, UserOrderField } from './store.ts';
import { USER_ORDER_FIELDS } from './store.ts';
import type { RateLimiter } from './rate-limit.ts';
import type {
  ClerkErrorJson,
  ClerkErrorsJson,
  ClerkPaginatedListJson,
  ClerkSessionJson,
  ClerkTotalCountJson,
} from '../server/src/clerk/clerk-json.ts';

const traceId = () => randomBytes(16).toString('hex');

/**
 * @clerk/backend only parses a body as JSON when Content-Type is exactly `application/json`; Express' res.json
 * appends `; charset=utf-8`, so write the body ourselves.
 */
export function sendClerkJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

export function sendClerkError(res: Response, status: number, error: ClerkErrorJson): void {
  const id = traceId();
  res.setHeader('X-Clerk-Trace-Id', id);
  const body: ClerkErrorsJson = { errors: [error], clerk_trace_id: id };
  sendClerkJson(res, status, body);
}

export const clerkErrors = {
  notFound: (): ClerkErrorJson => ({ message: 'not found', long_message: 'Resource not found', code: 'resource_not_found' }),
  unauthorized: (): ClerkErrorJson => ({
    message: 'Invalid authentication',
    long_message: 'Unable to authenticate the request, you need to supply an active API key',
    code: 'authentication_invalid',
  }),
  tooManyRequests: (): ClerkErrorJson => ({
    message: 'Too many requests',
    long_message: 'Too many requests, retry later',
    code: 'too_many_requests',
  }),
  timeout: (): ClerkErrorJson => ({
    message: 'request timed out',
    long_message: 'The request took too long to complete; narrow it down (a large offset walks every row before it)',
    code: 'request_timeout',
  }),
  invalidParam: (param: string, detail: string): ClerkErrorJson => ({
    message: 'is invalid',
    long_message: `${param} ${detail}`,
    code: 'form_param_value_invalid',
    meta: { param_name: param },
  }),
};

class ParamError extends Error {
  constructor(
    readonly param: string,
    readonly detail: string,
  ) {
    super(`${param} ${detail}`);
  }
}

/** Express' simple query parser yields string | string[]; accept both `user_id=` and `user_id[]=`. */
const listParam = (req: Request, name: string): string[] => {
  const q = req.query as Record<string, string | string[] | undefined>;
  return [q[name], q[`${name}[]`]].flat().filter((v): v is string => typeof v === 'string' && v !== '');
};
const oneParam = (req: Request, name: string): string | undefined => listParam(req, name)[0];

const intParam = (req: Request, name: string, def: number, min: number, max: number): number => {
  const raw = oneParam(req, name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ParamError(name, `must be an integer between ${min} and ${max}`);
  }
  return n;
};

/** An optional epoch-ms parameter (created_at_after / created_at_before). */
const msParam = (req: Request, name: string): number | undefined => {
  const raw = oneParam(req, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new ParamError(name, 'must be a unix timestamp in milliseconds');
  return n;
};

const userFilter = (req: Request): UserFilter => {
  const userIds = listParam(req, 'user_id');
  const emailAddresses = listParam(req, 'email_address');
  if (userIds.length > 100) throw new ParamError('user_id', 'accepts at most 100 values');
  if (emailAddresses.length > 100) throw new ParamError('email_address', 'accepts at most 100 values');
  const createdAfter = msParam(req, 'created_at_after');
  const createdBefore = msParam(req, 'created_at_before');
  return {
    userIds,
    emailAddresses,
    query: oneParam(req, 'query'),
    ...(createdAfter !== undefined ? { createdAfter } : {}),
    ...(createdBefore !== undefined ? { createdBefore } : {}),
  };
};

/**
 * GET /v1/users with a large offset "gets progressively slower and eventually times out" (the spec): every row
 * before the offset is walked and discarded. Past `slowFrom` each page waits `msPer10k` per 10,000 rows skipped;
 * from `timeoutFrom` on it answers 504. null: every offset is fast (tests of something else).
 */
export interface DeepOffsetBehaviour {
  slowFrom: number;
  msPer10k: number;
  timeoutFrom: number;
}

export const CLERK_DEEP_OFFSET: DeepOffsetBehaviour = { slowFrom: 10_000, msPer10k: 20, timeoutFrom: 200_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const orderBy = (req: Request): { field: UserOrderField; desc: boolean } => {
  const raw = oneParam(req, 'order_by') ?? '-created_at';
  const m = /^([+-]?)([a-z_0-9]+)$/.exec(raw.trim());
  const field = m?.[2] as UserOrderField | undefined;
  if (!m || !field || !USER_ORDER_FIELDS.includes(field)) {
    throw new ParamError('order_by', `must be one of ${USER_ORDER_FIELDS.join(', ')}, optionally prefixed with + or -`);
  }
  return { field, desc: m[1] === '-' };
};

export function createBackendApiRouter(deps: {
  store: Store;
  secretKey: () => string;
  rateLimiter: RateLimiter;
  deepOffset?: () => DeepOffsetBehaviour | null;
}): Router {
  const { store, rateLimiter } = deps;
  const router = Router();

  // Auth before the limit: Clerk counts requests per secret key, so an unknown key has no bucket to spend.
  router.use((req: Request, res: Response, next: NextFunction) => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!m || m[1] !== deps.secretKey()) return sendClerkError(res, 401, clerkErrors.unauthorized());
    const decision = rateLimiter.take(m[1]);
    if (!decision.ok) {
      res.setHeader('Retry-After', String(decision.retryAfterSeconds));
      return sendClerkError(res, 429, clerkErrors.tooManyRequests());
    }
    next();
  });

  router.get('/users', async (req, res) => {
    const limit = intParam(req, 'limit', 10, 1, 500);
    const offset = intParam(req, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const order = orderBy(req);
    const startingAfter = oneParam(req, 'starting_after');
    const endingBefore = oneParam(req, 'ending_before');
    const cursorParam = startingAfter ? 'starting_after' : 'ending_before';
    if ((startingAfter || endingBefore) && order.field !== 'created_at') {
      throw new ParamError(cursorParam, 'can only be used when ordering by created_at');
    }
    if ((startingAfter || endingBefore) && offset !== 0) throw new ParamError(cursorParam, 'cannot be combined with a non-zero offset');
    const deep = deps.deepOffset?.() ?? null;
    if (deep && offset >= deep.slowFrom) {
      await sleep(Math.min(offset, deep.timeoutFrom) / 10_000 * deep.msPer10k);
      if (offset >= deep.timeoutFrom) return sendClerkError(res, 504, clerkErrors.timeout());
    }
    res.status(200).setHeader('Content-Type', 'application/json');
    res.end(store.listUsersJson({ ...userFilter(req), limit, offset, orderBy: order, startingAfter, endingBefore }));
  });

  router.get('/users/count', (req, res) => {
    const count: ClerkTotalCountJson = { object: 'total_count', total_count: store.countUsers(userFilter(req)) };
    sendClerkJson(res, 200, count);
  });

  router.get('/users/:id', (req, res) => {
    const user = store.getUser(req.params.id);
    if (!user) return sendClerkError(res, 404, clerkErrors.notFound());
    sendClerkJson(res, 200, user);
  });

  router.get('/sessions', (req, res) => {
    const limit = intParam(req, 'limit', 10, 1, 500);
    const offset = intParam(req, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const all = store.sessions({ userId: oneParam(req, 'user_id'), status: oneParam(req, 'status') });
    const page = all.slice(offset, offset + limit);
    // `paginated=true` (what @clerk/backend sends) wraps the page with a total; without it Clerk answers an array.
    if (oneParam(req, 'paginated') === 'true') {
      const paginated: ClerkPaginatedListJson<ClerkSessionJson> = { data: page, total_count: all.length };
      return sendClerkJson(res, 200, paginated);
    }
    sendClerkJson(res, 200, page);
  });

  router.get('/sessions/:id', (req, res) => {
    const s = store.getSession(req.params.id);
    if (!s) return sendClerkError(res, 404, clerkErrors.notFound());
    sendClerkJson(res, 200, s);
  });

  router.use((_req, res) => sendClerkError(res, 404, clerkErrors.notFound()));

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof ParamError) return sendClerkError(res, 422, clerkErrors.invalidParam(err.param, err.detail));
    sendClerkError(res, 500, { message: 'internal error', long_message: 'The emulator failed', code: 'internal_clerk_error' });
  });

  return router;
}
