// Classifies one page of Clerk's users against the local copy: missing (no local row), stale (fields differ,
// or a local tombstone Clerk still has), deleted (alive here, in the page's window, gone from Clerk). The
// result is a page's commit (reconcile.repository.ts) plus the ids found in sync (page-store.ts marks them).
import type { FieldDiff } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ClerkUserJson } from '../clerk/clerk-json.ts';
import type { NewFinding, PageCommit } from './reconcile.repository.ts';
import type { LocalUser, PageStore } from './page-store.ts';
import { diffUsers } from '../resync/diff.ts';
import { MAX_VERSION_AHEAD_MS } from '../sync/rules.ts';

/** user_id[] accepts at most 100 values (CLERK.md §6) */
export const ID_BATCH = 100;
/** user_id[] requests a page keeps open at once (candidates are unbounded after a mass deletion; memory is not) */
const ASKS_AT_ONCE = 8;
/** local rows read per query of a page's window (a page's worth, and room for users Clerk no longer lists) */
const WINDOW_BATCH = 1000;

/** A page's stretch of Clerk's list by created_at, and the ids at `from` that earlier pages covered already. */
export interface PageWindow {
  from: Date | null;
  to: Date | null;
  exclude: string[];
}

const parse = (data: string | null) => (data ? (JSON.parse(data) as Record<string, unknown>) : null);
const labelOf = (u: ClerkUserJson): string | null =>
  u.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ??
  u.email_addresses[0]?.email_address ??
  ([u.first_name, u.last_name].filter(Boolean).join(' ') || u.username || null);

/**
 * Classifies one page, and finds the local users alive here that Clerk no longer has: those whose
 * created_at falls in this page's stretch of the list [from, to) but that the page did not return are
 * asked about with user_id[] (≤ 100 per request); absent from the answer = deleted in Clerk. One read of
 * the window [from, to] gives both the page's users as held here and those candidates.
 *
 * `clerk` is the one the run waits on (behind the rate budget); `instance` signs the commit.
 */
export async function classifyPage(
  deps: { clerk: ClerkClient; store: PageStore; instance: string },
  users: ClerkUserJson[],
  w: PageWindow,
  at: Date,
): Promise<{ commit: Omit<PageCommit, 'windows'>; inSyncIds: string[] }> {
  const { clerk, store, instance } = deps;
  const page = new Map(users.map((u) => [u.id, u]));
  const skip = new Set(w.exclude);
  const findings: NewFinding[] = [];
  const driftedIds: string[] = [];
  const inSyncIds: string[] = [];
  const locals = new Map<string, LocalUser>();
  // Candidates are asked about ID_BATCH at a time, a few requests open at once so their latency overlaps
  // (the budget still spaces them); answers are used in the order asked.
  const asked: Promise<NewFinding[]>[] = [];
  const ask = async (batch: { id: string; primaryEmail: string | null }[]) => {
    if (asked.length >= ASKS_AT_ONCE) await asked[asked.length - ASKS_AT_ONCE];
    const answer = clerk.listUsers({ userIds: batch.map((b) => b.id), limit: ID_BATCH }).then((found) => {
      const present = new Set(found.map((u) => u.id));
      return batch
        .filter((b) => !present.has(b.id))
        .map((b): NewFinding => ({ userId: b.id, class: 'deleted', diff: [], label: b.primaryEmail }));
    });
    answer.catch(() => undefined); // rethrown below, where they are all awaited
    asked.push(answer);
  };
  let candidates: { id: string; primaryEmail: string | null }[] = [];
  const take = async (rows: LocalUser[]) => {
    for (const r of rows) {
      if (page.has(r.id)) locals.set(r.id, r);
      // the window is half-open for this question: a user created at `to` belongs to the next one
      else if (
        !r.deleted &&
        !skip.has(r.id) &&
        !(w.to && r.clerkCreatedAt && r.clerkCreatedAt.getTime() >= w.to.getTime())
      ) {
        candidates.push({ id: r.id, primaryEmail: r.primaryEmail });
        if (candidates.length === ID_BATCH) {
          await ask(candidates);
          candidates = [];
        }
      }
    }
    return rows.length === WINDOW_BATCH ? rows.at(-1) : undefined;
  };
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const last = await take(await store.usersInWindow({ from: w.from, to: w.to, after, take: WINDOW_BATCH }));
    if (!last) break;
    after = { createdAt: last.clerkCreatedAt!, id: last.id };
  }
  // the last window is open: it also holds the users kept here without a created_at
  for (let afterId: string | null = null; w.to === null;) {
    const last = await take(await store.usersWithoutCreatedAt(afterId, WINDOW_BATCH));
    if (!last) break;
    afterId = last.id;
  }
  if (candidates.length) await ask(candidates);
  const gone = (await Promise.all(asked)).flat();
  for (const g of gone) driftedIds.push(g.userId);
  // page users the window did not hold: not here at all, or held with another created_at
  const rest = users.filter((u) => !locals.has(u.id)).map((u) => u.id);
  if (rest.length) for (const r of await store.localUsers(rest)) locals.set(r.id, r);

  let inSync = 0;
  for (const u of users) {
    const local = locals.get(u.id);
    if (!local) {
      findings.push({ userId: u.id, class: 'missing', diff: [], label: labelOf(u) });
      continue;
    }
    if (local.deleted) {
      const diff: FieldDiff[] = [{ path: 'deleted', kind: 'changed', local: true, clerk: false }];
      findings.push({ userId: u.id, class: 'stale', diff, label: labelOf(u) });
      continue;
    }
    // A webhook wrote a newer version than this page shows: not drift (a resync now would not step back either).
    // Unless that version is dated further ahead of the clock than a webhook may be: then it is not Clerk's,
    // and it is drift like any other difference (the fix writes Clerk's answer over it).
    if (
      local.clerkUpdatedAt &&
      local.clerkUpdatedAt.getTime() > u.updated_at &&
      local.clerkUpdatedAt.getTime() - at.getTime() <= MAX_VERSION_AHEAD_MS
    ) {
      inSync++;
      continue;
    }
    // The same bytes are the same user: only a copy that differs is parsed and diffed (most of a page is
    // neither stale nor touched since its copy was written, and parse + diff cost 4× the comparison).
    const diff =
      local.data === JSON.stringify(u) ? [] : diffUsers(parse(local.data), u as unknown as Record<string, unknown>);
    if (diff.length === 0) {
      inSync++;
      inSyncIds.push(u.id);
    } else {
      findings.push({ userId: u.id, class: 'stale', diff, label: labelOf(u) });
      driftedIds.push(u.id);
    }
  }
  findings.push(...gone);
  return { commit: { checked: users.length, inSync, findings, driftedIds, instance, at }, inSyncIds };
}
