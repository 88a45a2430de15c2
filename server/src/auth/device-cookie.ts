// Device cookies, after OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a successful sign-in
// leaves an httpOnly cookie that proves "this browser has signed in as this email before". A sign-in that
// carries a valid one is counted against that device's own budget instead of the email's, so someone guessing
// an operator's password from elsewhere can lock the email for strangers but not for the operator's browser.
//
// The cookie is `v1.<device id>.<issued at>.<HMAC-SHA256 over id, time and email>`. The email is not in it
// (the sign-in request names it), so a cookie earned as one operator is worth nothing for another. The key is
// generated once and kept in the database (every instance signs and checks with the same one).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEVICE_COOKIE = 'csm_device';
/** Sent only to the sign-in route. */
export const DEVICE_COOKIE_PATH = '/api/auth/login';
/** How long a device stays trusted after its last successful sign-in (each success renews it). */
export const DEVICE_COOKIE_MAX_AGE_MS = 365 * 86_400_000;

const FORMAT = /^v1\.([A-Za-z0-9_-]{22})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

export function createDeviceCookies(deps: { key: () => Promise<string>; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  const sign = (key: string, deviceId: string, issued: string, email: string) =>
    createHmac('sha256', key).update(`csm-device\n${deviceId}\n${issued}\n${email}`).digest('base64url');

  return {
    /** The device id of a cookie this server issued for `email` within its lifetime; null for anything else. */
    async verify(value: string | undefined, email: string): Promise<string | null> {
      const m = value ? FORMAT.exec(value) : null;
      if (!m) return null;
      const [, deviceId, issued, mac] = m as unknown as [string, string, string, string];
      const age = clock().getTime() - parseInt(issued, 36);
      if (!(age >= 0 && age < DEVICE_COOKIE_MAX_AGE_MS)) return null;
      const expected = Buffer.from(sign(await deps.key(), deviceId, issued, email));
      const given = Buffer.from(mac);
      return given.length === expected.length && timingSafeEqual(given, expected) ? deviceId : null;
    },

    /** A fresh cookie value for `email` (keeping the device id when the client already had a valid one). */
    async issue(email: string, deviceId: string | null): Promise<string> {
      const id = deviceId ?? randomBytes(16).toString('base64url');
      const issued = clock().getTime().toString(36);
      return `v1.${id}.${issued}.${sign(await deps.key(), id, issued, email)}`;
    },
  };
}

export type DeviceCookies = ReturnType<typeof createDeviceCookies>;
