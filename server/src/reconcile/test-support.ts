// Helpers the reconcile tests share (not a test file itself).
import { expect } from 'vitest';
import type { TestServer } from '../test/harness.ts';
import type { ClerkOrganizationJson, ClerkOrganizationMembershipJson } from '../clerk/clerk-json.ts';
import type { Page, ReconcileFindingDto, ReconcileOrganizationFindingDto, ReconcileRunDto } from '../contract.ts';
import { diffMemberships, diffOrganizations } from '../organizations/organizations-diff.ts';
import { membershipColumnsOf } from '../organizations/memberships.repository.ts';

export const json = async <T>(r: Response | Promise<Response>): Promise<T> => {
  const res = await r;
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
};
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the run until it is no longer running. */
export async function waitForRun(s: TestServer, id: number, timeoutMs = 30_000): Promise<ReconcileRunDto> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const run = await json<ReconcileRunDto>(s.api(`/api/reconcile/runs/${id}`));
    if (run.status !== 'running') return run;
    if (Date.now() > end) throw new Error(`run ${id} still running: ${JSON.stringify(run)}`);
    await sleep(20);
  }
}

export async function reconcile(s: TestServer): Promise<ReconcileRunDto> {
  const started = await json<ReconcileRunDto>(s.api('/api/reconcile', { method: 'POST' }));
  return waitForRun(s, started.id);
}

export async function allFindings(s: TestServer, runId: number): Promise<ReconcileFindingDto[]> {
  const out: ReconcileFindingDto[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<ReconcileFindingDto> = await json(
      s.api(`/api/reconcile/runs/${runId}/findings?limit=500${cursor ? `&cursor=${cursor}` : ''}`),
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export async function allOrganizationFindings(
  s: TestServer,
  runId: number,
): Promise<ReconcileOrganizationFindingDto[]> {
  const out: ReconcileOrganizationFindingDto[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<ReconcileOrganizationFindingDto> = await json(
      s.api(`/api/reconcile/runs/${runId}/organization-findings?limit=500${cursor ? `&cursor=${cursor}` : ''}`),
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** What the emulator's store tells of Clerk's organizations (the emulator itself is test code's to load). */
interface ClerkTruth {
  organizations(): ClerkOrganizationJson[];
  deletedOrganizationIds(): string[];
  memberships(): ClerkOrganizationMembershipJson[];
}

const parsed = (data: string | null) => (data ? (JSON.parse(data) as Record<string, unknown>) : null);

/**
 * Every organization and membership Clerk has is held here alive and equal to Clerk's (counts, activity and the
 * member's profile aside, as the diff leaves them); every one alive here is Clerk's; the organizations Clerk deleted
 * are tombstones here (when held at all).
 */
export async function expectOrganizationsConverged(s: TestServer, clerk: { store: ClerkTruth }): Promise<void> {
  const orgs = new Map((await s.db.prisma.organization.findMany()).map((o) => [o.id, o]));
  const truth = clerk.store.organizations();
  for (const o of truth) {
    const row = orgs.get(o.id);
    expect(row, `local copy of ${o.id}`).toBeDefined();
    expect(row!.deleted, `${o.id} deleted here`).toBe(false);
    expect(diffOrganizations(parsed(row!.data), o), `${o.id} as Clerk has it`).toEqual([]);
  }
  const alive = new Set(truth.map((o) => o.id));
  for (const row of orgs.values()) if (!row.deleted) expect(alive.has(row.id), `${row.id} alive here only`).toBe(true);
  for (const id of clerk.store.deletedOrganizationIds())
    if (orgs.has(id)) expect(orgs.get(id)!.deleted, `${id} deleted in Clerk`).toBe(true);

  const memberships = new Map((await s.db.prisma.organizationMembership.findMany()).map((m) => [m.id, m]));
  const members = clerk.store.memberships();
  for (const m of members) {
    const row = memberships.get(m.id);
    expect(row, `local copy of ${m.id}`).toBeDefined();
    expect(row!.deleted, `${m.id} ended here`).toBe(false);
    const own = parsed(membershipColumnsOf(m as unknown as Record<string, unknown>, m.organization.id).data);
    expect(diffMemberships(parsed(row!.data), own), `${m.id} as Clerk has it`).toEqual([]);
  }
  const live = new Set(members.map((m) => m.id));
  for (const row of memberships.values())
    if (!row.deleted) expect(live.has(row.id), `${row.id} live here only`).toBe(true);
}
