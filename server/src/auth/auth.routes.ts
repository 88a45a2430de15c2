import { Router, type Response } from 'express';
import { z } from 'zod';
import { parse as parseCookie } from 'cookie';
import type { MeDto } from '../contract.ts';
import type { AuthService } from './auth.service.ts';
import { CSRF_COOKIE, SESSION_COOKIE, checkCsrf, sessionToken } from './auth.middleware.ts';
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_MS, DEVICE_COOKIE_PATH } from './device-cookie.ts';
import { parseBody } from '../lib/http.ts';
import { AppError } from '../lib/errors.ts';

const Login = z.object({ email: z.string().email().max(320), password: z.string().min(1).max(1000) });
const ChangePassword = z.object({
  currentPassword: z.string().min(1).max(1000),
  newPassword: z.string().min(1).max(1000),
});

export function authRoutes(auth: AuthService, opts: { cookieSecure: boolean }) {
  const r = Router();
  const setCsrfCookie = (res: Response, csrfToken: string, expires?: Date) =>
    res.cookie(CSRF_COOKIE, csrfToken, {
      httpOnly: false,
      sameSite: 'strict',
      secure: opts.cookieSecure,
      path: '/',
      ...(expires ? { expires } : {}),
    });

  r.post('/login', async (req, res) => {
    const { email, password } = parseBody(Login, req.body);
    const { token, operator, expiresAt, csrfToken, deviceCookie, mustChangePassword } = await auth.login(
      email,
      password,
      {
        ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        deviceCookie: req.headers.cookie ? parseCookie(req.headers.cookie)[DEVICE_COOKIE] : undefined,
      },
    );
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.cookieSecure,
      path: '/',
      expires: expiresAt,
    });
    setCsrfCookie(res, csrfToken, expiresAt);
    // Outlives the session and sign-outs on purpose: it only says this browser signed in as this email before
    // (see device-cookie.ts), which keeps a stranger's failed guesses from locking it out.
    res.cookie(DEVICE_COOKIE, deviceCookie, {
      httpOnly: true,
      sameSite: 'strict',
      secure: opts.cookieSecure,
      path: DEVICE_COOKIE_PATH,
      maxAge: DEVICE_COOKIE_MAX_AGE_MS,
    });
    res.json({ ...operator, csrfToken, mustChangePassword } satisfies MeDto);
  });

  // Exempt from the CSRF token (the Origin / Sec-Fetch-Site check still applies): signing yourself out
  // is harmless, and a stale page must always be able to do it.
  r.post('/logout', async (req, res) => {
    await auth.logout(sessionToken(req.headers.cookie));
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.clearCookie(CSRF_COOKIE, { path: '/' });
    res.status(204).end();
  });

  /** Sign out everywhere: every session of this operator, on every device, and their live sockets. */
  r.post('/logout-all', async (req, res) => {
    const principal = await auth.principal(sessionToken(req.headers.cookie), undefined);
    if (!principal) throw new AppError('unauthorized', 401, 'Sign in first');
    checkCsrf(req, principal.csrfToken);
    await auth.logoutAll(principal.operator.id);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.clearCookie(CSRF_COOKIE, { path: '/' });
    res.status(204).end();
  });

  r.get('/me', async (req, res) => {
    const principal = await auth.principal(sessionToken(req.headers.cookie), undefined);
    if (!principal) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'Sign in first' } });
      return;
    }
    const csrfToken = principal.csrfToken!;
    setCsrfCookie(res, csrfToken);
    res.json({
      ...principal.operator,
      csrfToken,
      mustChangePassword: principal.mustChangePassword === true,
    } satisfies MeDto);
  });

  /** The signed-in operator's own password; also the way out of a one-time password. Other sessions end. */
  r.post('/password', async (req, res) => {
    const principal = await auth.principal(sessionToken(req.headers.cookie), undefined);
    if (!principal?.sessionHash) throw new AppError('unauthorized', 401, 'Sign in first');
    checkCsrf(req, principal.csrfToken);
    const { currentPassword, newPassword } = parseBody(ChangePassword, req.body);
    await auth.changePassword(principal.operator.id, principal.sessionHash, currentPassword, newPassword);
    res.status(204).end();
  });

  return r;
}
