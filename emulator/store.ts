// The emulator's "Clerk truth": users, sessions and organizations (organizations-store.ts) in memory. The Backend API reads it, the control API and the
// activity generator change it. A deleted user disappears from the API (404) but its id is remembered, so the
// emulator can tell "deleted" from "never existed" and a convergence check can expect a tombstone.
import type {
  ClerkOrganizationMembershipJson,
  ClerkSessionJson,
  ClerkSessionStatus,
  ClerkUserJson,
} from '../server/src/clerk/clerk-json.ts';
import type { Factories, UserOverrides } from './factories.ts';
import {
  createOrganizationStore,
  type OrganizationStore,
  type OrganizationStoreErrorCode,
} from './organizations-store.ts';

export type UserOrderField =
  | 'created_at'
  | 'updated_at'
  | 'last_sign_in_at'
  | 'last_active_at'
  | 'email_address'
  | 'first_name'
  | 'last_name'
  | 'username'
  | 'phone_number';

export const USER_ORDER_FIELDS: readonly UserOrderField[] = [
  'created_at',
  'updated_at',
  'last_sign_in_at',
  'last_active_at',
  'email_address',
  'first_name',
  'last_name',
  'username',
  'phone_number',
];

export interface UserFilter {
  userIds?: string[];
  emailAddresses?: string[];
  query?: string;
  /** created_at strictly after / before these epoch ms (Clerk's created_at_after / created_at_before) */
  createdAfter?: number;
  createdBefore?: number;
}

export interface UserListQuery extends UserFilter {
  limit: number;
  offset: number;
  orderBy: { field: UserOrderField; desc: boolean };
  startingAfter?: string;
  endingBefore?: string;
  /** created_at in ms, half-open [from, to): the route turns created_at_after/_before into it */
  createdAt?: { from?: number; to?: number };
}

export type StoreErrorCode =
  | 'user_not_found'
  | 'session_not_found'
  | 'user_deleted'
  | 'user_exists'
  | 'session_not_active'
  | OrganizationStoreErrorCode;

/** A user as the store holds it: its JSON, and its created_at and insertion order (the created_at index's keys). */
interface HeldUser {
  json: string;
  createdAt: number;
  order: number;
}

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface Store extends OrganizationStore {
  getUser(id: string): ClerkUserJson | undefined;
  isDeleted(id: string): boolean;
  users(): ClerkUserJson[];
  /** The current users' ids, without copying the users (the activity picks from them). */
  userIds(): string[];
  /** The user with this email address among theirs (any case), if any. */
  userByEmail(email: string): ClerkUserJson | undefined;
  deletedUserIds(): string[];
  /** null: starting_after / ending_before names no current user (deleted, or never existed) */
  listUsers(q: UserListQuery): ClerkUserJson[] | null;
  /** The same list as JSON, from each user's serialisation kept until it changes (a page of 500 is ~1 MB). */
  listUsersJson(q: UserListQuery): string | null;
  countUsers(f: UserFilter): number;
  insertUser(user: ClerkUserJson): ClerkUserJson;
  createUser(partial?: UserOverrides): ClerkUserJson;
  updateUser(id: string, patch: UserOverrides): ClerkUserJson;
  /** Deletes the user with its sessions and memberships; answers them as they were. */
  deleteUser(id: string): {
    user: ClerkUserJson;
    sessions: ClerkSessionJson[];
    memberships: ClerkOrganizationMembershipJson[];
  };
  getSession(id: string): ClerkSessionJson | undefined;
  sessions(filter?: { userId?: string; status?: string }): ClerkSessionJson[];
  createSession(userId: string, overrides?: Partial<ClerkSessionJson>): ClerkSessionJson;
  setSessionStatus(id: string, status: ClerkSessionStatus): ClerkSessionJson;
  /** Probability that a change keeps the updated_at it had (Clerk does not promise it strictly increases). */
  setTies(probability: number): void;
}

export interface StoreOptions {
  /** see Store.setTies; default 0 */
  ties?: number;
  /** how long a new session lives: expire_at and abandon_at after its creation (default 7 and 30 days) */
  sessionLifetime?: { expireMs: number; abandonMs: number } | null;
}

const sortKey = (u: ClerkUserJson, field: UserOrderField): string | number | null => {
  switch (field) {
    case 'email_address':
      return u.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ?? null;
    case 'phone_number':
      return u.phone_numbers.find((p) => p.id === u.primary_phone_number_id)?.phone_number ?? null;
    default:
      return u[field];
  }
};

const inCreatedRange = (createdAt: number, f: UserFilter): boolean =>
  (f.createdAfter === undefined || createdAt > f.createdAfter) &&
  (f.createdBefore === undefined || createdAt < f.createdBefore);

const matchesFilter = (u: ClerkUserJson, f: UserFilter): boolean => {
  if (!inCreatedRange(u.created_at, f)) return false;
  if (f.userIds?.length && !f.userIds.includes(u.id)) return false;
  if (f.emailAddresses?.length) {
    const wanted = f.emailAddresses.map((e) => e.toLowerCase());
    if (!u.email_addresses.some((e) => wanted.includes(e.email_address.toLowerCase()))) return false;
  }
  if (f.query) {
    // Clerk's `query` matches ids, emails, phones, usernames, names and web3 wallets by substring.
    const q = f.query.toLowerCase();
    const hay = [
      u.id,
      u.external_id,
      u.username,
      u.first_name,
      u.last_name,
      ...u.email_addresses.map((e) => e.email_address),
      ...u.phone_numbers.map((p) => p.phone_number),
    ];
    if (!hay.some((h) => h?.toLowerCase().includes(q))) return false;
  }
  return true;
};

export function createStore(
  deps: { factories: Factories; now: () => number; random?: () => number } & StoreOptions,
): Store {
  const { factories, now } = deps;
  const random = deps.random ?? Math.random;
  let ties = deps.ties ?? 0;
  // Users are held as their JSON text (what a page of the Backend API is made of) with the two numbers the
  // created_at index orders by: a user as objects took ~2.4 KB of heap and its cached JSON ~1.6 KB more, the text
  // alone is ~1.6 KB, so a million users (the reconcile benchmark) fit in under 2 GB. Reading a user parses it,
  // which is also the copy the store hands out.
  const users = new Map<string, HeldUser>();
  /** users inserted so far: each one's place in that order breaks created_at ties */
  let insertions = 0;
  const userOf = (id: string): ClerkUserJson | undefined => {
    const h = users.get(id);
    return h && (JSON.parse(h.json) as ClerkUserJson);
  };
  const allUsers = () => [...users.keys()].map((id) => userOf(id)!);
  const deleted = new Map<string, number>(); // id → deleted at (ms)
  const sessions = new Map<string, ClerkSessionJson>();

  // A change moves updated_at forward (it orders versions), except when ties are on: Clerk stamps versions with
  // a time, and two changes (or a session's creation and its end) can share one.
  const nextUpdatedAt = (prev: number) => (ties > 0 && random() < ties ? prev : Math.max(now(), prev + 1));

  // Clerk moves a live session to expired (past expire_at) or abandoned (past abandon_at) and sends no event;
  // the change shows on the next read, stamped with the deadline that passed.
  const aged = (s: ClerkSessionJson): ClerkSessionJson => {
    if (s.status !== 'active' && s.status !== 'pending') return s;
    const deadline = Math.min(s.expire_at, s.abandon_at);
    if (deadline > now()) return s;
    const next: ClerkSessionJson = {
      ...s,
      status: s.expire_at <= s.abandon_at ? 'expired' : 'abandoned',
      updated_at: Math.max(s.updated_at, deadline),
    };
    sessions.set(s.id, next);
    return next;
  };
  const clone = <T>(v: T): T => structuredClone(v);

  const requireUser = (id: string): ClerkUserJson => {
    const u = userOf(id);
    if (u) return u;
    if (deleted.has(id)) throw new StoreError('user_deleted', `user ${id} was deleted`);
    throw new StoreError('user_not_found', `no user ${id}`);
  };

  // ties are broken by insertion order, so sorting a few users orders them as sorting everyone would
  const sorted = (list: ClerkUserJson[], field: UserOrderField, desc: boolean) =>
    list
      .map((u) => ({ u, i: users.get(u.id)!.order, k: sortKey(u, field) }))
      .sort((a, b) => {
        // nulls last in both directions, like Postgres' default for DESC… close enough for paging tests
        if (a.k === b.k) return desc ? b.i - a.i : a.i - b.i;
        if (a.k === null) return 1;
        if (b.k === null) return -1;
        const c = a.k < b.k ? -1 : 1;
        return desc ? -c : c;
      })
      .map((x) => x.u);

  // Orderings other than created_at are kept like a database index instead of sorting every user on every
  // request (with 100,000 users that made a 500-user page cost ~60 ms here: far more than Clerk's own work),
  // rebuilt when users come, go or change.
  let membership = 0;
  let content = 0;
  const orderings = new Map<string, { at: string; ids: string[] }>();
  const ordering = (field: UserOrderField, desc: boolean) => {
    const key = `${desc ? '-' : '+'}${field}`;
    const at = `${membership}:${content}`;
    let o = orderings.get(key);
    if (o?.at !== at) {
      o = { at, ids: sorted(allUsers(), field, desc).map((u) => u.id) };
      orderings.set(key, o);
    }
    return o.ids;
  };

  // The created_at index: every user's id ascending by (created_at, insertion), kept up to date on each
  // insert and delete (created_at never changes). A cursor page, or a created_at window, is found by binary
  // search, so it costs the same anywhere in the list, as the spec says of Clerk's; only `offset` walks.
  const byCreated: string[] = [];
  const keyOf = (id: string): [number, number] => {
    const h = users.get(id)!;
    return [h.createdAt, h.order];
  };
  const before = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  /** first position in `ids` (ascending) whose key is not before `k` (`strict`: after `k`) */
  const search = (ids: readonly string[], lo: number, hi: number, k: [number, number], strict: boolean) => {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = keyOf(ids[mid]!);
      if (before(m, k) || (strict && m[0] === k[0] && m[1] === k[1])) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const indexInsert = (id: string) => {
    const k = keyOf(id);
    // sign-ups come last: the common case appends
    const last = byCreated.at(-1);
    if (last === undefined || before(keyOf(last), k)) byCreated.push(id);
    else byCreated.splice(search(byCreated, 0, byCreated.length, k, false), 0, id);
  };
  const indexDelete = (id: string) => {
    const i = search(byCreated, 0, byCreated.length, keyOf(id), false);
    if (byCreated[i] === id) byCreated.splice(i, 1);
  };

  /** The ids a created_at-ordered query answers, in order; null when its cursor names no current user. */
  const selectByCreated = (q: UserListQuery): string[] | null => {
    const cursorId = q.startingAfter ?? q.endingBefore;
    if (cursorId !== undefined && !users.has(cursorId)) return null;
    const { from, to } = q.createdAt ?? {};
    const inRange = (u: ClerkUserJson) =>
      (from === undefined || u.created_at >= from) && (to === undefined || u.created_at < to);
    // the users the filters leave, ascending, as positions lo..hi-1 of `ids`
    let ids: readonly string[];
    let lo: number;
    let hi: number;
    if (q.userIds?.length || q.emailAddresses?.length || q.query) {
      const found = q.userIds?.length
        ? [...new Set(q.userIds)].flatMap((id) => {
            const u = userOf(id);
            return u ? [u] : [];
          })
        : allUsers();
      ids = sorted(
        found.filter((u) => inRange(u) && matchesFilter(u, q)),
        'created_at',
        false,
      ).map((u) => u.id);
      [lo, hi] = [0, ids.length];
    } else {
      ids = byCreated;
      lo = from === undefined ? 0 : search(byCreated, 0, byCreated.length, [from, -Infinity], false);
      hi = to === undefined ? byCreated.length : search(byCreated, lo, byCreated.length, [to, -Infinity], false);
    }
    const up = (a: number, b: number) => ids.slice(Math.max(lo, a), Math.min(hi, b));
    const down = (a: number, b: number) => up(a, b).reverse();
    const { limit, offset } = q;
    const desc = q.orderBy.desc;
    if (cursorId !== undefined) {
      const k = keyOf(cursorId);
      const after = search(ids, lo, hi, k, true); // first position after the cursor
      const at = search(ids, lo, hi, k, false); // first position not before it
      // "after" in the list's direction: later keys ascending, earlier ones descending
      if (q.startingAfter !== undefined) return desc ? down(at - limit, at) : up(after, after + limit);
      return desc ? down(after, after + limit) : up(at - limit, at);
    }
    return desc ? down(hi - offset - limit, hi - offset) : up(lo + offset, lo + offset + limit);
  };

  /** The ids a list query answers, in order; null when its cursor names no current user. */
  const select = (q: UserListQuery): string[] | null => {
    if (q.orderBy.field === 'created_at') return selectByCreated(q);
    const { from, to } = q.createdAt ?? {};
    const keep = (id: string) => {
      const u = userOf(id)!;
      return (
        (from === undefined || u.created_at >= from) && (to === undefined || u.created_at < to) && matchesFilter(u, q)
      );
    };
    let list: string[];
    if (q.userIds?.length) {
      // by id: look the few users up instead of scanning (or ordering) everyone
      const found = [...new Set(q.userIds)].flatMap((id) => (users.has(id) && keep(id) ? [userOf(id)!] : []));
      list = sorted(found, q.orderBy.field, q.orderBy.desc).map((u) => u.id);
    } else {
      const all = ordering(q.orderBy.field, q.orderBy.desc);
      list = q.emailAddresses?.length || q.query || from !== undefined || to !== undefined ? all.filter(keep) : all;
    }
    // the route refuses cursors with these orderings; the store answers them by position all the same
    const cursorId = q.startingAfter ?? q.endingBefore;
    if (cursorId !== undefined) {
      const i = list.indexOf(cursorId);
      if (i === -1) return users.has(cursorId) ? [] : null;
      return q.startingAfter !== undefined
        ? list.slice(i + 1, i + 1 + q.limit)
        : list.slice(Math.max(0, i - q.limit), i);
    }
    return list.slice(q.offset, q.offset + q.limit);
  };

  const orgs = createOrganizationStore({
    factories,
    now,
    getUser: userOf,
    nextUpdatedAt,
    fail: (code, message) => {
      throw new StoreError(code, message);
    },
  });

  const store: Store = {
    ...orgs,
    getUser: userOf,
    isDeleted: (id) => deleted.has(id),
    users: () => allUsers(),
    userIds: () => [...users.keys()],
    userByEmail: (email) => {
      const wanted = email.toLowerCase();
      for (const [id, held] of users) {
        // the held text is a cheap filter: only a user whose JSON names the address is parsed
        if (!held.json.toLowerCase().includes(wanted)) continue;
        const u = userOf(id)!;
        if (u.email_addresses.some((e) => e.email_address.toLowerCase() === wanted)) return u;
      }
      return undefined;
    },
    deletedUserIds: () => [...deleted.keys()],

    listUsers: (q) => select(q)?.map((id) => userOf(id)!) ?? null,
    // the held text as it is: serialising is most of what answering a page costs
    listUsersJson: (q) => {
      const ids = select(q);
      return ids && `[${ids.map((id) => users.get(id)!.json).join(',')}]`;
    },
    countUsers: (f) => {
      // counting by created_at alone needs no user parsed
      if (!f.userIds?.length && !f.emailAddresses?.length && !f.query) {
        if (f.createdAfter === undefined && f.createdBefore === undefined) return users.size;
        let n = 0;
        for (const h of users.values()) if (inCreatedRange(h.createdAt, f)) n++;
        return n;
      }
      return allUsers().filter((u) => matchesFilter(u, f)).length;
    },
    setTies: (p) => {
      ties = p;
    },

    insertUser: (user) => {
      if (users.has(user.id) || deleted.has(user.id)) throw new StoreError('user_exists', `user ${user.id} exists`);
      const json = JSON.stringify(user);
      users.set(user.id, { json, createdAt: user.created_at, order: insertions++ });
      indexInsert(user.id);
      membership++;
      return JSON.parse(json) as ClerkUserJson;
    },
    createUser: (partial = {}) => {
      const t = now();
      // A sign-up happens now: fresh timestamps unless the caller sets them.
      const user = factories.makeUser({
        created_at: t,
        updated_at: t,
        last_sign_in_at: t,
        last_active_at: t,
        ...partial,
      });
      return store.insertUser(user);
    },
    updateUser: (id, patch) => {
      const cur = requireUser(id);
      const { id: _id, object: _object, created_at: _createdAt, ...rest } = patch;
      const next: ClerkUserJson = { ...cur, ...rest, updated_at: nextUpdatedAt(cur.updated_at) };
      if (patch.updated_at !== undefined && patch.updated_at > cur.updated_at) next.updated_at = patch.updated_at;
      const json = JSON.stringify(next);
      users.set(id, { ...users.get(id)!, json });
      content++;
      return JSON.parse(json) as ClerkUserJson;
    },
    deleteUser: (id) => {
      const cur = requireUser(id);
      // Clerk removes the user's memberships with the user (their organizations count one member fewer)
      const memberships = orgs.organizationIdsOf(id).map((orgId) => orgs.deleteMembership(orgId, id));
      indexDelete(id);
      users.delete(id);
      membership++;
      deleted.set(id, now());
      // Clerk drops the user's sessions with the user; they vanish from the API.
      const gone: ClerkSessionJson[] = [];
      for (const s of sessions.values()) {
        if (s.user_id === id) {
          gone.push(clone(s));
          sessions.delete(s.id);
        }
      }
      return { user: cur, sessions: gone, memberships };
    },

    getSession: (id) => {
      const s = sessions.get(id);
      return s && clone(aged(s));
    },
    sessions: (filter = {}) =>
      [...sessions.values()]
        .map(aged)
        .filter(
          (s) => (!filter.userId || s.user_id === filter.userId) && (!filter.status || s.status === filter.status),
        )
        .sort((a, b) => b.created_at - a.created_at)
        .map(clone),
    createSession: (userId, overrides = {}) => {
      requireUser(userId);
      const at = overrides.created_at ?? now();
      const life = deps.sessionLifetime
        ? { expire_at: at + deps.sessionLifetime.expireMs, abandon_at: at + deps.sessionLifetime.abandonMs }
        : {};
      const s = factories.makeSession({ id: userId }, { created_at: at, ...life, ...overrides });
      sessions.set(s.id, s);
      return clone(s);
    },
    setSessionStatus: (id, status) => {
      const held = sessions.get(id);
      if (!held) throw new StoreError('session_not_found', `no session ${id}`);
      const s = aged(held);
      if (s.status !== 'active' && s.status !== 'pending') {
        throw new StoreError('session_not_active', `session ${id} is ${s.status}`);
      }
      const next: ClerkSessionJson = { ...s, status, updated_at: nextUpdatedAt(s.updated_at) };
      sessions.set(id, next);
      return clone(next);
    },
  };
  return store;
}
