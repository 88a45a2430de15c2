// The incident and alert settings in config.ts: defaults, parsing, and clear errors.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('incident and alert configuration', () => {
  it('defaults: quarantine after 3, silence past the usual quiet but never below 15 min, hourly reminders, no channel, a public URL from HOST and PORT', () => {
    const c = parseConfig({ PORT: '8080' });
    expect(c.incidents).toEqual({ quarantineAfterAttempts: 3, silenceMs: 900_000, reminderMs: 3_600_000 });
    expect(parseConfig({ ALERT_SILENCE_MINUTES: 'off' }).incidents.silenceMs).toBeNull();
    expect(c.alerts).toEqual({ webhook: null, slack: null, email: null });
    expect(c.publicUrl).toBe('http://127.0.0.1:8080');
  });

  it('parses every channel and timing', () => {
    const c = parseConfig({
      PUBLIC_URL: 'https://monitor.example.com/',
      QUARANTINE_AFTER_ATTEMPTS: '5',
      ALERT_SILENCE_MINUTES: '30',
      ALERT_REMINDER_MINUTES: 'off',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/alerts',
      ALERT_WEBHOOK_SECRET: SECRET,
      ALERT_SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/X',
      SMTP_URL: 'smtp://mailer:pw@smtp.example.com:587',
      ALERT_EMAIL_FROM: 'monitor@example.com',
      ALERT_EMAIL_TO: 'a@example.com, b@example.com',
    });
    expect(c.publicUrl).toBe('https://monitor.example.com');
    expect(c.incidents).toEqual({ quarantineAfterAttempts: 5, silenceMs: 1_800_000, reminderMs: null });
    expect(c.alerts).toEqual({
      webhook: { url: 'https://hooks.example.com/alerts', secret: SECRET },
      slack: { url: 'https://hooks.slack.com/services/T/B/X' },
      email: {
        smtpUrl: 'smtp://mailer:pw@smtp.example.com:587',
        from: 'monitor@example.com',
        to: ['a@example.com', 'b@example.com'],
      },
    });
  });

  it('names a wrong or incomplete value', () => {
    expect(() => parseConfig({ QUARANTINE_AFTER_ATTEMPTS: '0' })).toThrow(
      /QUARANTINE_AFTER_ATTEMPTS: must be at least 1/,
    );
    expect(() => parseConfig({ QUARANTINE_AFTER_ATTEMPTS: 'often' })).toThrow(/QUARANTINE_AFTER_ATTEMPTS/);
    expect(() => parseConfig({ ALERT_SILENCE_MINUTES: '-5' })).toThrow(/ALERT_SILENCE_MINUTES/);
    expect(() => parseConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example.com' })).toThrow(
      /ALERT_WEBHOOK_SECRET: required with ALERT_WEBHOOK_URL/,
    );
    expect(() => parseConfig({ ALERT_WEBHOOK_URL: 'ftp://x', ALERT_WEBHOOK_SECRET: SECRET })).toThrow(
      /ALERT_WEBHOOK_URL/,
    );
    expect(() => parseConfig({ ALERT_WEBHOOK_URL: 'https://x.example', ALERT_WEBHOOK_SECRET: 'hunter2' })).toThrow(
      /ALERT_WEBHOOK_SECRET: must look like whsec_/,
    );
    expect(() => parseConfig({ SMTP_URL: 'smtp://smtp.example.com' })).toThrow(
      /ALERT_EMAIL_FROM: required with SMTP_URL/,
    );
    expect(() =>
      parseConfig({ SMTP_URL: 'smtp://smtp.example.com', ALERT_EMAIL_FROM: 'm@example.com', ALERT_EMAIL_TO: 'nobody' }),
    ).toThrow(/ALERT_EMAIL_TO/);
    expect(() =>
      parseConfig({
        SMTP_URL: 'http://smtp.example.com',
        ALERT_EMAIL_FROM: 'm@example.com',
        ALERT_EMAIL_TO: 'a@example.com',
      }),
    ).toThrow(/SMTP_URL: must start with smtp/);
    expect(() => parseConfig({ PUBLIC_URL: 'monitor.example.com' })).toThrow(/PUBLIC_URL/);
  });
});
