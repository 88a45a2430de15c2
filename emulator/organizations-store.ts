// The emulator's organizations: organizations, memberships (user × organization) and invitations, in memory. The
// users live in store.ts, which composes this part and tells it when a user goes. What is derived is derived on
// every read, so it is always true: an organization's members_count and pending_invitations_count, a membership's
// role_name and permissions (from its role), its organization (as it is now) and public_user_data (from the user).
// Deleting an organization deletes its memberships and invitations (the spec: "deleting an organization will also
// delete all memberships and invitations"); a deleted organization's id is remembered, like a deleted user's.
import type {
  ClerkOrganizationJson,
  ClerkOrganizationMembershipJson,
  ClerkUserJson,
} from '../server/src/clerk/clerk-json.ts';
import {
  ADMIN_ROLE,
  MEMBER_ROLE,
  ORGANIZATION_ROLES,
  type Factories,
  type InvitationJson,
  type OrganizationOverrides,
} from './factories.ts';

export type OrganizationOrderField = 'name' | 'created_at' | 'members_count';
export const ORGANIZATION_ORDER_FIELDS: readonly OrganizationOrderField[] = ['name', 'created_at', 'members_count'];

export type MembershipOrderField =
  'created_at' | 'email_address' | 'phone_number' | 'first_name' | 'last_name' | 'username';
export const MEMBERSHIP_ORDER_FIELDS: readonly MembershipOrderField[] = [
  'created_at',
  'email_address',
  'phone_number',
  'first_name',
  'last_name',
  'username',
];

export type InvitationOrderField = 'created_at' | 'email_address';
export const INVITATION_ORDER_FIELDS: readonly InvitationOrderField[] = ['created_at', 'email_address'];

/** Clerk's `+id` / `-id` lists: an id without a sign is included. */
export interface IdSelection {
  include: string[];
  exclude: string[];
}

interface Page<F extends string> {
  limit: number;
  offset: number;
  orderBy: { field: F; desc: boolean };
}

export interface OrganizationListQuery extends Page<OrganizationOrderField> {
  /** exact match on the id, partial (case-insensitive) on name and slug */
  query?: string;
  /** organizations with any included user as a member, and none of the excluded */
  userIds?: IdSelection;
  organizationIds?: IdSelection;
}

export interface MembershipListQuery extends Page<MembershipOrderField> {
  userIds?: IdSelection;
  emailAddresses?: string[];
  phoneNumbers?: string[];
  usernames?: string[];
  web3Wallets?: string[];
  roles?: string[];
  query?: string;
  emailAddressQuery?: string;
  phoneNumberQuery?: string;
  usernameQuery?: string;
  nameQuery?: string;
  /** the user's last_active_at / created_at, strictly before / after these epoch ms */
  lastActiveAtBefore?: number;
  lastActiveAtAfter?: number;
  createdAtBefore?: number;
  createdAtAfter?: number;
}

export interface InvitationListQuery extends Page<InvitationOrderField> {
  statuses?: string[];
  emailAddress?: string;
}

/** `{ data, total_count }` (a type, not an interface, so it fits the wire schemas' loose objects) */
export type ListAnswer<T> = { data: T[]; total_count: number };

export type OrganizationStoreErrorCode =
  | 'organization_not_found'
  | 'organization_deleted'
  | 'organization_exists'
  | 'organization_full'
  | 'membership_not_found'
  | 'membership_exists'
  | 'invitation_not_found'
  | 'invitation_not_pending'
  | 'role_not_found'
  | 'slug_invalid'
  | 'user_not_found';

/** What a membership holds of its own; the rest (organization, user data, role name, permissions) is derived. */
interface MembershipRecord {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  public_metadata: Record<string, unknown>;
  private_metadata: Record<string, unknown>;
  created_at: number;
  updated_at: number;
}

export interface MembershipPatch {
  role?: string;
  public_metadata?: Record<string, unknown>;
  private_metadata?: Record<string, unknown>;
}

export interface InvitationInput {
  email_address: string;
  role?: string;
  inviter_id?: string | null;
  public_metadata?: Record<string, unknown>;
  private_metadata?: Record<string, unknown>;
  expires_at?: number | null;
}

/** An organization as it is stored: without the counts, which are derived on every read. */
type OrganizationRecord = ClerkOrganizationJson;

export interface OrganizationStore {
  /** By id or slug, with its counts; undefined when there is none (or it was deleted). */
  getOrganization(idOrSlug: string): ClerkOrganizationJson | undefined;
  isOrganizationDeleted(id: string): boolean;
  organizations(): ClerkOrganizationJson[];
  deletedOrganizationIds(): string[];
  listOrganizations(q: OrganizationListQuery): ListAnswer<ClerkOrganizationJson>;
  /** Inserts the organization as given (its counts are ignored: they are derived). */
  insertOrganization(org: ClerkOrganizationJson): ClerkOrganizationJson;
  createOrganization(partial?: OrganizationOverrides): ClerkOrganizationJson;
  updateOrganization(id: string, patch: OrganizationOverrides): ClerkOrganizationJson;
  /** Deletes it with its memberships and invitations; answers them as they were. */
  deleteOrganization(id: string): {
    organization: ClerkOrganizationJson;
    memberships: ClerkOrganizationMembershipJson[];
    invitations: InvitationJson[];
  };

  getMembership(organizationId: string, userId: string): ClerkOrganizationMembershipJson | undefined;
  memberships(filter?: { organizationId?: string; userId?: string }): ClerkOrganizationMembershipJson[];
  /** How many members an organization has (0 for none or unknown), without building their JSON. */
  memberCount(organizationId: string): number;
  isMember(organizationId: string, userId: string): boolean;
  /** The current organizations' ids, without building their JSON (the activity picks from them). */
  organizationIds(): string[];
  /** The ids of the organizations a user is a member of. */
  organizationIdsOf(userId: string): string[];
  listMemberships(organizationId: string, q: MembershipListQuery): ListAnswer<ClerkOrganizationMembershipJson>;
  listUserMemberships(
    userId: string,
    page: { limit: number; offset: number },
  ): ListAnswer<ClerkOrganizationMembershipJson>;
  /** Every membership of the instance (GET /v1/organization_memberships), each with its organization. */
  listAllMemberships(q: Page<MembershipOrderField>): ListAnswer<ClerkOrganizationMembershipJson>;
  createMembership(
    organizationId: string,
    userId: string,
    input?: MembershipPatch & { created_at?: number },
  ): ClerkOrganizationMembershipJson;
  updateMembership(organizationId: string, userId: string, patch: MembershipPatch): ClerkOrganizationMembershipJson;
  /** Removes it; answers it as it was (updated_at not moved), its organization counted without it. */
  deleteMembership(organizationId: string, userId: string): ClerkOrganizationMembershipJson;

  getInvitation(id: string): InvitationJson | undefined;
  invitations(filter?: { organizationId?: string; status?: string }): InvitationJson[];
  listInvitations(organizationId: string, q: InvitationListQuery): ListAnswer<InvitationJson>;
  createInvitation(organizationId: string, input: InvitationInput): InvitationJson;
  /** The invitation accepted by `userId`, and the membership it made (its role and metadata carried over). */
  acceptInvitation(
    id: string,
    userId: string,
  ): { invitation: InvitationJson; membership: ClerkOrganizationMembershipJson };
  revokeInvitation(id: string): InvitationJson;
}

export interface OrganizationStoreDeps {
  factories: Factories;
  now: () => number;
  /** the users' part of the store */
  getUser(id: string): ClerkUserJson | undefined;
  /** the next updated_at after `prev` (the store's, so its ties option applies here too) */
  nextUpdatedAt(prev: number): number;
  /** raised for every refusal, so the store has one error type */
  fail(code: OrganizationStoreErrorCode, message: string): never;
}

const clone = <T>(v: T): T => structuredClone(v);
const lower = (s: string | null | undefined) => s?.toLowerCase() ?? null;

/** Sorts by key (nulls last either way), ties by insertion order in the list's direction. */
function sortBy<T>(list: T[], key: (x: T) => string | number | null, order: (x: T) => number, desc: boolean): T[] {
  return list
    .map((x) => ({ x, k: key(x), i: order(x) }))
    .sort((a, b) => {
      if (a.k === b.k) return desc ? b.i - a.i : a.i - b.i;
      if (a.k === null) return 1;
      if (b.k === null) return -1;
      const c = a.k < b.k ? -1 : 1;
      return desc ? -c : c;
    })
    .map((e) => e.x);
}

const selects = (sel: IdSelection | undefined, test: (id: string) => boolean): boolean =>
  !sel || ((sel.include.length === 0 || sel.include.some(test)) && !sel.exclude.some(test));

export function createOrganizationStore(deps: OrganizationStoreDeps): OrganizationStore {
  const { factories, now } = deps;
  const fail: OrganizationStoreDeps['fail'] = deps.fail;
  const orgs = new Map<string, OrganizationRecord>();
  const deleted = new Map<string, number>(); // id → deleted at (ms)
  const bySlug = new Map<string, string>(); // slug → id
  const members = new Map<string, Map<string, MembershipRecord>>(); // organization id → user id → membership
  const orgsOfUser = new Map<string, Set<string>>(); // user id → organization ids
  const invitations = new Map<string, InvitationJson>();
  const invitationsOf = new Map<string, Set<string>>(); // organization id → invitation ids
  const order = new Map<string, number>(); // id → insertion order, for stable ties
  let counter = 0;
  const remember = (id: string) => order.set(id, counter++);
  const orderOf = (id: string) => order.get(id) ?? 0;

  const roleOf = (role: string) => {
    const r = ORGANIZATION_ROLES[role];
    if (!r) fail('role_not_found', `no role ${role}: use one of ${Object.keys(ORGANIZATION_ROLES).join(', ')}`);
    return r;
  };

  // A pending invitation past expires_at is expired: Clerk sends no event for it, the change shows on the next read.
  const aged = (inv: InvitationJson): InvitationJson => {
    if (inv.status !== 'pending' || inv.expires_at === null || inv.expires_at > now()) return inv;
    const next = { ...inv, status: 'expired', updated_at: Math.max(inv.updated_at, inv.expires_at) };
    invitations.set(inv.id, next);
    return next;
  };

  const invitationsIn = (orgId: string) =>
    [...(invitationsOf.get(orgId) ?? [])].map((id) => aged(invitations.get(id)!));
  const pendingCount = (orgId: string) => invitationsIn(orgId).filter((i) => i.status === 'pending').length;

  const orgJson = (o: OrganizationRecord): ClerkOrganizationJson => {
    const list = members.get(o.id);
    const admins = list ? [...list.values()].filter((m) => m.role === ADMIN_ROLE).length : 0;
    return {
      ...clone(o),
      members_count: list?.size ?? 0,
      // no member may manage it: Clerk flags an organization whose last admin left
      missing_member_with_elevated_permissions: admins === 0,
      pending_invitations_count: pendingCount(o.id),
    };
  };

  const requireOrg = (id: string): OrganizationRecord => {
    const o = orgs.get(id);
    if (o) return o;
    if (deleted.has(id)) fail('organization_deleted', `organization ${id} was deleted`);
    fail('organization_not_found', `no organization ${id}`);
  };

  const requireUser = (id: string): ClerkUserJson => {
    const u = deps.getUser(id);
    if (!u) fail('user_not_found', `no user ${id}`);
    return u;
  };

  const membershipJson = (m: MembershipRecord, org?: ClerkOrganizationJson): ClerkOrganizationMembershipJson => {
    const { name, permissions } = roleOf(m.role);
    const user = deps.getUser(m.userId);
    return {
      object: 'organization_membership',
      id: m.id,
      role: m.role,
      role_name: name,
      permissions: [...permissions],
      public_metadata: clone(m.public_metadata),
      private_metadata: clone(m.private_metadata),
      organization: org ?? orgJson(orgs.get(m.organizationId)!),
      ...(user ? { public_user_data: factories.makePublicUserData(user) } : {}),
      created_at: m.created_at,
      updated_at: m.updated_at,
    };
  };

  const requireMembership = (orgId: string, userId: string): MembershipRecord => {
    requireOrg(orgId);
    const m = members.get(orgId)?.get(userId);
    if (!m) fail('membership_not_found', `user ${userId} is not a member of ${orgId}`);
    return m;
  };

  const requireInvitation = (id: string): InvitationJson => {
    const inv = invitations.get(id);
    if (!inv) fail('invitation_not_found', `no invitation ${id}`);
    return aged(inv);
  };

  const checkSlug = (slug: string, id: string) => {
    if (!/^[a-z0-9-]+$/.test(slug)) {
      fail('slug_invalid', `slug "${slug}" may hold only lowercase letters, digits and dashes`);
    }
    const holder = bySlug.get(slug);
    if (holder !== undefined && holder !== id) fail('organization_exists', `slug ${slug} is taken by ${holder}`);
  };

  /** A slug no other organization has: the name's, with a number when taken. */
  const freeSlug = (base: string) => {
    let slug = base;
    for (let i = 2; bySlug.has(slug); i++) slug = `${base}-${i}`;
    return slug;
  };

  const addMembership = (m: MembershipRecord) => {
    let list = members.get(m.organizationId);
    if (!list) members.set(m.organizationId, (list = new Map()));
    list.set(m.userId, m);
    let set = orgsOfUser.get(m.userId);
    if (!set) orgsOfUser.set(m.userId, (set = new Set()));
    set.add(m.organizationId);
    remember(m.id);
  };
  const dropMembership = (m: MembershipRecord) => {
    members.get(m.organizationId)?.delete(m.userId);
    orgsOfUser.get(m.userId)?.delete(m.organizationId);
    order.delete(m.id);
  };

  const page = <T>(list: T[], p: { limit: number; offset: number }): ListAnswer<T> => ({
    data: list.slice(p.offset, p.offset + p.limit),
    total_count: list.length,
  });

  const primaryEmail = (u: ClerkUserJson | undefined) =>
    u?.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ?? null;
  const primaryPhone = (u: ClerkUserJson | undefined) =>
    u?.phone_numbers.find((p) => p.id === u.primary_phone_number_id)?.phone_number ?? null;

  const memberMatches = (m: MembershipRecord, q: MembershipListQuery): boolean => {
    const u = deps.getUser(m.userId);
    if (!selects(q.userIds, (id) => id === m.userId)) return false;
    if (q.roles?.length && !q.roles.includes(m.role)) return false;
    if (!u) return !(q.emailAddresses?.length || q.phoneNumbers?.length || q.usernames?.length || q.query);
    const emails = u.email_addresses.map((e) => e.email_address.toLowerCase());
    const phones = u.phone_numbers.map((p) => p.phone_number);
    const has = (hay: (string | null)[], needle: string | undefined) =>
      needle === undefined || hay.some((h) => h?.toLowerCase().includes(needle.toLowerCase()));
    if (q.emailAddresses?.length && !q.emailAddresses.some((e) => emails.includes(e.toLowerCase()))) return false;
    if (q.phoneNumbers?.length && !q.phoneNumbers.some((p) => phones.includes(p))) return false;
    if (q.usernames?.length && !q.usernames.some((n) => lower(n) === lower(u.username))) return false;
    if (q.web3Wallets?.length && !u.web3_wallets.some((w) => q.web3Wallets!.includes(w.web3_wallet))) return false;
    if (!has(emails, q.emailAddressQuery) || !has(phones, q.phoneNumberQuery)) return false;
    if (!has([u.username], q.usernameQuery) || !has([u.first_name, u.last_name], q.nameQuery)) return false;
    const hay = [u.id, u.username, u.first_name, u.last_name, ...emails, ...phones];
    hay.push(...u.web3_wallets.map((w) => w.web3_wallet));
    if (!has(hay, q.query)) return false;
    const active = u.last_active_at;
    if (q.lastActiveAtBefore !== undefined && (active === null || active >= q.lastActiveAtBefore)) return false;
    if (q.lastActiveAtAfter !== undefined && (active === null || active <= q.lastActiveAtAfter)) return false;
    if (q.createdAtBefore !== undefined && u.created_at >= q.createdAtBefore) return false;
    if (q.createdAtAfter !== undefined && u.created_at <= q.createdAtAfter) return false;
    return true;
  };

  const memberSortKey = (m: MembershipRecord, field: MembershipOrderField): string | number | null => {
    if (field === 'created_at') return m.created_at;
    const u = deps.getUser(m.userId);
    if (field === 'email_address') return lower(primaryEmail(u));
    if (field === 'phone_number') return primaryPhone(u);
    return lower(u?.[field]);
  };

  const store: OrganizationStore = {
    getOrganization: (idOrSlug) => {
      const o = orgs.get(idOrSlug) ?? orgs.get(bySlug.get(idOrSlug) ?? '');
      return o && orgJson(o);
    },
    isOrganizationDeleted: (id) => deleted.has(id),
    organizations: () => [...orgs.values()].map(orgJson),
    deletedOrganizationIds: () => [...deleted.keys()],

    listOrganizations: (q) => {
      const query = q.query?.toLowerCase();
      const found = [...orgs.values()].filter(
        (o) =>
          (!query || o.id === q.query || o.name.toLowerCase().includes(query) || o.slug.includes(query)) &&
          selects(q.organizationIds, (id) => id === o.id) &&
          selects(q.userIds, (userId) => members.get(o.id)?.has(userId) ?? false),
      );
      const key = (o: OrganizationRecord): string | number =>
        q.orderBy.field === 'members_count'
          ? (members.get(o.id)?.size ?? 0)
          : q.orderBy.field === 'name'
            ? o.name.toLowerCase()
            : o.created_at;
      const sorted = sortBy(found, key, (o) => orderOf(o.id), q.orderBy.desc);
      const answer = page(sorted, q);
      return { data: answer.data.map(orgJson), total_count: answer.total_count };
    },

    insertOrganization: (org) => {
      if (orgs.has(org.id) || deleted.has(org.id)) fail('organization_exists', `organization ${org.id} exists`);
      checkSlug(org.slug, org.id);
      const {
        members_count: _members,
        pending_invitations_count: _pending,
        missing_member_with_elevated_permissions: _missing,
        ...record
      } = clone(org);
      orgs.set(org.id, record);
      bySlug.set(org.slug, org.id);
      remember(org.id);
      return orgJson(record);
    },
    createOrganization: (partial = {}) => {
      const t = now();
      const org = factories.makeOrganization({ created_at: t, updated_at: t, ...partial });
      if (partial.slug === undefined) org.slug = freeSlug(org.slug);
      return store.insertOrganization(org);
    },
    updateOrganization: (id, patch) => {
      const cur = requireOrg(id);
      const {
        id: _id,
        object: _object,
        created_at: _createdAt,
        members_count: _members,
        pending_invitations_count: _pending,
        missing_member_with_elevated_permissions: _missing,
        ...rest
      } = patch;
      if (rest.slug !== undefined) checkSlug(rest.slug, id);
      const next: OrganizationRecord = { ...cur, ...clone(rest), updated_at: deps.nextUpdatedAt(cur.updated_at) };
      if (patch.updated_at !== undefined && patch.updated_at > cur.updated_at) next.updated_at = patch.updated_at;
      if (next.slug !== cur.slug) {
        bySlug.delete(cur.slug);
        bySlug.set(next.slug, id);
      }
      orgs.set(id, next);
      return orgJson(next);
    },
    deleteOrganization: (id) => {
      const cur = requireOrg(id);
      const before = orgJson(cur);
      const list = [...(members.get(id)?.values() ?? [])];
      const gone = list.map((m) => membershipJson(m, before));
      const invs = invitationsIn(id);
      for (const m of list) dropMembership(m);
      for (const inv of invs) {
        invitations.delete(inv.id);
        order.delete(inv.id);
      }
      invitationsOf.delete(id);
      members.delete(id);
      orgs.delete(id);
      bySlug.delete(cur.slug);
      order.delete(id);
      deleted.set(id, now());
      return { organization: before, memberships: gone, invitations: invs.map(clone) };
    },

    getMembership: (orgId, userId) => {
      const m = members.get(orgId)?.get(userId);
      return m && membershipJson(m);
    },
    memberships: (filter = {}) => {
      const records = filter.organizationId
        ? [...(members.get(filter.organizationId)?.values() ?? [])]
        : filter.userId
          ? [...(orgsOfUser.get(filter.userId) ?? [])].map((orgId) => members.get(orgId)!.get(filter.userId!)!)
          : [...members.values()].flatMap((l) => [...l.values()]);
      return records
        .filter((m) => !filter.userId || m.userId === filter.userId)
        .sort((a, b) => orderOf(a.id) - orderOf(b.id))
        .map((m) => membershipJson(m));
    },
    memberCount: (orgId) => members.get(orgId)?.size ?? 0,
    isMember: (orgId, userId) => members.get(orgId)?.has(userId) ?? false,
    organizationIds: () => [...orgs.keys()],
    organizationIdsOf: (userId) => [...(orgsOfUser.get(userId) ?? [])],
    listMemberships: (orgId, q) => {
      const org = orgJson(requireOrg(orgId));
      const found = [...(members.get(orgId)?.values() ?? [])].filter((m) => memberMatches(m, q));
      const sorted = sortBy(
        found,
        (m) => memberSortKey(m, q.orderBy.field),
        (m) => orderOf(m.id),
        q.orderBy.desc,
      );
      const answer = page(sorted, q);
      return { data: answer.data.map((m) => membershipJson(m, org)), total_count: answer.total_count };
    },
    listUserMemberships: (userId, p) => {
      const records = [...(orgsOfUser.get(userId) ?? [])].map((orgId) => members.get(orgId)!.get(userId)!);
      const sorted = sortBy(
        records,
        (m) => m.created_at,
        (m) => orderOf(m.id),
        true,
      );
      const answer = page(sorted, p);
      return { data: answer.data.map((m) => membershipJson(m)), total_count: answer.total_count };
    },
    listAllMemberships: (q) => {
      const records = [...members.values()].flatMap((l) => [...l.values()]);
      const sorted = sortBy(
        records,
        (m) => memberSortKey(m, q.orderBy.field),
        (m) => orderOf(m.id),
        q.orderBy.desc,
      );
      const answer = page(sorted, q);
      return { data: answer.data.map((m) => membershipJson(m)), total_count: answer.total_count };
    },
    createMembership: (orgId, userId, input = {}) => {
      const org = requireOrg(orgId);
      const user = requireUser(userId);
      if (members.get(orgId)?.has(userId)) fail('membership_exists', `user ${userId} is already a member of ${orgId}`);
      const limit = org.max_allowed_memberships;
      if (limit > 0 && (members.get(orgId)?.size ?? 0) >= limit) {
        fail('organization_full', `organization ${orgId} allows ${limit} members`);
      }
      const role = input.role ?? MEMBER_ROLE;
      roleOf(role);
      const made = factories.makeOrganizationMembership(orgJson(org), user, {
        role,
        ...(input.created_at !== undefined ? { created_at: input.created_at, updated_at: input.created_at } : {}),
      });
      const m: MembershipRecord = {
        id: made.id,
        organizationId: orgId,
        userId,
        role,
        public_metadata: clone(input.public_metadata ?? {}),
        private_metadata: clone(input.private_metadata ?? {}),
        created_at: made.created_at,
        updated_at: made.updated_at,
      };
      addMembership(m);
      return membershipJson(m);
    },
    updateMembership: (orgId, userId, patch) => {
      const cur = requireMembership(orgId, userId);
      if (patch.role !== undefined) roleOf(patch.role);
      const next: MembershipRecord = {
        ...cur,
        ...(patch.role !== undefined ? { role: patch.role } : {}),
        ...(patch.public_metadata !== undefined ? { public_metadata: clone(patch.public_metadata) } : {}),
        ...(patch.private_metadata !== undefined ? { private_metadata: clone(patch.private_metadata) } : {}),
        updated_at: deps.nextUpdatedAt(cur.updated_at),
      };
      members.get(orgId)!.set(userId, next);
      return membershipJson(next);
    },
    deleteMembership: (orgId, userId) => {
      const cur = requireMembership(orgId, userId);
      dropMembership(cur);
      return membershipJson(cur);
    },

    getInvitation: (id) => {
      const inv = invitations.get(id);
      return inv && clone(aged(inv));
    },
    invitations: (filter = {}) =>
      (filter.organizationId ? invitationsIn(filter.organizationId) : [...invitations.values()].map(aged))
        .filter((i) => !filter.status || i.status === filter.status)
        .map(clone),
    listInvitations: (orgId, q) => {
      requireOrg(orgId);
      const email = q.emailAddress?.toLowerCase();
      const found = invitationsIn(orgId).filter(
        (i) => (!q.statuses?.length || q.statuses.includes(i.status)) && (!email || i.email_address === email),
      );
      const key = (i: InvitationJson) => (q.orderBy.field === 'email_address' ? i.email_address : i.created_at);
      const answer = page(
        sortBy(found, key, (i) => orderOf(i.id), q.orderBy.desc),
        q,
      );
      return { data: answer.data.map(clone), total_count: answer.total_count };
    },
    createInvitation: (orgId, input) => {
      requireOrg(orgId);
      const role = input.role ?? MEMBER_ROLE;
      roleOf(role);
      const inviter = input.inviter_id ? deps.getUser(input.inviter_id) : undefined;
      if (input.inviter_id && !inviter) fail('user_not_found', `no inviter ${input.inviter_id}`);
      const t = now();
      const inv = factories.makeOrganizationInvitation(
        { id: orgId },
        {
          email_address: input.email_address.toLowerCase(),
          role,
          inviter_id: inviter?.id ?? null,
          public_inviter_data: inviter ? factories.makePublicInviterData(inviter) : null,
          public_metadata: clone(input.public_metadata ?? {}),
          private_metadata: clone(input.private_metadata ?? {}),
          created_at: t,
          updated_at: t,
          ...(input.expires_at !== undefined ? { expires_at: input.expires_at } : {}),
        },
      );
      invitations.set(inv.id, inv);
      let ids = invitationsOf.get(orgId);
      if (!ids) invitationsOf.set(orgId, (ids = new Set()));
      ids.add(inv.id);
      remember(inv.id);
      return clone(inv);
    },
    acceptInvitation: (id, userId) => {
      const inv = requireInvitation(id);
      if (inv.status !== 'pending') fail('invitation_not_pending', `invitation ${id} is ${inv.status}`);
      // the membership first: if it cannot be made (already a member, organization full), nothing changes
      const membership = store.createMembership(inv.organization_id, userId, {
        role: inv.role,
        // "When the organization invitation is accepted, the metadata will be transferred to the membership"
        public_metadata: inv.public_metadata,
        private_metadata: inv.private_metadata ?? {},
      });
      const next: InvitationJson = { ...inv, status: 'accepted', updated_at: deps.nextUpdatedAt(inv.updated_at) };
      invitations.set(id, next);
      return { invitation: clone(next), membership };
    },
    revokeInvitation: (id) => {
      const inv = requireInvitation(id);
      if (inv.status !== 'pending') fail('invitation_not_pending', `invitation ${id} is ${inv.status}`);
      const next: InvitationJson = { ...inv, status: 'revoked', updated_at: deps.nextUpdatedAt(inv.updated_at) };
      invitations.set(id, next);
      return clone(next);
    },
  };
  return store;
}
