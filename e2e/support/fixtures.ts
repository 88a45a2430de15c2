// What the journeys share: signing in, and talking to the emulator's control API (Clerk's side).
import { test as base, expect, type Page } from '@playwright/test';
import type {
  ClerkOrganizationInvitationJson,
  ClerkOrganizationJson,
  ClerkOrganizationMembershipJson,
  ClerkUserJson,
} from '../../server/src/clerk/clerk-json.ts';
import { E2E } from './ports.ts';

async function control<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${E2E.emulatorUrl}/control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`emulator control ${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const query = (opts: { webhook?: boolean }) => (opts.webhook === false ? '?webhook=false' : '');

/** Clerk's side of each journey, through the emulator's control API. */
export const clerk = {
  createUser: (user: Partial<ClerkUserJson> & { email_address?: string }, opts: { webhook?: boolean } = {}) =>
    control<ClerkUserJson>('POST', `/users${opts.webhook === false ? '?webhook=false' : ''}`, user),
  updateUser: (id: string, patch: Partial<ClerkUserJson>, opts: { webhook?: boolean } = {}) =>
    control<ClerkUserJson>('PATCH', `/users/${id}${opts.webhook === false ? '?webhook=false' : ''}`, patch),
  createOrganization: (org: { name: string; created_by?: string }, opts: { webhook?: boolean } = {}) =>
    control<ClerkOrganizationJson>('POST', `/organizations${query(opts)}`, org),
  addMember: (organizationId: string, userId: string, role?: string, opts: { webhook?: boolean } = {}) =>
    control<ClerkOrganizationMembershipJson>('POST', `/organizations/${organizationId}/memberships${query(opts)}`, {
      user_id: userId,
      ...(role ? { role } : {}),
    }),
  invite: (organizationId: string, email: string, opts: { webhook?: boolean } = {}) =>
    control<ClerkOrganizationInvitationJson>('POST', `/organizations/${organizationId}/invitations${query(opts)}`, {
      email_address: email,
    }),
  setFaults: (faults: Record<string, number | null>) => control('PUT', '/faults', faults),
  setTimeFactor: (timeFactor: number) => control('PUT', '/time-factor', { timeFactor }),
  /** every delivery attempt the emulator made (status null = no answer) */
  deliveries: () =>
    control<{ svixId: string; type: string; status: number | null; badSignature: boolean }[]>('GET', '/deliveries'),
};

/** Makes the e2e server's storage fail for `ms` (its deliveries are answered 503 meanwhile). */
export async function storageOutage(ms: number) {
  const res = await fetch(`${E2E.faultsUrl}/storage-outage/${ms}`, { method: 'POST' });
  if (res.status !== 204) throw new Error(`storage outage switch: ${res.status}`);
}

export async function signIn(page: Page) {
  await page.goto('/');
  await page.getByLabel('Email').fill(E2E.admin.email);
  await page.getByLabel('Password').fill(E2E.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Every journey ends with a picture of the page it checked. */
export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });
}

/** A name no other test uses, so journeys never see each other's data. */
export const unique = (prefix: string) =>
  `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const test = base;
export { expect };
