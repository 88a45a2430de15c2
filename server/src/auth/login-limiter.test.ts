import { describe, expect, it } from 'vitest';
import { createLoginLimiter } from './login-limiter.ts';
import { AppError } from '../lib/errors.ts';

describe('login limiter', () => {
  const limits = { maxFailuresPerEmail: 3, maxFailuresPerIp: 5, windowSeconds: 60, blockSeconds: 120 };

  it('locks an email after consecutive failures, from any IP, with a Retry-After', async () => {
    const l = createLoginLimiter(limits);
    for (let i = 0; i < 3; i++) {
      await l.check('a@x', `10.0.0.${i}`);
      await l.failed('a@x', `10.0.0.${i}`);
    }
    const err = await l.check('a@x', '10.0.0.99').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 429, code: 'too_many_attempts' });
    expect(Number((err as AppError).extra.headers?.['Retry-After'])).toBeGreaterThan(60);
    await expect(l.check('b@x', '10.0.0.99')).resolves.toBeUndefined(); // other emails are fine
  });

  it('a success clears the email\'s failures', async () => {
    const l = createLoginLimiter(limits);
    await l.failed('a@x', '1.1.1.1');
    await l.failed('a@x', '1.1.1.1');
    await l.succeeded('a@x');
    await l.failed('a@x', '1.1.1.1');
    await expect(l.check('a@x', '1.1.1.1')).resolves.toBeUndefined();
  });

  it('blocks an IP spraying many emails', async () => {
    const l = createLoginLimiter(limits);
    for (let i = 0; i < 5; i++) await l.failed(`user${i}@x`, '6.6.6.6');
    await expect(l.check('fresh@x', '6.6.6.6')).rejects.toMatchObject({ status: 429 });
    await expect(l.check('fresh@x', '7.7.7.7')).resolves.toBeUndefined();
  });
});
