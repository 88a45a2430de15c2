// Reconcile's second part: once Clerk's users are walked, its organizations (GET /v1/organizations) and then every
// membership of the instance (GET /v1/organization_memberships: one list for all organizations, not one per
// organization), compared with the local copy. The spec gives these lists offset paging only — no cursor, no
// created_at filter — so each is walked by offset, oldest first (order_by=+created_at), a few pages asked ahead.
//
// Offset paging under change: an item created during the walk lands at the end (created_at order); an item deleted
// before the walk's position shifts the rest back, so the first item of the next page is never listed. Each page
// therefore covers a stretch of created_at, as the users' pages do (docs/decisions/012): local rows alive here inside
// the stretch that the page did not list are asked about — organizations by id (organization_id, ≤ 100 a request),
// memberships through their organization's list — and so are found whether Clerk deleted them (deleted, extra) or a
// shift hid them (then compared like any listed one). What a shift hides and the local copy does not hold at all (a
// missing one) is left to the next run: nothing here knows its id. See docs/decisions/014-reconcile-organizations.md.
import type { FieldDiff, MembershipDriftClass, OrganizationDriftClass, ReconcilePhase } from '../contract.ts';
import type { ClerkClient } from '../clerk/clerk-client.ts';
import type { ClerkOrganizationJson, ClerkOrganizationMembershipJson } from '../clerk/clerk-json.ts';
import type { CreatedStretch, LocalOrganization } from '../organizations/organizations.repository.ts';
import type { LocalMembership } from '../organizations/memberships.repository.ts';
import type { NewOrganizationFinding, OrganizationPageCommit, ReconcileRepository } from './reconcile.repository.ts';
import { diffMemberships, diffOrganizations } from '../organizations/organizations-diff.ts';
import { membershipColumnsOf, publicUserLabel } from '../organizations/memberships.repository.ts';
import { ORGANIZATION_ID_BATCH } from '../clerk/clerk-client.ts';
import { MAX_VERSION_AHEAD_MS } from '../sync/rules.ts';
import { AppError } from '../lib/errors.ts';

/** Where the walk stands: which list, the next page's offset, and where that page's stretch of created_at begins. */
export interface OrgWalkState {
  phase: Extract<ReconcilePhase, 'organizations' | 'memberships' | 'done'>;
  offset: number;
  /** the next page's stretch starts at this created_at (epoch ms); null: at the start of the list */
  from: number | null;
  /** ids listed at exactly `from` already (covered by the stretch before) */
  seenAtFrom: string[];
}

export const startOrgWalk = (): OrgWalkState => ({ phase: 'organizations', offset: 0, from: null, seenAtFrom: [] });

/** The stored state ("" while the run walks its users). */
export function parseOrgWalk(text: string): OrgWalkState | null {
  return text ? (JSON.parse(text) as OrgWalkState) : null;
}

/** ids kept of one created_at millisecond (beyond it an item listed twice is compared twice, counted once) */
const SEEN_KEPT = 2000;
/** local rows read per query of a stretch */
const STRETCH_BATCH = 1000;
/** requests a page keeps open while asking about the rows it did not list */
const ASKS_AT_ONCE = 8;

interface Item {
  id: string;
  created_at: number;
}

/** A page's stretch of created_at: [from, to) (null: open), and the ids at `from` the stretch before covered. */
export interface PageStretch {
  from: number | null;
  to: number | null;
  exclude: ReadonlySet<string>;
}

/**
 * What one page answer means for the walk (pure): the items not covered before, the page's stretch, the state after
 * it, and whether it was the list's last. Throws when the answer is not in created_at order (stretches would then
 * not tile the list, and what a page skipped could not be told).
 */
export function advance<T extends Item>(
  state: OrgWalkState,
  answer: { data: T[]; total_count: number },
  pageSize: number,
  list: string,
): { fresh: T[]; stretch: PageStretch; next: OrgWalkState; last: boolean } {
  const items = answer.data;
  for (let i = 1; i < items.length; i++) {
    if (items[i]!.created_at < items[i - 1]!.created_at)
      throw new AppError(
        'clerk_bad_response',
        502,
        `Clerk answered ${list} at offset ${state.offset} out of created_at order: the reconcile cannot tell what it skipped`,
      );
  }
  const exclude = new Set(state.seenAtFrom);
  // nothing lies past a full page that reaches the total: no need to ask for an empty one
  const last = items.length < pageSize || state.offset + items.length >= answer.total_count;
  const to = last ? null : items.at(-1)!.created_at;
  const from = state.from;
  const fresh = items.filter(
    (i) => from === null || i.created_at > from || (i.created_at === from && !exclude.has(i.id)),
  );
  let next: OrgWalkState;
  if (last) {
    next =
      state.phase === 'organizations'
        ? { phase: 'memberships', offset: 0, from: null, seenAtFrom: [] }
        : { phase: 'done', offset: 0, from: null, seenAtFrom: [] };
  } else {
    const atTo = items.filter((i) => i.created_at === to).map((i) => i.id);
    const seen = to === from ? [...new Set([...state.seenAtFrom, ...atTo])] : atTo;
    next = { phase: state.phase, offset: state.offset + items.length, from: to, seenAtFrom: seen.slice(-SEEN_KEPT) };
  }
  return { fresh, stretch: { from, to, exclude }, next, last };
}

/**
 * Pages at offset, offset + size, … asked ahead (`ahead` at once), never past the total Clerk last answered (at
 * first, its total when the run started): a page past it would spend a request of the budget on nothing.
 */
function pagesAhead<T>(
  fetch: (offset: number) => Promise<{ data: T[]; total_count: number }>,
  size: number,
  ahead: number,
  estimate: number,
) {
  const pending = new Map<number, Promise<{ data: T[]; total_count: number }>>();
  let total = estimate;
  const ask = (offset: number) => {
    if (pending.has(offset)) return;
    const p = fetch(offset);
    p.catch(() => undefined); // rethrown when that page is taken
    pending.set(offset, p);
  };
  return {
    async take(offset: number) {
      ask(offset);
      for (let k = 1; k < ahead && offset + k * size < total; k++) ask(offset + k * size);
      const answer = await pending.get(offset)!;
      pending.delete(offset);
      total = answer.total_count;
      return answer;
    },
    /** lets the pages asked and not taken settle (a resumed run asks again) */
    async close() {
      const left = [...pending.values()];
      pending.clear();
      await Promise.allSettled(left);
    },
  };
}

type Compared = { inSync: true; mark: boolean } | { inSync: false; finding: NewOrganizationFinding; drifted: boolean };

const parse = (data: string | null) => (data ? (JSON.parse(data) as Record<string, unknown>) : null);
const deletedDiff: FieldDiff[] = [{ path: 'deleted', kind: 'changed', local: true, clerk: false }];
/** A version held here dated after Clerk's (and not too far ahead of the clock): a webhook newer than the page. */
const newerHere = (held: Date | null, clerkUpdatedAt: number, at: Date) =>
  held !== null && held.getTime() > clerkUpdatedAt && held.getTime() - at.getTime() <= MAX_VERSION_AHEAD_MS;

/** What a membership's difference is: the role (its name and permissions follow it), or anything else. */
const ROLE_FIELDS = new Set(['role', 'role_name', 'permissions']);

export function compareOrganization(
  o: ClerkOrganizationJson,
  local: LocalOrganization | undefined,
  at: Date,
): Compared {
  const finding = (cls: OrganizationDriftClass, diff: FieldDiff[]): NewOrganizationFinding => ({
    subject: 'organization',
    objectId: o.id,
    organizationId: o.id,
    userId: null,
    class: cls,
    diff,
    label: o.name || o.slug || null,
  });
  if (!local) return { inSync: false, finding: finding('missing', []), drifted: false };
  if (local.deleted) return { inSync: false, finding: finding('missing', deletedDiff), drifted: false };
  if (newerHere(local.clerkUpdatedAt, o.updated_at, at)) return { inSync: true, mark: false };
  const diff = local.data === JSON.stringify(o) ? [] : diffOrganizations(parse(local.data), o);
  if (diff.length === 0) return { inSync: true, mark: true };
  return { inSync: false, finding: finding('stale', diff), drifted: true };
}

const memberLabel = (m: ClerkOrganizationMembershipJson): string | null => {
  const who = publicUserLabel(JSON.stringify({ public_user_data: m.public_user_data ?? null }));
  const where = m.organization.name || m.organization.slug;
  return [who, where].filter(Boolean).join(' · ') || null;
};

export function compareMembership(
  m: ClerkOrganizationMembershipJson,
  local: LocalMembership | undefined,
  at: Date,
): Compared {
  const finding = (cls: MembershipDriftClass, diff: FieldDiff[]): NewOrganizationFinding => ({
    subject: 'membership',
    objectId: m.id,
    organizationId: m.organization.id,
    userId: m.public_user_data?.user_id ?? local?.userId ?? null,
    class: cls,
    diff,
    label: memberLabel(m),
  });
  if (!local) return { inSync: false, finding: finding('missing', []), drifted: false };
  if (local.deleted) return { inSync: false, finding: finding('missing', deletedDiff), drifted: false };
  if (newerHere(local.clerkUpdatedAt, m.updated_at, at)) return { inSync: true, mark: false };
  // the row keeps the membership without the organization it embeds (that is kept once, in Organization)
  const own = membershipColumnsOf(m as unknown as Record<string, unknown>, m.organization.id).data;
  const diff = local.data === own ? [] : diffMemberships(parse(local.data), parse(own));
  if (diff.length === 0) return { inSync: true, mark: false };
  const role = diff.some((d) => ROLE_FIELDS.has(d.path.split('.')[0]!));
  return { inSync: false, finding: finding(role ? 'role' : 'stale', diff), drifted: false };
}

/** Runs `fn` over `items`, at most `limit` at once; results in order. */
async function bounded<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

type Store = Pick<
  ReconcileRepository,
  | 'organizationsIn'
  | 'organizationsWithoutCreatedAt'
  | 'localOrganizations'
  | 'membershipsIn'
  | 'membershipsWithoutCreatedAt'
  | 'localMemberships'
>;

/**
 * Every local row whose created_at falls in the stretch [from, to] (and, when the stretch is open above, every one
 * without a created_at), a batch at a time.
 */
async function eachInStretch<L extends { id: string; clerkCreatedAt: Date | null }>(
  read: (w: CreatedStretch) => Promise<L[]>,
  readUndated: (afterId: string | null, take: number) => Promise<L[]>,
  s: PageStretch,
  take: (rows: L[]) => Promise<void>,
): Promise<void> {
  const from = s.from === null ? null : new Date(s.from);
  const to = s.to === null ? null : new Date(s.to);
  for (let after: CreatedStretch['after'] = null; ;) {
    const rows = await read({ from, to, after, take: STRETCH_BATCH });
    await take(rows);
    if (rows.length < STRETCH_BATCH) break;
    const last = rows.at(-1)!;
    after = { createdAt: last.clerkCreatedAt!, id: last.id };
  }
  for (let afterId: string | null = null; s.to === null;) {
    const rows = await readUndated(afterId, STRETCH_BATCH);
    await take(rows);
    if (rows.length < STRETCH_BATCH) break;
    afterId = rows.at(-1)!.id;
  }
}

/** A local row inside the page's stretch that the page did not list (its created_at at `to` is the next page's). */
const unlisted = (s: PageStretch, listed: ReadonlySet<string>, id: string, createdAt: Date | null) =>
  !listed.has(id) &&
  !(s.from !== null && createdAt !== null && createdAt.getTime() === s.from && s.exclude.has(id)) &&
  !(s.to !== null && createdAt !== null && createdAt.getTime() >= s.to);

interface Tally {
  checked: number;
  inSync: number;
  findings: NewOrganizationFinding[];
  inSyncOrganizationIds: string[];
  driftedOrganizationIds: string[];
}

const tally = (): Tally => ({
  checked: 0,
  inSync: 0,
  findings: [],
  inSyncOrganizationIds: [],
  driftedOrganizationIds: [],
});

/** `listed`: one of Clerk's items (checked); a local row Clerk no longer has is a finding, not an item checked. */
function count(t: Tally, c: Compared, organizationId: string | null, listed = true) {
  if (listed) t.checked++;
  if (c.inSync) {
    t.inSync++;
    if (c.mark && organizationId) t.inSyncOrganizationIds.push(organizationId);
  } else {
    t.findings.push(c.finding);
    if (c.drifted && organizationId) t.driftedOrganizationIds.push(organizationId);
  }
}

/** One page of organizations against the local copy, and the local ones in its stretch it did not list. */
async function classifyOrganizations(
  deps: { clerk: ClerkClient; store: Store },
  items: ClerkOrganizationJson[],
  s: PageStretch,
  at: Date,
): Promise<Tally> {
  const t = tally();
  const listed = new Set(items.map((o) => o.id));
  const locals = new Map<string, LocalOrganization>();
  const candidates: LocalOrganization[] = [];
  await eachInStretch(deps.store.organizationsIn, deps.store.organizationsWithoutCreatedAt, s, async (rows) => {
    for (const r of rows) {
      if (listed.has(r.id)) locals.set(r.id, r);
      else if (!r.deleted && unlisted(s, listed, r.id, r.clerkCreatedAt)) candidates.push(r);
    }
  });
  const rest = items.filter((o) => !locals.has(o.id)).map((o) => o.id);
  for (const r of rest.length ? await deps.store.localOrganizations(rest) : []) locals.set(r.id, r);
  for (const o of items) count(t, compareOrganization(o, locals.get(o.id), at), o.id);

  // Alive here, in this stretch, not listed: deleted in Clerk, or hidden from this page by a shift.
  const batches: LocalOrganization[][] = [];
  for (let i = 0; i < candidates.length; i += ORGANIZATION_ID_BATCH)
    batches.push(candidates.slice(i, i + ORGANIZATION_ID_BATCH));
  const answers = await bounded(batches, ASKS_AT_ONCE, async (batch) => {
    const found = await deps.clerk.organizationsPage(0, {
      organizationIds: batch.map((b) => b.id),
      limit: ORGANIZATION_ID_BATCH,
    });
    return new Map(found.data.map((o) => [o.id, o]));
  });
  batches.forEach((batch, i) => {
    for (const local of batch) {
      const now = answers[i]!.get(local.id);
      if (now) count(t, compareOrganization(now, local, at), local.id);
      else
        count(
          t,
          {
            inSync: false,
            finding: {
              subject: 'organization',
              objectId: local.id,
              organizationId: local.id,
              userId: null,
              class: 'deleted',
              diff: [],
              label: local.name || local.slug || null,
            },
            drifted: true,
          },
          local.id,
          false,
        );
    }
  });
  return t;
}

/** One page of memberships against the local copy, and the live local ones in its stretch it did not list. */
async function classifyMemberships(
  deps: { clerk: ClerkClient; store: Store },
  items: ClerkOrganizationMembershipJson[],
  s: PageStretch,
  at: Date,
): Promise<Tally> {
  const t = tally();
  const listed = new Set(items.map((m) => m.id));
  const locals = new Map<string, LocalMembership>();
  const candidates = new Map<string, LocalMembership[]>(); // by organization
  await eachInStretch(deps.store.membershipsIn, deps.store.membershipsWithoutCreatedAt, s, async (rows) => {
    for (const r of rows) {
      if (listed.has(r.id)) locals.set(r.id, r);
      else if (!r.deleted && unlisted(s, listed, r.id, r.clerkCreatedAt)) {
        const list = candidates.get(r.organizationId) ?? [];
        list.push(r);
        candidates.set(r.organizationId, list);
      }
    }
  });
  const rest = items.filter((m) => !locals.has(m.id)).map((m) => m.id);
  for (const r of rest.length ? await deps.store.localMemberships(rest) : []) locals.set(r.id, r);
  for (const m of items) count(t, compareMembership(m, locals.get(m.id), at), null);

  // Live here, in this stretch, not listed: asked about through their organization's list (there is no lookup of a
  // membership by id). An organization Clerk no longer has is itself the finding (deleted), when it is alive here:
  // its fix ends these memberships with it.
  const orgIds = [...candidates.keys()];
  const lists = await bounded(orgIds, ASKS_AT_ONCE, (id) => deps.clerk.listOrganizationMemberships(id));
  const gone = orgIds.filter((_, i) => lists[i] === null);
  const aliveHere = new Map(
    (gone.length ? await deps.store.localOrganizations(gone) : []).filter((o) => !o.deleted).map((o) => [o.id, o]),
  );
  orgIds.forEach((orgId, i) => {
    const list = lists[i];
    const org = aliveHere.get(orgId);
    if (!list && org) {
      count(
        t,
        {
          inSync: false,
          finding: {
            subject: 'organization',
            objectId: orgId,
            organizationId: orgId,
            userId: null,
            class: 'deleted',
            diff: [],
            label: org.name || org.slug || null,
          },
          drifted: true,
        },
        orgId,
        false,
      );
      return;
    }
    const byId = new Map((list ?? []).map((m) => [m.id, m]));
    for (const local of candidates.get(orgId)!) {
      const now = byId.get(local.id);
      if (now) count(t, compareMembership(now, local, at), null);
      else
        count(
          t,
          {
            inSync: false,
            finding: {
              subject: 'membership',
              objectId: local.id,
              organizationId: orgId,
              userId: local.userId,
              class: 'extra',
              diff: [],
              label: publicUserLabel(local.data),
            },
            drifted: false,
          },
          null,
          false,
        );
    }
  });
  return t;
}

interface WalkDeps {
  /** the client the run waits on (behind the rate budget) */
  clerk: ClerkClient;
  /** the same behind the same budget, for pages asked ahead */
  clerkAhead: ClerkClient;
  store: Store;
  commit: (c: OrganizationPageCommit) => Promise<void>;
  stopped: () => boolean;
  clock: () => Date;
  instance: string;
  pageSize: number;
  /** pages asked ahead at once */
  ahead: number;
  /** Clerk's totals when the run started (null: unknown): how far ahead pages are worth asking for */
  totals: { organizations: number | null; memberships: number | null };
}

/** One list, page after page from `state`, each committed with the state after it; answers the state it reached. */
async function walkList<T extends Item>(
  deps: WalkDeps,
  state: OrgWalkState,
  list: string,
  fetch: (offset: number) => Promise<{ data: T[]; total_count: number }>,
  classify: (items: T[], s: PageStretch, at: Date) => Promise<Tally>,
): Promise<OrgWalkState> {
  const phase = state.phase;
  const estimate = (phase === 'organizations' ? deps.totals.organizations : deps.totals.memberships) ?? Infinity;
  const pages = pagesAhead(fetch, deps.pageSize, deps.ahead, estimate);
  try {
    while (state.phase === phase && !deps.stopped()) {
      const answer = await pages.take(state.offset);
      if (deps.stopped()) break;
      const at = deps.clock();
      const { fresh, stretch, next } = advance(state, answer, deps.pageSize, list);
      const t = await classify(fresh, stretch, at);
      await deps.commit({
        phase: phase === 'organizations' ? 'organization' : 'membership',
        ...t,
        walk: JSON.stringify(next),
        instance: deps.instance,
        at,
      });
      state = next;
    }
    return state;
  } finally {
    await pages.close();
  }
}

/**
 * Walks organizations, then memberships, from `initial`, committing each page with the state after it, until both
 * lists are done or `stopped()` says so (a page fetched and not committed is asked again on resume).
 */
export async function walkOrganizations(deps: WalkDeps, initial: OrgWalkState): Promise<void> {
  let state = initial;
  if (state.phase === 'organizations')
    state = await walkList(
      deps,
      state,
      'GET /v1/organizations',
      (offset) => deps.clerkAhead.organizationsPage(offset, { limit: deps.pageSize }),
      (items, s, at) => classifyOrganizations(deps, items, s, at),
    );
  if (state.phase === 'memberships' && !deps.stopped())
    await walkList(
      deps,
      state,
      'GET /v1/organization_memberships',
      (offset) => deps.clerkAhead.allOrganizationMembershipsPage(offset, deps.pageSize),
      (items, s, at) => classifyMemberships(deps, items, s, at),
    );
}
