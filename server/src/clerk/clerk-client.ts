// The Backend API client (https://clerk.com/docs/reference/backend-api): read-only towards Clerk. Retries 5xx, timeouts and
// network errors with exponential backoff (p-retry), waits out 429 for as long as Retry-After says,
// and turns Clerk's error body and trace id into an AppError the operator can read.
import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import { AppError } from '../lib/errors.ts';
import {
  CLERK_API_VERSION,
  ClerkErrorSchema,
  ClerkErrorsSchema,
  ClerkOrganizationInvitationSchema,
  ClerkOrganizationMembershipPublicUserDataSchema,
  ClerkOrganizationMembershipSchema,
  ClerkOrganizationSchema,
  ClerkSessionSchema,
  ClerkUserSchema,
  type ClerkOrganizationInvitationJson,
  type ClerkOrganizationInvitationStatus,
  type ClerkOrganizationJson,
  type ClerkOrganizationMembershipJson,
  type ClerkSessionJson,
  type ClerkTotalCountJson,
  type ClerkUserJson,
} from './clerk-json.ts';

export interface ClerkClientOptions {
  apiUrl: string; // e.g. https://api.clerk.com (the /v1 prefix is added here)
  secretKey: string;
  timeoutMs?: number;
  retries?: number;
  /** ceiling for one Retry-After wait; longer waits fail with the 429 instead */
  maxRetryAfterMs?: number;
  minBackoffMs?: number;
  /** called for every HTTP answer (metrics, rate budgets) */
  onResponse?: (status: number) => void;
  /** called before each retry of a 429 or 5xx answer, with how long until it (the live status shows it) */
  onRetry?: (info: { status: number; retryInMs: number }) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface ListUsersParams {
  limit?: number;
  offset?: number;
  orderBy?: string;
  startingAfter?: string;
  /** epoch ms; whether Clerk includes that very millisecond is not specified: callers allow for either */
  createdAtAfter?: number;
  createdAtBefore?: number;
  userIds?: string[];
  emailAddresses?: string[];
  query?: string;
}

// What an answer must hold before it is used: a user's id and version (a resync writes it, a reconcile orders and
// compares by them). The rest is Clerk's to extend and is returned exactly as Clerk sent it, never re-serialised.
const UserAnswer = ClerkUserSchema.pick({ id: true, updated_at: true });
const UserListAnswer = z.array(UserAnswer);
const SessionListAnswer = z.array(ClerkSessionSchema.pick({ id: true, user_id: true, status: true, updated_at: true }));
/** GET /v1/sessions answers 10 by default; a user's sessions are read in pages of the maximum */
const SESSION_PAGE = 500;
// Organizations, memberships and invitations: what a projection keys and orders them by, and what ties each to
// the organization (or user) asked about. Their lists are `{ data, total_count }`, paged by offset.
const OrganizationAnswer = ClerkOrganizationSchema.pick({ id: true, slug: true, updated_at: true });
const MembershipAnswer = ClerkOrganizationMembershipSchema.pick({ id: true, updated_at: true }).extend({
  organization: ClerkOrganizationSchema.pick({ id: true }),
  public_user_data: ClerkOrganizationMembershipPublicUserDataSchema.pick({ user_id: true }).optional(),
});
const InvitationAnswer = ClerkOrganizationInvitationSchema.pick({
  id: true,
  updated_at: true,
  status: true,
  organization_id: true,
});
const pageAnswer = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), total_count: z.number().int().nonnegative() });
/** the largest page the spec allows (limit 1..500): fewest requests against the rate limit */
export const CLERK_PAGE_LIMIT = 500;

/** organization_id accepts up to 100 ids (the spec's GET /v1/organizations) */
export const ORGANIZATION_ID_BATCH = 100;

export interface OrganizationsPageParams {
  /** id (exact), name or slug (partial) */
  query?: string;
  /** only these organizations (1..ORGANIZATION_ID_BATCH ids): those Clerk no longer has are left out */
  organizationIds?: string[];
  /** page size, 1..500 (default CLERK_PAGE_LIMIT) */
  limit?: number;
}

/** One page of a `{ data, total_count }` list; null: Clerk answered 404 (what the list belongs to is gone). */
export type ClerkPage<T> = { data: T[]; total_count: number } | null;

/**
 * Every item of an offset-paged list, one page (of CLERK_PAGE_LIMIT) after another until a page is short or the
 * total is reached; null when a page answers 404. An item that shifts between pages while the list changes shows
 * once (first seen); one that shifts backwards past a page boundary (a deletion before it) can be missed, as with
 * any offset paging: these lists have no cursor in the spec, and a reconcile walks them again.
 */
export async function walkOffsetPages<T extends { id: string }>(
  fetchPage: (offset: number) => Promise<ClerkPage<T>>,
): Promise<T[] | null> {
  const seen = new Map<string, T>();
  for (let offset = 0; ; offset += CLERK_PAGE_LIMIT) {
    const answer = await fetchPage(offset);
    if (answer === null) return null;
    const known = seen.size;
    for (const x of answer.data) if (!seen.has(x.id)) seen.set(x.id, x);
    if (answer.data.length < CLERK_PAGE_LIMIT || offset + answer.data.length >= answer.total_count) {
      return [...seen.values()];
    }
    // a full page of nothing new: an answer that ignores `offset` would otherwise be walked forever
    if (seen.size === known) {
      throw new AppError('clerk_bad_response', 502, `Clerk answered offset ${offset} with a page already seen`);
    }
  }
}

// Any part of an error body may be missing (a proxy's error page, a truncated body): read what is there.
const ErrorAnswer = ClerkErrorsSchema.partial().extend({ errors: z.array(ClerkErrorSchema.partial()).optional() });

/** An answer from Clerk that is not a success, kept whole for the operator. */
export class ClerkApiError extends AppError {
  constructor(
    public readonly httpStatus: number,
    public readonly clerkCode: string | undefined,
    message: string,
    clerkTraceId: string | undefined,
    public readonly retryAfterMs?: number,
  ) {
    super(
      httpStatus === 429 ? 'clerk_rate_limited' : 'clerk_api_error',
      502,
      message,
      clerkTraceId ? { clerkTraceId } : {},
    );
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createClerkClient(opts: ClerkClientOptions) {
  const base = `${opts.apiUrl.replace(/\/+$/, '')}/v1`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
  const sleep = opts.sleep ?? defaultSleep;

  async function attempt<T>(path: string): Promise<{ status: number; json: T | null }> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        // The version pinned: answers keep the shape this code was written against when Clerk releases a new one.
        headers: {
          authorization: `Bearer ${opts.secretKey}`,
          accept: 'application/json',
          'clerk-api-version': CLERK_API_VERSION,
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw timedOut
        ? new AppError('clerk_timeout', 504, `Clerk's Backend API did not answer within ${timeoutMs} ms (${path})`)
        : new AppError('clerk_unreachable', 502, `Clerk's Backend API is unreachable: ${(err as Error).message}`);
    }
    opts.onResponse?.(res.status);
    if (res.status === 404) return { status: 404, json: null };
    if (res.ok) {
      // Parsed inside the attempt: a truncated or garbled body is retried with backoff like a 5xx.
      const text = await res.text();
      try {
        return { status: res.status, json: JSON.parse(text) as T };
      } catch {
        throw new AppError(
          'clerk_bad_response',
          502,
          `Clerk answered ${res.status} with a body that is not JSON (${path})`,
        );
      }
    }
    const body = ErrorAnswer.safeParse(await res.json().catch(() => ({}))).data ?? {};
    const first = body.errors?.[0];
    const retryAfterMs = res.status === 429 ? parseRetryAfter(res.headers.get('retry-after')) : undefined;
    const error = new ClerkApiError(
      res.status,
      first?.code,
      `Clerk answered ${res.status}${first?.code ? ` ${first.code}` : ''}: ${first?.long_message ?? first?.message ?? res.statusText}`,
      body.clerk_trace_id,
      retryAfterMs,
    );
    // 4xx other than 429 will not get better by asking again (bad key, bad request).
    if (res.status !== 429 && res.status < 500) throw new AbortError(error);
    throw error;
  }

  async function request<T>(path: string): Promise<{ status: number; json: T | null }> {
    return pRetry(() => attempt<T>(path), {
      retries: opts.retries ?? 4,
      minTimeout: opts.minBackoffMs ?? 250,
      factor: 2,
      maxTimeout: 5_000,
      randomize: true,
      onFailedAttempt: async (err) => {
        const retryAfter = err instanceof ClerkApiError ? err.retryAfterMs : undefined;
        if (
          err instanceof ClerkApiError &&
          err.retriesLeft > 0 &&
          (retryAfter === undefined || retryAfter <= maxRetryAfterMs)
        ) {
          // p-retry's own delay is randomised; this is its upper bound, close enough for "retrying in 4 s"
          const backoff = Math.min(5_000, (opts.minBackoffMs ?? 250) * 2 ** (err.attemptNumber - 1) * 2);
          opts.onRetry?.({ status: err.httpStatus, retryInMs: retryAfter ?? backoff });
        }
        if (retryAfter === undefined) return;
        if (retryAfter > maxRetryAfterMs) throw err; // do not hang an operator's click for minutes
        await sleep(retryAfter);
      },
    });
  }

  /**
   * One page of an offset-paged `{ data, total_count }` list (one request); null when Clerk answers 404 (the
   * organization or user the list belongs to is gone). `belongs` refuses an answer that is not the list asked for
   * (a proxy's page, a wrong id): it must never be written as the local copy.
   */
  async function page<T>(
    path: string,
    params: Record<string, string | string[]>,
    offset: number,
    item: z.ZodType,
    belongs: (x: T) => boolean,
    limit: number = CLERK_PAGE_LIMIT,
  ): Promise<ClerkPage<T>> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, one);
    q.set('limit', String(limit));
    q.set('offset', String(offset));
    const { status, json } = await request<{ data: T[]; total_count: number }>(`${path}?${q}`);
    if (status === 404) return null;
    if (json === null || !pageAnswer(item).safeParse(json).success || !json.data.every(belongs)) {
      throw new AppError('clerk_bad_response', 502, `Clerk answered GET ${path} with something other than its list`);
    }
    return json;
  }

  const orgPath = (id: string) => `/organizations/${encodeURIComponent(id)}`;

  // One request each: a rate budget spends a slot per page (see walkOffsetPages for the whole list).
  const pages = {
    /** Oldest first: an organization created during a walk lands on the last page instead of shifting the rest. */
    organizationsPage: async (offset: number, p: OrganizationsPageParams = {}) => {
      const params: Record<string, string | string[]> = { order_by: '+created_at', include_members_count: 'true' };
      if (p.query) params.query = p.query;
      const only = p.organizationIds ? new Set(p.organizationIds) : null;
      if (only) {
        if (only.size === 0 || only.size > ORGANIZATION_ID_BATCH)
          throw new RangeError(`organizationIds takes 1 to ${ORGANIZATION_ID_BATCH} ids`);
        params.organization_id = [...only];
      }
      const answer = await page<ClerkOrganizationJson>(
        '/organizations',
        params,
        offset,
        OrganizationAnswer,
        (o) => only === null || only.has(o.id),
        p.limit,
      );
      // the list itself is never "not found"
      if (answer === null) {
        throw new ClerkApiError(404, 'resource_not_found', 'Clerk answered 404 to GET /organizations', undefined);
      }
      return answer;
    },
    organizationMembershipsPage: (organizationId: string, offset: number) =>
      page<ClerkOrganizationMembershipJson>(
        `${orgPath(organizationId)}/memberships`,
        { order_by: '+created_at' },
        offset,
        MembershipAnswer,
        (m) => m.organization.id === organizationId,
      ),
    organizationInvitationsPage: (organizationId: string, offset: number, status?: ClerkOrganizationInvitationStatus) =>
      page<ClerkOrganizationInvitationJson>(
        `${orgPath(organizationId)}/invitations`,
        { order_by: '+created_at', ...(status ? { status } : {}) },
        offset,
        InvitationAnswer,
        (i) =>
          (i.organization_id === undefined || i.organization_id === organizationId) &&
          (status === undefined || i.status === status),
      ),
    /**
     * One page of every membership of the instance (GET /v1/organization_memberships), oldest first: one list for
     * all organizations instead of one per organization.
     */
    allOrganizationMembershipsPage: (offset: number, limit: number = CLERK_PAGE_LIMIT) =>
      page<ClerkOrganizationMembershipJson>(
        '/organization_memberships',
        { order_by: '+created_at' },
        offset,
        MembershipAnswer,
        () => true,
        limit,
      ).then((answer) => {
        // the list itself is never "not found"
        if (answer === null) {
          throw new ClerkApiError(
            404,
            'resource_not_found',
            'Clerk answered 404 to GET /organization_memberships',
            undefined,
          );
        }
        return answer;
      }),
    userOrganizationMembershipsPage: (userId: string, offset: number) =>
      page<ClerkOrganizationMembershipJson>(
        `/users/${encodeURIComponent(userId)}/organization_memberships`,
        {},
        offset,
        MembershipAnswer,
        (m) => m.public_user_data === undefined || m.public_user_data.user_id === userId,
      ),
  };

  return {
    /** The user as Clerk holds it now, or null when Clerk answers 404 (deleted or unknown). */
    async getUser(userId: string): Promise<ClerkUserJson | null> {
      const user = (await request<ClerkUserJson>(`/users/${encodeURIComponent(userId)}`)).json;
      // A 200 that is not this user (a proxy's page, a wrong id) must never be written as the local copy.
      if (user !== null && (!UserAnswer.safeParse(user).success || user.id !== userId)) {
        throw new AppError(
          'clerk_bad_response',
          502,
          `Clerk answered GET /users/${userId} with something other than that user`,
        );
      }
      return user;
    },

    async listUsers(p: ListUsersParams = {}): Promise<ClerkUserJson[]> {
      const q = new URLSearchParams();
      if (p.limit !== undefined) q.set('limit', String(p.limit));
      if (p.offset !== undefined) q.set('offset', String(p.offset));
      if (p.orderBy) q.set('order_by', p.orderBy);
      if (p.startingAfter) q.set('starting_after', p.startingAfter);
      if (p.createdAtAfter !== undefined) q.set('created_at_after', String(p.createdAtAfter));
      if (p.createdAtBefore !== undefined) q.set('created_at_before', String(p.createdAtBefore));
      if (p.query) q.set('query', p.query);
      for (const id of p.userIds ?? []) q.append('user_id', id);
      for (const e of p.emailAddresses ?? []) q.append('email_address', e);
      const { status, json } = await request<ClerkUserJson[]>(`/users?${q}`);
      // a list is never "not found" — unless a cursor names a user Clerk no longer has: the caller decides
      if (status === 404)
        throw new ClerkApiError(
          404,
          'resource_not_found',
          'Clerk answered 404 resource_not_found to GET /users',
          undefined,
        );
      if (json === null || !UserListAnswer.safeParse(json).success) {
        throw new AppError(
          'clerk_bad_response',
          502,
          'Clerk answered GET /users with something other than a list of users',
        );
      }
      return json;
    },

    async countUsers(): Promise<number> {
      const { json } = await request<ClerkTotalCountJson>('/users/count');
      return json?.total_count ?? 0;
    },

    /** Every session of a user, whatever its status (GET /v1/sessions?user_id=…, paged by offset). */
    async listSessions(userId: string): Promise<ClerkSessionJson[]> {
      const all: ClerkSessionJson[] = [];
      for (let offset = 0; ; offset += SESSION_PAGE) {
        const q = new URLSearchParams({ user_id: userId, limit: String(SESSION_PAGE), offset: String(offset) });
        const { json } = await request<ClerkSessionJson[]>(`/sessions?${q}`);
        if (json === null || !SessionListAnswer.safeParse(json).success) {
          throw new AppError(
            'clerk_bad_response',
            502,
            'Clerk answered GET /sessions with something other than a list of sessions',
          );
        }
        all.push(...json.filter((s) => s.user_id === userId));
        if (json.length < SESSION_PAGE) return all;
      }
    },

    /**
     * The organization (by id or slug) as Clerk holds it now, with its member and pending-invitation counts, or
     * null when Clerk answers 404 (deleted or unknown).
     */
    async getOrganization(idOrSlug: string): Promise<ClerkOrganizationJson | null> {
      const q = new URLSearchParams({ include_members_count: 'true' });
      const org = (await request<ClerkOrganizationJson>(`${orgPath(idOrSlug)}?${q}`)).json;
      if (
        org !== null &&
        (!OrganizationAnswer.safeParse(org).success || (org.id !== idOrSlug && org.slug !== idOrSlug))
      ) {
        throw new AppError(
          'clerk_bad_response',
          502,
          `Clerk answered GET /organizations/${idOrSlug} with something other than that organization`,
        );
      }
      return org;
    },

    ...pages,

    /** Every organization of the instance, with their counts (GET /v1/organizations, every page; never 404). */
    async listOrganizations(p: { query?: string } = {}): Promise<ClerkOrganizationJson[]> {
      return (await walkOffsetPages((offset) => pages.organizationsPage(offset, p)))!;
    },
    /** Every membership of an organization, or null when Clerk answers 404 (the organization is gone). */
    listOrganizationMemberships: (organizationId: string): Promise<ClerkOrganizationMembershipJson[] | null> =>
      walkOffsetPages((offset) => pages.organizationMembershipsPage(organizationId, offset)),
    /** An organization's invitations (all, or those with `status`); null when Clerk answers 404. */
    listOrganizationInvitations: (
      organizationId: string,
      status?: ClerkOrganizationInvitationStatus,
    ): Promise<ClerkOrganizationInvitationJson[] | null> =>
      walkOffsetPages((offset) => pages.organizationInvitationsPage(organizationId, offset, status)),
    /** Every membership of a user, or null when Clerk answers 404 (the user is gone). */
    listUserOrganizationMemberships: (userId: string): Promise<ClerkOrganizationMembershipJson[] | null> =>
      walkOffsetPages((offset) => pages.userOrganizationMembershipsPage(userId, offset)),
  };
}

export type ClerkClient = ReturnType<typeof createClerkClient>;

/** Retry-After is seconds (or an HTTP date); missing or unreadable → one second. */
function parseRetryAfter(value: string | null): number {
  if (!value) return 1000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 1000;
}
