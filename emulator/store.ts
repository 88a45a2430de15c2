// The emulator's "Clerk truth": users and sessions in memory. The Backend API reads it, the control API and the
// activity generator change it. A deleted user disappears from the API (404) but its id is remembered, so the
// emulator can tell "deleted" from "never existed" and a convergence check can expect a tombstone.
import type { ClerkSessionJson, ClerkSessionStatus, ClerkUserJson } from '../server/src/clerk/clerk-json.ts';
import type { Factories, UserOverrides } from './factories.ts';

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
}

export class StoreError extends Error {
  constructor(
    readonly code: 'user_not_found' | 'session_not_found' | 'user_deleted' | 'user_exists' | 'session_not_active',
    message: string,
  ) {
    super(message);
  }
}

export interface Store {
  getUser(id: string): ClerkUserJson | undefined;
  isDeleted(id: string): boolean;
  users(): ClerkUserJson[];
  deletedUserIds(): string[];
  listUsers(q: UserListQuery): ClerkUserJson[];
  /** The same list as JSON, from each user's serialisation kept until it changes (a page of 500 is ~1 MB). */
  listUsersJson(q: UserListQuery): string;
  countUsers(f: UserFilter): number;
  insertUser(user: ClerkUserJson): ClerkUserJson;
  createUser(partial?: UserOverrides): ClerkUserJson;
  updateUser(id: string, patch: UserOverrides): ClerkUserJson;
  deleteUser(id: string): { user: ClerkUserJson; sessions: ClerkSessionJson[] };
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

const inCreatedRange = (u: ClerkUserJson, f: UserFilter): boolean =>
  (f.createdAfter === undefined || u.created_at > f.createdAfter) && (f.createdBefore === undefined || u.created_at < f.createdBefore);

const matchesFilter = (u: ClerkUserJson, f: UserFilter): boolean => {
  if (!inCreatedRange(u, f)) return false;
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

export function createStore(deps: { factories: Factories; now: () => number; random?: () => number } & StoreOptions): Store {
  const { factories, now } = deps;
  const random = deps.random ?? Math.random;
  let ties = deps.ties ?? 0;
  const users = new Map<string, ClerkUserJson>();
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
    const next: ClerkSessionJson = { ...s, status: s.expire_at <= s.abandon_at ? 'expired' : 'abandoned', updated_at: Math.max(s.updated_at, deadline) };
    sessions.set(s.id, next);
    return next;
  };
  const clone = <T>(v: T): T => structuredClone(v);

  const requireUser = (id: string): ClerkUserJson => {
    const u = users.get(id);
    if (u) return u;
    if (deleted.has(id)) throw new StoreError('user_deleted', `user ${id} was deleted`);
    throw new StoreError('user_not_found', `no user ${id}`);
  };

  // ties are broken by insertion order, so sorting a few users orders them as sorting everyone would
  const inserted = new Map<string, number>();
  const sorted = (list: ClerkUserJson[], field: UserOrderField, desc: boolean) =>
    list
      .map((u) => ({ u, i: inserted.get(u.id)!, k: sortKey(u, field) }))
      .sort((a, b) => {
        // nulls last in both directions, like Postgres' default for DESC… close enough for paging tests
        if (a.k === b.k) return desc ? b.i - a.i : a.i - b.i;
        if (a.k === null) return 1;
        if (b.k === null) return -1;
        const c = a.k < b.k ? -1 : 1;
        return desc ? -c : c;
      })
      .map((x) => x.u);

  // Orderings are kept like a database index instead of sorting every user on every request (with 100,000
  // users that made a 500-user page cost ~60 ms and a user_id[] lookup ~50 ms here: far more than Clerk's own
  // work, measured inside the caller's benchmark). created_at never changes, so its ordering is rebuilt only
  // when users come or go; the other fields' also when a user changes.
  let membership = 0;
  let content = 0;
  const orderings = new Map<string, { at: string; ids: string[]; rank: Map<string, number> }>();
  const ordering = (field: UserOrderField, desc: boolean) => {
    const key = `${desc ? '-' : '+'}${field}`;
    const at = field === 'created_at' ? `${membership}` : `${membership}:${content}`;
    let o = orderings.get(key);
    if (o?.at !== at) {
      const ids = sorted([...users.values()], field, desc).map((u) => u.id);
      o = { at, ids, rank: new Map(ids.map((id, i) => [id, i])) };
      orderings.set(key, o);
    }
    return o;
  };

  /** The ids a list query answers, in order. */
  const select = (q: UserListQuery): string[] => {
    let list: string[];
    let rank: Map<string, number> | null = null;
    if (q.userIds?.length) {
      // by id: look the few users up instead of scanning (or ordering) everyone
      const found = [...new Set(q.userIds)].flatMap((id) => {
        const u = users.get(id);
        return u !== undefined && matchesFilter(u, q) ? [u] : [];
      });
      list = sorted(found, q.orderBy.field, q.orderBy.desc).map((u) => u.id);
    } else {
      const o = ordering(q.orderBy.field, q.orderBy.desc);
      const ranged = q.createdAfter !== undefined || q.createdBefore !== undefined;
      if (q.emailAddresses?.length || q.query || (ranged && q.orderBy.field !== 'created_at')) list = o.ids.filter((id) => matchesFilter(users.get(id)!, q));
      else if (ranged) {
        // ordered by created_at: the window is one slice of the ordering, found by bisection (a million users
        // walked in windows must not cost a scan per page)
        const [lo, hi] = createdSlice(o.ids, q);
        list = o.ids.slice(lo, hi);
        // the cursor's place inside the slice, from the ordering's ranks (no scan)
        rank = new Map();
        const cursor = q.startingAfter ?? q.endingBefore;
        const r = cursor === undefined ? undefined : o.rank.get(cursor);
        if (cursor !== undefined && r !== undefined && r >= lo && r < hi) rank.set(cursor, r - lo);
      } else ({ ids: list, rank } = o);
    }
    const at = (id: string) => (rank ? (rank.get(id) ?? -1) : list.indexOf(id));
    if (q.startingAfter) {
      const i = at(q.startingAfter);
      return i === -1 ? [] : list.slice(i + 1, i + 1 + q.limit);
    }
    if (q.endingBefore) {
      const i = at(q.endingBefore);
      return i === -1 ? [] : list.slice(Math.max(0, i - q.limit), i);
    }
    return list.slice(q.offset, q.offset + q.limit);
  };

  /** [from, to) of an ordering by created_at holding the users inside the query's created_at window. */
  const createdSlice = (ids: string[], q: UserListQuery): [number, number] => {
    const at = (i: number) => users.get(ids[i]!)!.created_at;
    // first index whose created_at satisfies `pred`, for a predicate monotone along the ordering
    const bisect = (pred: (t: number) => boolean): number => {
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (pred(at(mid))) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    const after = q.createdAfter ?? -Infinity;
    const before = q.createdBefore ?? Infinity;
    if (q.orderBy.desc) return [bisect((t) => t < before), bisect((t) => t <= after)];
    return [bisect((t) => t > after), bisect((t) => t >= before)];
  };

  // Each user's JSON, kept until the user changes: serialising is most of what answering a page costs.
  const json = new Map<string, string>();
  const jsonOf = (id: string): string => {
    let text = json.get(id);
    if (text === undefined) json.set(id, (text = JSON.stringify(users.get(id))));
    return text;
  };

  const store: Store = {
    getUser: (id) => {
      const u = users.get(id);
      return u && clone(u);
    },
    isDeleted: (id) => deleted.has(id),
    users: () => [...users.values()].map(clone),
    deletedUserIds: () => [...deleted.keys()],

    listUsers: (q) => select(q).map((id) => clone(users.get(id)!)),
    listUsersJson: (q) => `[${select(q).map(jsonOf).join(',')}]`,
    countUsers: (f) => [...users.values()].filter((u) => matchesFilter(u, f)).length,
    setTies: (p) => {
      ties = p;
    },

    insertUser: (user) => {
      if (users.has(user.id) || deleted.has(user.id)) throw new StoreError('user_exists', `user ${user.id} exists`);
      users.set(user.id, clone(user));
      inserted.set(user.id, inserted.size);
      json.delete(user.id);
      membership++;
      return clone(user);
    },
    createUser: (partial = {}) => {
      const t = now();
      // A sign-up happens now: fresh timestamps unless the caller sets them.
      const user = factories.makeUser({ created_at: t, updated_at: t, last_sign_in_at: t, last_active_at: t, ...partial });
      return store.insertUser(user);
    },
    updateUser: (id, patch) => {
      const cur = requireUser(id);
      const { id: _id, object: _object, created_at: _createdAt, ...rest } = patch;
      const next: ClerkUserJson = { ...cur, ...clone(rest), updated_at: nextUpdatedAt(cur.updated_at) };
      if (patch.updated_at !== undefined && patch.updated_at > cur.updated_at) next.updated_at = patch.updated_at;
      users.set(id, next);
      json.delete(id);
      content++;
      return clone(next);
    },
    deleteUser: (id) => {
      const cur = requireUser(id);
      users.delete(id);
      json.delete(id);
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
      return { user: clone(cur), sessions: gone };
    },

    getSession: (id) => {
      const s = sessions.get(id);
      return s && clone(aged(s));
    },
    sessions: (filter = {}) =>
      [...sessions.values()]
        .map(aged)
        .filter((s) => (!filter.userId || s.user_id === filter.userId) && (!filter.status || s.status === filter.status))
        .sort((a, b) => b.created_at - a.created_at)
        .map(clone),
    createSession: (userId, overrides = {}) => {
      requireUser(userId);
      const at = overrides.created_at ?? now();
      const life = deps.sessionLifetime ? { expire_at: at + deps.sessionLifetime.expireMs, abandon_at: at + deps.sessionLifetime.abandonMs } : {};
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
