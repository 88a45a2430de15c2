// DNS rebinding: a page on evil.example whose DNS name is switched to 127.0.0.1 (or to the monitor's private
// address) talks to the monitor as its own origin, so same-origin checks pass and the browser reads the
// answers. What such a request cannot hide is its Host header (evil.example), so only the names the monitor is
// meant to be reached by (ALLOWED_HOSTS) are answered: 421 Misdirected Request for others, 400 without one.
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { normalizeHostName } from '../config.ts';

/** The host name of a Host header (`Example.com:3000` → `example.com`, `[::1]:80` → `::1`); null if malformed. */
export function hostNameOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(:\d{1,5})?$/.exec(header.trim());
  return m ? normalizeHostName(m[1]!) : null;
}

/** null allowed: every Host is (ALLOWED_HOSTS=*). */
export function hostAllowed(allowed: readonly string[] | null, req: IncomingMessage): boolean {
  if (allowed === null) return true;
  const name = hostNameOf(req.headers.host);
  return name !== null && allowed.includes(name);
}

/** Express middleware: answers 400 / 421 JSON for a Host the monitor is not reached by. */
export function allowedHostsOnly(allowed: readonly string[] | null, opts: { exempt?: string[] } = {}) {
  const exempt = new Set(opts.exempt ?? []);
  return (req: Request, res: Response, next: NextFunction) => {
    if (allowed === null || exempt.has(req.path) || hostAllowed(allowed, req)) return next();
    const missing = hostNameOf(req.headers.host) === null;
    res.status(missing ? 400 : 421).json({
      error: missing
        ? { code: 'bad_host', message: 'The Host header is missing or malformed.' }
        : {
            code: 'misdirected',
            message: 'This server does not answer to that host name; add it to ALLOWED_HOSTS if it is meant to.',
          },
    });
  };
}
