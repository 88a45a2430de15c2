import { Router } from 'express';
import { z } from 'zod';
import type { AuthService } from './auth.service.ts';
import { SESSION_COOKIE, sessionToken } from './auth.middleware.ts';
import { parseBody } from '../lib/http.ts';

const Login = z.object({ email: z.string().email().max(320), password: z.string().min(1).max(1000) });

export function authRoutes(auth: AuthService, opts: { cookieSecure: boolean }) {
  const r = Router();

  r.post('/login', async (req, res) => {
    const { email, password } = parseBody(Login, req.body);
    const { token, operator, expiresAt } = await auth.login(email, password);
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: opts.cookieSecure,
      path: '/',
      expires: expiresAt,
    });
    res.json(operator);
  });

  r.post('/logout', async (req, res) => {
    await auth.logout(sessionToken(req.headers.cookie));
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  r.get('/me', async (req, res) => {
    const operator = await auth.authenticate(sessionToken(req.headers.cookie));
    if (!operator) {
      res.status(401).json({ error: { code: 'unauthorized', message: 'Sign in first' } });
      return;
    }
    res.json(operator);
  });

  return r;
}
