import type { ApiError as ApiErrorBody } from '@contract/contract.ts';

/** An error answer from the operator API (or a network failure, status 0), with Clerk's trace id when Clerk caused it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly clerkTraceId: string | undefined;

  constructor(status: number, code: string, message: string, clerkTraceId?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.clerkTraceId = clerkTraceId;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

type Query = Record<string, string | number | boolean | null | undefined>;

/** `?a=1&b=x`, dropping empty values so URLs and cache keys stay canonical. */
export function toQueryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

/** The session's CSRF token: the server sets it in the readable `csm_csrf` cookie at sign-in (and on /me). */
export function csrfToken(cookie: string = typeof document === 'undefined' ? '' : document.cookie): string | null {
  for (const part of cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'csm_csrf') return decodeURIComponent(value.join('='));
  }
  return null;
}

/** The headers of a request: JSON, and the CSRF token on every change (the server refuses a change without it). */
export function requestHeaders(
  method: string,
  hasBody: boolean,
  token: string | null = csrfToken(),
): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (hasBody) headers['content-type'] = 'application/json';
  if (method !== 'GET' && token) headers['x-csrf-token'] = token;
  return headers;
}

/** fetch for the operator API: same-origin cookie session, JSON in and out, errors thrown as ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, query, signal } = options;
  let res: Response;
  try {
    res = await fetch(path + (query ? toQueryString(query) : ''), {
      method,
      credentials: 'same-origin',
      headers: requestHeaders(method, body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const e = (data as Partial<ApiErrorBody> | undefined)?.error;
    throw new ApiError(
      res.status,
      e?.code ?? `http_${res.status}`,
      e?.message ?? `The server answered ${res.status} ${res.statusText}`.trim(),
      e?.clerkTraceId,
    );
  }
  return data as T;
}
