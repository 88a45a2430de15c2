// A Backend API compatible with the part of Clerk's (https://clerk.com/docs/reference/backend-api) that a sync
// monitor uses: users (list, count, get), sessions, organizations with their memberships and invitations, every
// membership of the instance. Same paths under /v1, same snake_case JSON, same error body,
// Bearer secret-key auth and the per-key rate limit — so the real @clerk/backend client works against it.
import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response, type NextFunction } from 'express';
import type { Store, UserFilter, UserOrderField } from './store.ts';
import { USER_ORDER_FIELDS } from './store.ts';
import {
  INVITATION_ORDER_FIELDS,
  MEMBERSHIP_ORDER_FIELDS,
  ORGANIZATION_ORDER_FIELDS,
  type IdSelection,
} from './organizations-store.ts';
import type { InvitationJson } from './factories.ts';
import type { RateLimiter } from './rate-limit.ts';
import {
  CLERK_ORGANIZATION_INVITATION_STATUSES,
  type ClerkErrorJson,
  type ClerkErrorsJson,
  type ClerkOrganizationJson,
  type ClerkOrganizationListJson,
  type ClerkOrganizationMembershipListJson,
  type ClerkPaginatedListJson,
  type ClerkSessionJson,
  type ClerkTotalCountJson,
} from '../server/src/clerk/clerk-json.ts';

/**
 * How GET /v1/users behaves where the spec leaves room or describes a cost (each can be switched, so tests can
 * hold the monitor to every behaviour Clerk might have).
 */
export interface UserListBehaviour {
  /**
   * A large `offset` walks and discards every row before it, "gets progressively slower and eventually times
   * out": `msPerRow` of delay per row beyond `slowAfter`, and a 504 after `timeoutMs` when the delay would be
   * longer. null: every offset costs the same.
   */
  deepOffset: { slowAfter: number; msPerRow: number; timeoutMs: number } | null;
  /** whether created_at_after / created_at_before include users created at exactly that millisecond */
  createdAtBounds: 'exclusive' | 'inclusive';
  /** the answer to starting_after naming a user that no longer exists: an empty page, a 404 or a 422 */
  deletedCursor: 'empty' | 'not_found' | 'unprocessable';
}

export const DEFAULT_USER_LIST_BEHAVIOUR: UserListBehaviour = {
  // 20 ms per 1,000 rows past the first 10,000; offsets past ~510,000 time out
  deepOffset: { slowAfter: 10_000, msPerRow: 0.02, timeoutMs: 10_000 },
  // "created after / before the given date": strictly, as the words say
  createdAtBounds: 'exclusive',
  deletedCursor: 'empty',
};

const traceId = () => randomBytes(16).toString('hex');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
  notFound: (): ClerkErrorJson => ({
    message: 'not found',
    long_message: 'Resource not found',
    code: 'resource_not_found',
  }),
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
    message: 'Request timed out',
    long_message:
      'The request took too long to complete, try again with a smaller offset or paginate with starting_after',
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
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n))
    throw new ParamError(name, 'must be a unix timestamp in milliseconds');
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

/** `order_by`: one of `fields`, `+` (the default, which a query string may turn into a space) or `-` before it. */
const orderParam = <F extends string>(req: Request, fields: readonly F[]): { field: F; desc: boolean } => {
  const raw = oneParam(req, 'order_by') ?? '-created_at';
  const m = /^([+-]?)([a-z_0-9]+)$/.exec(raw.trim());
  const field = m?.[2] as F | undefined;
  if (!m || !field || !fields.includes(field)) {
    throw new ParamError('order_by', `must be one of ${fields.join(', ')}, optionally prefixed with + or -`);
  }
  return { field, desc: m[1] === '-' };
};
const orderBy = (req: Request): { field: UserOrderField; desc: boolean } => orderParam(req, USER_ORDER_FIELDS);

/** A repeatable parameter with at most `max` values (the spec's "accepts up to 100"). */
const manyParam = (req: Request, name: string, max = 100): string[] => {
  const values = listParam(req, name);
  if (values.length > max) throw new ParamError(name, `accepts at most ${max} values`);
  return values;
};

/** Clerk's `+id` / `-id` lists (`+` implied; a query string may have turned it into a space). */
const idSelection = (req: Request, name: string, max = 100): IdSelection => {
  const sel: IdSelection = { include: [], exclude: [] };
  for (const raw of manyParam(req, name, max)) {
    const v = raw.trim();
    if (v.startsWith('-')) sel.exclude.push(v.slice(1));
    else sel.include.push(v.startsWith('+') ? v.slice(1) : v);
  }
  return sel;
};

const boolParam = (req: Request, name: string): boolean => {
  const raw = oneParam(req, name);
  if (raw === undefined) return false;
  if (raw !== 'true' && raw !== 'false') throw new ParamError(name, 'must be true or false');
  return raw === 'true';
};

const pageParams = (req: Request) => ({
  limit: intParam(req, 'limit', 10, 1, 500),
  offset: intParam(req, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
});

/**
 * The organization as the Backend API answers it: the member counts only when asked (`include_members_count`), the
 * elevated-permissions flag only when asked too. Webhooks always carry all three (the spec's examples).
 */
const organizationAnswer = (
  org: ClerkOrganizationJson,
  flags: { counts: boolean; missingMember: boolean },
): ClerkOrganizationJson => {
  const {
    members_count: members,
    pending_invitations_count: pending,
    missing_member_with_elevated_permissions: missing,
    ...rest
  } = org;
  return {
    ...rest,
    ...(flags.counts ? { members_count: members, pending_invitations_count: pending } : {}),
    ...(flags.missingMember ? { missing_member_with_elevated_permissions: missing } : {}),
  };
};
const organizationFlags = (req: Request) => ({
  counts: boolParam(req, 'include_members_count'),
  missingMember: boolParam(req, 'include_missing_member_with_elevated_permissions'),
});

export function createBackendApiRouter(deps: {
  store: Store;
  secretKey: () => string;
  rateLimiter: RateLimiter;
  userList?: () => UserListBehaviour;
}): Router {
  const { store, rateLimiter } = deps;
  const userList = deps.userList ?? (() => DEFAULT_USER_LIST_BEHAVIOUR);
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
    const behaviour = userList();
    const limit = intParam(req, 'limit', 10, 1, 500);
    const offset = intParam(req, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const order = orderBy(req);
    const startingAfter = oneParam(req, 'starting_after');
    const endingBefore = oneParam(req, 'ending_before');
    const cursorParam = startingAfter !== undefined ? 'starting_after' : 'ending_before';
    if ((startingAfter || endingBefore) && order.field !== 'created_at') {
      throw new ParamError(cursorParam, 'can only be used when ordering by created_at');
    }
    if ((startingAfter || endingBefore) && offset !== 0)
      throw new ParamError(cursorParam, 'cannot be combined with a non-zero offset');
    // epoch milliseconds, turned into the store's half-open [from, to)
    const after = msParam(req, 'created_at_after');
    const before = msParam(req, 'created_at_before');
    const inclusive = behaviour.createdAtBounds === 'inclusive';
    const createdAt = {
      ...(after === undefined ? {} : { from: inclusive ? after : after + 1 }),
      ...(before === undefined ? {} : { to: inclusive ? before + 1 : before }),
    };
    // the window goes as `createdAt` (its bounds read as `behaviour` says), not as the count's exclusive filter
    const { createdAfter: _after, createdBefore: _before, ...filter } = userFilter(req);
    const body = store.listUsersJson({
      ...filter,
      limit,
      offset,
      orderBy: order,
      startingAfter,
      endingBefore,
      createdAt,
    });
    if (body === null) {
      if (behaviour.deletedCursor === 'not_found') return sendClerkError(res, 404, clerkErrors.notFound());
      if (behaviour.deletedCursor === 'unprocessable') throw new ParamError(cursorParam, 'does not match any user');
    }
    const deep = behaviour.deepOffset;
    const delayMs = deep ? Math.max(0, offset - deep.slowAfter) * deep.msPerRow : 0;
    if (deep && delayMs > deep.timeoutMs) {
      await sleep(deep.timeoutMs);
      return sendClerkError(res, 504, clerkErrors.timeout());
    }
    if (delayMs > 0) await sleep(delayMs);
    res.status(200).setHeader('Content-Type', 'application/json');
    res.end(body ?? '[]');
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

  // Organizations, their memberships and invitations: offset paging only (the spec gives these lists no cursor and
  // says nothing of deep offsets, so every offset costs the same here).
  router.get('/organizations', (req, res) => {
    const flags = organizationFlags(req);
    const answer = store.listOrganizations({
      ...pageParams(req),
      orderBy: orderParam(req, ORGANIZATION_ORDER_FIELDS),
      query: oneParam(req, 'query'),
      userIds: idSelection(req, 'user_id', Number.MAX_SAFE_INTEGER),
      organizationIds: idSelection(req, 'organization_id'),
    });
    const body: ClerkOrganizationListJson = {
      data: answer.data.map((o) => organizationAnswer(o, flags)),
      total_count: answer.total_count,
    };
    sendClerkJson(res, 200, body);
  });

  // by id or by slug, as the spec allows
  router.get('/organizations/:id', (req, res) => {
    const flags = organizationFlags(req);
    const org = store.getOrganization(req.params.id);
    if (!org) return sendClerkError(res, 404, clerkErrors.notFound());
    sendClerkJson(res, 200, organizationAnswer(org, flags));
  });

  router.get('/organizations/:id/memberships', (req, res) => {
    const query = {
      ...pageParams(req),
      orderBy: orderParam(req, MEMBERSHIP_ORDER_FIELDS),
      userIds: idSelection(req, 'user_id'),
      emailAddresses: manyParam(req, 'email_address'),
      phoneNumbers: manyParam(req, 'phone_number'),
      usernames: manyParam(req, 'username'),
      web3Wallets: manyParam(req, 'web3_wallet'),
      roles: manyParam(req, 'role'),
      query: oneParam(req, 'query'),
      emailAddressQuery: oneParam(req, 'email_address_query'),
      phoneNumberQuery: oneParam(req, 'phone_number_query'),
      usernameQuery: oneParam(req, 'username_query'),
      nameQuery: oneParam(req, 'name_query'),
      lastActiveAtBefore: msParam(req, 'last_active_at_before'),
      lastActiveAtAfter: msParam(req, 'last_active_at_after'),
      createdAtBefore: msParam(req, 'created_at_before'),
      createdAtAfter: msParam(req, 'created_at_after'),
    };
    // an organization that does not exist (or no longer does) has no member list: Clerk's 404 (by id only: the
    // spec takes a slug for the organization itself, not for its lists)
    if (store.getOrganization(req.params.id)?.id !== req.params.id) {
      return sendClerkError(res, 404, clerkErrors.notFound());
    }
    const body: ClerkOrganizationMembershipListJson = store.listMemberships(req.params.id, query);
    sendClerkJson(res, 200, body);
  });

  router.get('/organizations/:id/invitations', (req, res) => {
    const statuses = manyParam(req, 'status');
    for (const status of statuses) {
      if (!(CLERK_ORGANIZATION_INVITATION_STATUSES as readonly string[]).includes(status)) {
        throw new ParamError('status', `must be one of ${CLERK_ORGANIZATION_INVITATION_STATUSES.join(', ')}`);
      }
    }
    const query = {
      ...pageParams(req),
      orderBy: orderParam(req, INVITATION_ORDER_FIELDS),
      statuses,
      emailAddress: oneParam(req, 'email_address'),
    };
    if (store.getOrganization(req.params.id)?.id !== req.params.id) {
      return sendClerkError(res, 404, clerkErrors.notFound());
    }
    const body: ClerkPaginatedListJson<InvitationJson> = store.listInvitations(req.params.id, query);
    sendClerkJson(res, 200, body);
  });

  router.get('/users/:id/organization_memberships', (req, res) => {
    const page = pageParams(req);
    if (!store.getUser(req.params.id)) return sendClerkError(res, 404, clerkErrors.notFound());
    const body: ClerkOrganizationMembershipListJson = store.listUserMemberships(req.params.id, page);
    sendClerkJson(res, 200, body);
  });

  // Every membership of the instance, each with its organization: paged by offset like the other organization lists
  // (limit 1..500, `{ data, total_count }`), ordered by the spec's order_by fields (created_at: the membership's).
  router.get('/organization_memberships', (req, res) => {
    const body: ClerkOrganizationMembershipListJson = store.listAllMemberships({
      ...pageParams(req),
      orderBy: orderParam(req, MEMBERSHIP_ORDER_FIELDS),
    });
    sendClerkJson(res, 200, body);
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
    sendClerkError(res, 500, {
      message: 'internal error',
      long_message: 'The emulator failed',
      code: 'internal_clerk_error',
    });
  });

  return router;
}
