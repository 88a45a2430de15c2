import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { parse as parseCookie } from 'cookie';
import type { OperatorDto, Role } from '../contract.ts';
import type { AuthService, Principal } from './auth.service.ts';
import { AppError } from '../lib/errors.ts';

export const SESSION_COOKIE = 'csm_session';
/** Readable by the dashboard's script (not httpOnly): it copies it into the X-CSRF-Token header. */
export const CSRF_COOKIE = 'csm_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sessionToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE];
}

/** The token of `Authorization: Bearer <token>`; '' for any other Authorization (never a valid token). */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1]! : '';
}

const unauthorized = () => new AppError('unauthorized', 401, 'Sign in first');

/** Puts the signed-in operator (or API token) on res.locals, or answers 401 JSON. */
export function requireOperator(auth: AuthService) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const principal = await auth.principal(sessionToken(req.headers.cookie), bearerToken(req.headers.authorization));
    if (!principal) throw unauthorized();
    if (principal.mustChangePassword) {
      throw new AppError(
        'password_change_required',
        403,
        'Choose a new password first: this account signed in with a one-time password.',
      );
    }
    res.locals.principal = principal;
    res.locals.operator = principal.operator;
    next();
  };
}

/**
 * `Authorization: Bearer <secret>` or 401 (e.g. METRICS_TOKEN for Prometheus, which sends it as
 * `authorization.credentials`). Compared in constant time.
 */
export function requireBearerSecret(secret: string, realm: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const given = bearerToken(req.headers.authorization);
    if (given && safeEqual(given, secret)) return next();
    throw new AppError('unauthorized', 401, 'This needs the bearer token configured for it.', {
      headers: { 'WWW-Authenticate': `Bearer realm="${realm}"` },
    });
  };
}

/** 403 unless the caller holds one of the roles. Mount after requireOperator. */
export function requireRole(...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction) => {
    const op = res.locals.operator as OperatorDto | undefined;
    if (!op) throw unauthorized();
    if (!roles.includes(op.role)) {
      throw new AppError(
        'forbidden',
        403,
        `This needs the ${roles.join(' or ')} role; you are signed in as ${op.role}.`,
      );
    }
    next();
  };
}

/** Viewers read; every change (any non-GET) needs an operator or an admin. */
export function viewersReadOnly() {
  const change = requireRole('operator', 'admin');
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    change(req, res, next);
  };
}

/**
 * Refuses a state-changing request a browser sent from another site: Sec-Fetch-Site (which a page
 * cannot forge) must be same-origin, else Origin, when sent, must be this host. Non-browser clients
 * send neither; they cannot ride on a victim's cookie anyway.
 */
export function sameOriginChanges() {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') throw crossSite();
    const origin = req.headers.origin;
    if (site === undefined && typeof origin === 'string' && !sameHost(origin, req.headers.host)) throw crossSite();
    next();
  };
}

/**
 * Every change made with a session cookie must carry X-CSRF-Token = the session's CSRF token (given by
 * /api/auth/login and /api/auth/me, and in the csm_csrf cookie). Bearer-token requests are exempt: a
 * browser never attaches them on its own. Mount after requireOperator.
 */
export function requireCsrfToken() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const principal = res.locals.principal as Principal | undefined;
    if (!principal || principal.via === 'token') return next();
    checkCsrf(req, principal.csrfToken);
    next();
  };
}

export function checkCsrf(req: Request, expected: string | undefined): void {
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !expected || !safeEqual(sent, expected)) {
    throw new AppError('csrf_failed', 403, 'Missing or wrong X-CSRF-Token header: reload the page and try again.');
  }
}

export function currentOperator(res: Response): OperatorDto {
  return res.locals.operator as OperatorDto;
}

export function currentPrincipal(res: Response): Principal {
  return res.locals.principal as Principal;
}

const crossSite = () => new AppError('cross_site', 403, 'Cross-site requests are refused.');

export function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return Boolean(host) && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
