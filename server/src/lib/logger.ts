import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; secrets are redacted at the source so no code path can print them. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["svix-signature"]',
        'req.headers["webhook-signature"]',
        '*.password',
        '*.secretKey',
        '*.signingSecret',
      ],
      censor: '[redacted]',
    },
  });
}
