import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs; secrets are redacted at the source so no code path can print them. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["svix-signature"]',
        'req.headers["webhook-signature"]',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.secretKey',
        '*.signingSecret',
        '*.secret',
        '*.token',
        '*.csrfToken',
        '*.oneTimePassword',
      ],
      censor: '[redacted]',
    },
  } satisfies pino.LoggerOptions;
  return destination ? pino(options, destination) : pino(options);
}
