import { describe, expect, it } from 'vitest';
import { createLoginLimiter, type LoginLimiter } from './login-limiter.ts';
import { AppError } from '../lib/errors.ts';

/** One sign-in attempt that turns out wrong. */
const fail = async (l: LoginLimiter, email: string, ip: string, device: string | null = null) =>
  (await l.begin(email, ip, device)).failed();
const succeed = async (l: LoginLimiter, email: string, ip: string, device: string | null = null) =>
  (await l.begin(email, ip, device)).succeeded();

describe('login limiter', () => {
  const limits = { maxFailuresPerEmail: 3, maxFailuresPerIp: 5, windowSeconds: 60, blockSeconds: 120 };

  it('locks an email after consecutive failures, from any IP, with a Retry-After', async () => {
    const l = createLoginLimiter(limits);
    for (let i = 0; i < 3; i++) await fail(l, 'a@x', `10.0.0.${i}`);
    const err = await l.begin('a@x', '10.0.0.99').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 429, code: 'too_many_attempts' });
    expect(Number((err as AppError).extra.headers?.['Retry-After'])).toBeGreaterThan(60);
    await expect(l.begin('b@x', '10.0.0.99')).resolves.toBeDefined(); // other emails are fine
  });

  it("a success clears the email's failures", async () => {
    const l = createLoginLimiter({ ...limits, maxFailuresPerIp: 50 });
    await fail(l, 'a@x', '1.1.1.1');
    await fail(l, 'a@x', '1.1.1.1');
    await succeed(l, 'a@x', '1.1.1.1');
    await fail(l, 'a@x', '1.1.1.1');
    await expect(l.begin('a@x', '1.1.1.1')).resolves.toBeDefined();
  });

  it('blocks an IP spraying many emails', async () => {
    const l = createLoginLimiter(limits);
    for (let i = 0; i < 5; i++) await fail(l, `user${i}@x`, '6.6.6.6');
    await expect(l.begin('fresh@x', '6.6.6.6')).rejects.toMatchObject({ status: 429 });
    await expect(l.begin('fresh@x', '7.7.7.7')).resolves.toBeDefined();
  });

  it('reserves attempts before the password is checked: of 20 at once, only the limit get through', async () => {
    const l = createLoginLimiter({ ...limits, maxFailuresPerIp: 50 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => l.begin('burst@x', '2.2.2.2')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual(
      Array.from({ length: 17 }, () => expect.objectContaining({ status: 429 })),
    );
  });

  it("gives a trusted device its own, stricter budget: the email's lock does not reach it, its own lock does", async () => {
    const l = createLoginLimiter({ ...limits, maxFailuresPerEmail: 5, maxFailuresPerDevice: 2, maxFailuresPerIp: 50 });
    for (let i = 0; i < 5; i++) await fail(l, 'admin@x', '6.6.6.6');
    await expect(l.begin('admin@x', '1.1.1.1')).rejects.toMatchObject({ status: 429 });
    await succeed(l, 'admin@x', '1.1.1.1', 'device-1');
    await fail(l, 'admin@x', '1.1.1.1', 'device-1');
    await fail(l, 'admin@x', '1.1.1.1', 'device-1');
    await expect(l.begin('admin@x', '1.1.1.1', 'device-1')).rejects.toMatchObject({ status: 429 });
    await expect(l.begin('admin@x', '1.1.1.1', 'device-2')).resolves.toBeDefined();
  });

  it('gives the points back when the check could not run', async () => {
    const l = createLoginLimiter({ ...limits, maxFailuresPerIp: 3 });
    for (let i = 0; i < 5; i++) await (await l.begin('a@x', '3.3.3.3')).released();
    await expect(l.begin('a@x', '3.3.3.3')).resolves.toBeDefined();
  });
});
