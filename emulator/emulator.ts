// The built-in Clerk emulator: Clerk's Backend API (/v1), Svix-style signed webhook delivery with faults on demand,
// an activity generator and a local control API (/control). Demo mode, CI and `npm run emulator` all use it, so the
// monitor can be run and tested with no Clerk account and no tunnel. See docs/decisions/003-built-in-clerk-emulator.md.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express } from 'express';
import type {
  ClerkDeletedOrganizationJson,
  ClerkDeletedUserJson,
  ClerkEvent,
  ClerkOrganizationJson,
  ClerkOrganizationMembershipJson,
  ClerkSessionEventType,
  ClerkSessionJson,
  ClerkSessionStatus,
  ClerkUserJson,
} from '../server/src/clerk/clerk-json.ts';
import {
  ADMIN_ROLE,
  MEMBER_ROLE,
  createFactories,
  type Factories,
  type InvitationJson,
  type OrganizationOverrides,
  type UserOverrides,
} from './factories.ts';
import { createStore, StoreError, type Store } from './store.ts';
import type { InvitationInput, MembershipPatch } from './organizations-store.ts';
import { createRateLimiter, DEV_INSTANCE_RATE_LIMIT, type RateLimit } from './rate-limit.ts';
import { createBackendApiRouter, DEFAULT_USER_LIST_BEHAVIOUR, type UserListBehaviour } from './backend-api.ts';
import { applyFaultsPatch, NO_FAULTS, seededRandom, type Faults, type FaultsPatch } from './faults.ts';
import {
  createDispatcher,
  type DeliveryAttempt,
  type DispatcherLogger,
  type EnqueuedMessage,
  type MessageRecord,
} from './dispatcher.ts';
import { createActivityGenerator, type ActivityConfig } from './activity.ts';
import { createControlRouter } from './control-api.ts';

export type EmulatorLogger = DispatcherLogger & { error?(obj: object, msg?: string): void };

export interface EmulatorOptions {
  /** whsec_… used to sign every delivery (the receiver's CLERK_WEBHOOK_SIGNING_SECRET). */
  signingSecret: string;
  /** sk_… the Backend API accepts as Bearer token (the receiver's CLERK_SECRET_KEY). */
  secretKey: string;
  /** Webhook endpoint URLs; more can be added later with addTarget. */
  targets: string[];
  /** Multiplies Svix's retry delays (1 = real schedule). */
  timeFactor?: number;
  /** null disables the limit; default 100 requests / 10 s like a Clerk development instance. */
  rateLimit?: RateLimit | null;
  faults?: FaultsPatch;
  /** How GET /v1/users treats deep offsets, created_at bounds and a deleted cursor user (default: DEFAULT_USER_LIST_BEHAVIOUR). */
  userList?: Partial<UserListBehaviour>;
  /** Background activity; null/absent = none. */
  activity?: ActivityConfig | null;
  /** Users created at start, without webhooks (they "existed before the webhook was configured"). */
  seedUsers?: number;
  /** Organizations created at start, without webhooks, each with 3 members drawn from the users (made if too few). */
  seedOrganizations?: number;
  /** Seed for data and fault decisions. */
  seed?: number;
  /** Per-attempt timeout; Svix uses 15 s. */
  deliveryTimeoutMs?: number;
  now?: () => number;
  logger?: EmulatorLogger;
  /**
   * Probability that a change keeps the updated_at it had, so consecutive events of a user (or a session's
   * creation and end) share one, as Clerk allows. Default 0.
   */
  ties?: number;
  /** How long new sessions live before Clerk expires / abandons them, with no event (default 7 / 30 days). */
  sessionLifetime?: { expireMs: number; abandonMs: number } | null;
}

export interface WriteOptions {
  /** false: change the Clerk truth silently — drift on purpose. Default true. */
  sendWebhook?: boolean;
}

export interface ChangeResult<T> {
  data: T;
  event: ClerkEvent | null;
  message: EnqueuedMessage | null;
}

export interface EmulatorState {
  users: number;
  deletedUsers: number;
  sessions: number;
  activeSessions: number;
  organizations: number;
  deletedOrganizations: number;
  memberships: number;
  pendingInvitations: number;
  targets: string[];
  faults: Faults;
  activity: ActivityConfig | null;
  rateLimit: RateLimit | null;
  timeFactor: number;
  pendingDeliveries: number;
  messages: Record<string, number>;
  instanceId: string;
}

export interface Emulator {
  app: Express;
  store: Store;
  factories: Factories;
  readonly url: string | null;
  readonly signingSecret: string;
  readonly secretKey: string;
  listen(port?: number, host?: string): Promise<{ url: string }>;
  close(): Promise<void>;

  createUser(partial?: UserOverrides, opts?: WriteOptions): ClerkUserJson;
  /** A bulk import: `count` users created in the same millisecond (`createdAt`, default now). */
  importUsers(count: number, opts?: WriteOptions & { createdAt?: number }): ClerkUserJson[];
  updateUser(id: string, patch: UserOverrides, opts?: WriteOptions): ClerkUserJson;
  deleteUser(id: string, opts?: WriteOptions): ClerkDeletedUserJson;
  createSession(userId: string, overrides?: Partial<ClerkSessionJson>, opts?: WriteOptions): ClerkSessionJson;
  endSession(id: string, opts?: WriteOptions): ClerkSessionJson;
  removeSession(id: string, opts?: WriteOptions): ClerkSessionJson;
  revokeSession(id: string, opts?: WriteOptions): ClerkSessionJson;
  /** Sends any event (e.g. a type the monitor does not project) as Clerk would. */
  sendEvent(type: string, data: unknown): EnqueuedMessage;

  /**
   * An organization; with `created_by`, that user becomes its first admin (organization.created, then the
   * membership's organizationMembership.created, as Clerk sends them).
   */
  createOrganization(partial?: OrganizationOverrides, opts?: WriteOptions): ClerkOrganizationJson;
  updateOrganization(id: string, patch: OrganizationOverrides, opts?: WriteOptions): ClerkOrganizationJson;
  /** Deletes it with its memberships and invitations: one organization.deleted, no event per membership. */
  deleteOrganization(id: string, opts?: WriteOptions): ClerkDeletedOrganizationJson;
  /** Deletes, each with its organization.deleted, the given organizations (default: all) that have no member. */
  deleteEmptyOrganizations(ids?: string[], opts?: WriteOptions): ClerkDeletedOrganizationJson[];
  /** `count` organizations with `membersPerOrganization` members each (the first an admin), users made if too few. */
  seedOrganizations(count: number, opts?: WriteOptions & { membersPerOrganization?: number }): ClerkOrganizationJson[];
  createMembership(
    organizationId: string,
    userId: string,
    input?: MembershipPatch,
    opts?: WriteOptions,
  ): ClerkOrganizationMembershipJson;
  updateMembership(
    organizationId: string,
    userId: string,
    patch: MembershipPatch,
    opts?: WriteOptions,
  ): ClerkOrganizationMembershipJson;
  deleteMembership(organizationId: string, userId: string, opts?: WriteOptions): ClerkOrganizationMembershipJson;
  createInvitation(organizationId: string, input: InvitationInput, opts?: WriteOptions): InvitationJson;
  /**
   * The invitee accepts: `userId`, else the user with the invited email address, else a new user signs up with it
   * (user.created). Sends organizationInvitation.accepted (with user_id), then organizationMembership.created.
   */
  acceptInvitation(
    id: string,
    userId?: string,
    opts?: WriteOptions,
  ): { invitation: InvitationJson; membership: ClerkOrganizationMembershipJson };
  revokeInvitation(id: string, opts?: WriteOptions): InvitationJson;

  faults(): Faults;
  setFaults(patch: FaultsPatch): Faults;
  /** Every attempt fails for durationMs (real ms, not scaled); Svix's schedule catches up afterwards. */
  outage(durationMs: number): Faults;
  setActivity(config: ActivityConfig | null): void;
  /** Runs one random activity step now; returns its name (sign-up, profile-update, …). */
  activityTick(): string;
  setRateLimit(limit: RateLimit | null): void;
  setTies(probability: number): void;
  userList(): UserListBehaviour;
  setUserList(patch: Partial<UserListBehaviour>): UserListBehaviour;
  setTimeFactor(f: number): void;
  addTarget(url: string): void;
  removeTarget(url: string): void;
  targets(): string[];

  /** Resolves when no delivery is queued, scheduled or in flight (never, while activity keeps producing). */
  settled(): Promise<void>;
  /** Every attempt, oldest first: svixId, type, target, attempt, status, error, at, … */
  deliveries(): DeliveryAttempt[];
  /** Every delivery (message × endpoint, duplicates separately) and its state. */
  messages(): MessageRecord[];
  state(): EmulatorState;
}

/**
 * The user as a webhook carries it: the same content as the Backend API's answer, but not the same bytes (its
 * keys in another order here), as Clerk promises nothing about either serialisation. A receiver comparing bytes
 * instead of content would see a change where there is none.
 */
export function webhookJson(user: ClerkUserJson): ClerkUserJson {
  return Object.fromEntries(Object.entries(user).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as ClerkUserJson;
}

/** Any other object as a webhook carries it: the same content as the API's, its keys in another order. */
const webhookObject = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;

export const generateSigningSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;
export const generateSecretKey = (): string => `sk_test_${randomBytes(24).toString('base64url')}`;

export function createEmulator(options: EmulatorOptions): Emulator {
  const now = options.now ?? (() => Date.now());
  const factories = createFactories({ seed: options.seed, now });
  const random = seededRandom(options.seed);
  const log = options.logger;
  const store = createStore({
    factories,
    now,
    random,
    ...(options.ties !== undefined ? { ties: options.ties } : {}),
    ...(options.sessionLifetime !== undefined ? { sessionLifetime: options.sessionLifetime } : {}),
  });
  const rateLimiter = createRateLimiter(
    options.rateLimit === undefined ? DEV_INSTANCE_RATE_LIMIT : options.rateLimit,
    now,
  );
  let faults: Faults = applyFaultsPatch(NO_FAULTS, options.faults ?? {}, now());
  let userList: UserListBehaviour = { ...DEFAULT_USER_LIST_BEHAVIOUR, ...options.userList };
  let server: Server | null = null;
  let url: string | null = null;

  const dispatcher = createDispatcher({
    signingSecret: options.signingSecret,
    targets: options.targets,
    timeFactor: options.timeFactor ?? 1,
    faults: () => faults,
    random,
    newMessageId: () => factories.clerkId('msg'),
    now,
    timeoutMs: options.deliveryTimeoutMs,
    logger: log,
  });

  const emit = <T>(type: string, data: T, opts: WriteOptions | undefined, timestamp?: number) => {
    if (opts?.sendWebhook === false) return;
    dispatcher.enqueue(factories.makeEvent(type, data, timestamp ?? now()));
  };

  // Session events carry their whole user (the webhooks spec requires it, private_metadata included).
  const sessionEvent = (s: ClerkSessionJson) => {
    const user = store.getUser(s.user_id);
    return user ? { ...s, user: webhookJson(user) } : s;
  };

  // Membership events carry the whole organization as it is after the change (the spec's examples count the new
  // member in organizationMembership.created and no longer count the removed one in .deleted).
  const membershipEvent = (m: ClerkOrganizationMembershipJson) =>
    webhookObject({ ...m, organization: webhookObject(m.organization) });

  const sessionChange =
    (status: ClerkSessionStatus, type: ClerkSessionEventType) => (id: string, opts?: WriteOptions) => {
      const s = store.setSessionStatus(id, status);
      emit(type, sessionEvent(s), opts, s.updated_at);
      return s;
    };

  const emulator: Emulator = {
    app: express(),
    store,
    factories,
    get url() {
      return url;
    },
    signingSecret: options.signingSecret,
    secretKey: options.secretKey,

    createUser(partial = {}, opts) {
      const u = store.createUser(partial);
      emit('user.created', webhookJson(u), opts, u.updated_at);
      return u;
    },
    importUsers(count, opts = {}) {
      const at = opts.createdAt ?? now();
      return Array.from({ length: count }, () => emulator.createUser({ created_at: at, updated_at: at }, opts));
    },
    updateUser(id, patch, opts) {
      const u = store.updateUser(id, patch);
      emit('user.updated', webhookJson(u), opts, u.updated_at);
      return u;
    },
    deleteUser(id, opts) {
      const { user } = store.deleteUser(id);
      const data = factories.makeDeletedUser(id);
      // The deletion must order after the user's last version, even within the same millisecond.
      emit('user.deleted', data, opts, Math.max(now(), user.updated_at + 1));
      return data;
    },
    createSession(userId, overrides, opts) {
      const s = store.createSession(userId, overrides);
      emit('session.created', sessionEvent(s), opts, s.created_at);
      return s;
    },
    endSession: sessionChange('ended', 'session.ended'),
    removeSession: sessionChange('removed', 'session.removed'),
    revokeSession: sessionChange('revoked', 'session.revoked'),
    sendEvent: (type, data) => dispatcher.enqueue(factories.makeEvent(type, data, now())),

    createOrganization(partial = {}, opts) {
      const creator = partial.created_by;
      if (creator !== undefined && !store.getUser(creator)) {
        throw new StoreError(store.isDeleted(creator) ? 'user_deleted' : 'user_not_found', `no user ${creator}`);
      }
      const created = store.createOrganization(partial);
      const membership =
        creator === undefined
          ? null
          : store.createMembership(created.id, creator, { role: ADMIN_ROLE, created_at: created.created_at });
      const org = store.getOrganization(created.id)!;
      emit('organization.created', webhookObject(org), opts, org.created_at);
      if (membership) emit('organizationMembership.created', membershipEvent(membership), opts, membership.created_at);
      return org;
    },
    updateOrganization(id, patch, opts) {
      const org = store.updateOrganization(id, patch);
      emit('organization.updated', webhookObject(org), opts, org.updated_at);
      return org;
    },
    deleteOrganization(id, opts) {
      const { organization } = store.deleteOrganization(id);
      const data = factories.makeDeletedOrganization(organization);
      // ordered after the organization's last version, even within the same millisecond
      emit('organization.deleted', data, opts, Math.max(now(), organization.updated_at + 1));
      return data;
    },
    deleteEmptyOrganizations(ids, opts) {
      const candidates = ids ?? store.organizations().map((o) => o.id);
      return candidates
        .filter((id) => store.getOrganization(id) !== undefined && store.memberCount(id) === 0)
        .map((id) => emulator.deleteOrganization(id, opts));
    },
    seedOrganizations(count, opts = {}) {
      const size = opts.membersPerOrganization ?? 3;
      const missing = size - store.userIds().length;
      for (let i = 0; i < missing; i++) emulator.createUser({}, opts);
      return Array.from({ length: count }, () => {
        // `size` distinct users: a partial Fisher–Yates over the ids
        const ids = store.userIds();
        for (let i = 0; i < size; i++) {
          const j = i + Math.floor(random() * (ids.length - i));
          [ids[i], ids[j]] = [ids[j]!, ids[i]!];
        }
        const [creator, ...rest] = ids.slice(0, size);
        const org = emulator.createOrganization(creator === undefined ? {} : { created_by: creator }, opts);
        for (const userId of rest) emulator.createMembership(org.id, userId, { role: MEMBER_ROLE }, opts);
        return store.getOrganization(org.id)!;
      });
    },
    createMembership(organizationId, userId, input, opts) {
      const m = store.createMembership(organizationId, userId, input);
      emit('organizationMembership.created', membershipEvent(m), opts, m.created_at);
      return m;
    },
    updateMembership(organizationId, userId, patch, opts) {
      const m = store.updateMembership(organizationId, userId, patch);
      emit('organizationMembership.updated', membershipEvent(m), opts, m.updated_at);
      return m;
    },
    deleteMembership(organizationId, userId, opts) {
      const m = store.deleteMembership(organizationId, userId);
      // the membership as it was (updated_at not moved); the event orders after its last version
      emit('organizationMembership.deleted', membershipEvent(m), opts, Math.max(now(), m.updated_at + 1));
      return m;
    },
    createInvitation(organizationId, input, opts) {
      const inv = store.createInvitation(organizationId, input);
      emit('organizationInvitation.created', webhookObject(inv), opts, inv.created_at);
      return inv;
    },
    acceptInvitation(id, userId, opts) {
      const pending = store.getInvitation(id);
      if (!pending) throw new StoreError('invitation_not_found', `no invitation ${id}`);
      if (pending.status !== 'pending') {
        throw new StoreError('invitation_not_pending', `invitation ${id} is ${pending.status}`);
      }
      if (userId !== undefined && !store.getUser(userId)) {
        throw new StoreError(store.isDeleted(userId) ? 'user_deleted' : 'user_not_found', `no user ${userId}`);
      }
      const existing = userId === undefined ? store.userByEmail(pending.email_address) : undefined;
      const accepting = userId ?? existing?.id;
      if (accepting !== undefined && store.getMembership(pending.organization_id, accepting)) {
        throw new StoreError('membership_exists', `${accepting} is already a member of ${pending.organization_id}`);
      }
      // refused before anyone signs up through it: a full organization takes no one
      const org = store.getOrganization(pending.organization_id)!;
      if (org.max_allowed_memberships > 0 && (org.members_count ?? 0) >= org.max_allowed_memberships) {
        throw new StoreError(
          'organization_full',
          `organization ${org.id} allows ${org.max_allowed_memberships} members`,
        );
      }
      // the invitee signs up through the invitation when no user has the address
      const invitee =
        accepting ??
        emulator.createUser({ email_addresses: [factories.makeEmailAddress(pending.email_address)] }, opts).id;
      const { invitation, membership } = store.acceptInvitation(id, invitee);
      emit(
        'organizationInvitation.accepted',
        webhookObject({ ...invitation, user_id: invitee }),
        opts,
        invitation.updated_at,
      );
      emit('organizationMembership.created', membershipEvent(membership), opts, membership.created_at);
      return { invitation, membership };
    },
    revokeInvitation(id, opts) {
      const inv = store.revokeInvitation(id);
      emit('organizationInvitation.revoked', webhookObject(inv), opts, inv.updated_at);
      return inv;
    },

    faults: () => ({ ...faults }),
    setFaults(patch) {
      faults = applyFaultsPatch(faults, patch, now());
      log?.info?.({ faults }, 'emulator faults changed');
      return { ...faults };
    },
    outage: (durationMs) => emulator.setFaults({ outageMs: durationMs }),
    setActivity: (config) => activity.set(config),
    activityTick: () => activity.tick(),
    setRateLimit: (limit) => rateLimiter.set(limit),
    setTies: (p) => store.setTies(p),
    userList: () => ({ ...userList }),
    setUserList(patch) {
      userList = { ...userList, ...patch };
      return { ...userList };
    },
    setTimeFactor: (f) => dispatcher.setTimeFactor(f),
    addTarget: (u) => dispatcher.addTarget(u),
    removeTarget: (u) => dispatcher.removeTarget(u),
    targets: () => dispatcher.targets(),

    settled: () => dispatcher.settled(),
    deliveries: () => dispatcher.attempts(),
    messages: () => dispatcher.messages(),
    state() {
      const messages: Record<string, number> = {};
      for (const m of dispatcher.messages()) messages[m.state] = (messages[m.state] ?? 0) + 1;
      return {
        users: store.countUsers({}),
        deletedUsers: store.deletedUserIds().length,
        sessions: store.sessions().length,
        activeSessions: store.sessions({ status: 'active' }).length,
        organizations: store.organizations().length,
        deletedOrganizations: store.deletedOrganizationIds().length,
        memberships: store.organizationIds().reduce((n, id) => n + store.memberCount(id), 0),
        pendingInvitations: store.invitations({ status: 'pending' }).length,
        targets: dispatcher.targets(),
        faults: { ...faults },
        activity: activity.get(),
        rateLimit: rateLimiter.get(),
        timeFactor: dispatcher.timeFactor(),
        pendingDeliveries: dispatcher.pending(),
        messages,
        instanceId: factories.instanceId,
      };
    },

    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const s = emulator.app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          const addr = s.address() as AddressInfo;
          url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
          resolve({ url });
        });
        server = s;
      });
    },
    async close() {
      activity.stop();
      await dispatcher.close();
      if (server) {
        const s = server;
        server = null;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };

  const activity = createActivityGenerator({
    store,
    factories,
    random,
    actions: {
      createUser: (p) => emulator.createUser(p),
      updateUser: (id, p) => emulator.updateUser(id, p),
      deleteUser: (id) => emulator.deleteUser(id),
      createSession: (userId) => emulator.createSession(userId),
      endSession: (id) => emulator.endSession(id),
      removeSession: (id) => emulator.removeSession(id),
      revokeSession: (id) => emulator.revokeSession(id),
      sendOtherEvent: (type, data) => emulator.sendEvent(type, data),
      createOrganization: (createdBy) => emulator.createOrganization({ created_by: createdBy }),
      updateOrganization: (id, patch) => emulator.updateOrganization(id, patch),
      deleteOrganization: (id) => emulator.deleteOrganization(id),
      deleteEmptyOrganizations: (ids) => emulator.deleteEmptyOrganizations(ids),
      createMembership: (orgId, userId, role) => emulator.createMembership(orgId, userId, { role }),
      updateMembership: (orgId, userId, role) => emulator.updateMembership(orgId, userId, { role }),
      deleteMembership: (orgId, userId) => emulator.deleteMembership(orgId, userId),
      createInvitation: (orgId, input) => emulator.createInvitation(orgId, input),
      acceptInvitation: (id) => emulator.acceptInvitation(id),
      revokeInvitation: (id) => emulator.revokeInvitation(id),
    },
    onError: (err) => log?.warn?.({ err }, 'emulator activity step failed'),
  });

  // Users that existed before any webhook: the monitor only learns about them by backfilling from the API.
  for (let i = 0; i < (options.seedUsers ?? 0); i++) store.insertUser(factories.makeUser());
  if (options.seedOrganizations) emulator.seedOrganizations(options.seedOrganizations, { sendWebhook: false });

  const app = emulator.app;
  app.disable('x-powered-by');
  app.get('/', (_req, res) => {
    res.json({ name: 'clerk-emulator', backendApi: '/v1', control: '/control/state' });
  });
  app.use(
    '/v1',
    createBackendApiRouter({ store, secretKey: () => options.secretKey, rateLimiter, userList: () => userList }),
  );
  app.use('/control', createControlRouter(emulator));

  if (options.activity) activity.set(options.activity);
  return emulator;
}

export type StartEmulatorOptions = EmulatorOptions & { port?: number; host?: string };

/** createEmulator + listen: what demo mode and the CLI use. */
export async function startEmulator(options: StartEmulatorOptions): Promise<Emulator & { url: string }> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const emulator = createEmulator(rest);
  await emulator.listen(port, host);
  return emulator as Emulator & { url: string };
}
