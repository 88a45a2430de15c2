// Background life for demos: sign-ups, profile edits, sign-ins/outs, revocations and deletions at a Poisson rate,
// each going through the emulator like a real change (store + webhook), so the dashboard moves from the first second.
// Organization life (created, renamed, members added / promoted / removed, invitations sent / accepted / revoked,
// organizations deleted) is a share of the steps on top of that: user and session changes keep their rate and mix.
import type { ClerkUserJson } from '../server/src/clerk/clerk-json.ts';
import { ADMIN_ROLE, MEMBER_ROLE, ORGANIZATION_ROLES, type Factories, type UserOverrides } from './factories.ts';
import type { Store } from './store.ts';

export interface ActivityConfig {
  perSecond: number;
  /** Keep the population in this band: below min, sign-ups win; above max, deletions win. */
  minUsers?: number;
  maxUsers?: number;
  /**
   * Share of all steps that change organizations (default DEFAULT_ORGANIZATION_SHARE; 0: none, at most 0.9). The
   * steps come 1 / (1 - share) times as often, so user and session changes still come at `perSecond`.
   */
  organizationShare?: number;
  /** Keep the number of organizations in this band (default 2..50), as minUsers / maxUsers do for users. */
  minOrganizations?: number;
  maxOrganizations?: number;
  /**
   * Clerk deletes organizations left with no members (its docs: a periodic job removes them). On (the default), the
   * step that removes an organization's last member — a member leaving, or a user deleted — deletes it too, with
   * its organization.deleted.
   */
  deleteEmptyOrganizations?: boolean;
}

export const DEFAULT_ORGANIZATION_SHARE = 0.2;
export const MAX_ORGANIZATION_SHARE = 0.9;

export interface ActivityActions {
  createUser(partial: UserOverrides): unknown;
  updateUser(id: string, patch: UserOverrides): unknown;
  deleteUser(id: string): unknown;
  createSession(userId: string): unknown;
  endSession(id: string): unknown;
  removeSession(id: string): unknown;
  revokeSession(id: string): unknown;
  /** An event type the monitor does not project (it must still accept and store it). */
  sendOtherEvent(type: string, data: unknown): unknown;
  createOrganization(createdBy: string): unknown;
  updateOrganization(
    id: string,
    patch: { name?: string; slug?: string; public_metadata?: Record<string, unknown> },
  ): unknown;
  deleteOrganization(id: string): unknown;
  /** Deletes those of these organizations that have no member left. */
  deleteEmptyOrganizations(ids: string[]): unknown;
  createMembership(organizationId: string, userId: string, role: string): unknown;
  updateMembership(organizationId: string, userId: string, role: string): unknown;
  deleteMembership(organizationId: string, userId: string): unknown;
  createInvitation(
    organizationId: string,
    input: { email_address: string; role: string; inviter_id: string | null },
  ): unknown;
  acceptInvitation(id: string): unknown;
  revokeInvitation(id: string): unknown;
}

export interface ActivityGenerator {
  set(config: ActivityConfig | null): void;
  get(): ActivityConfig | null;
  /** Runs one random action now (tests, and the control API's "tick"). Returns what it did. */
  tick(): string;
  stop(): void;
}

type Action = { name: string; weight: number; run: () => void };

export function createActivityGenerator(deps: {
  store: Store;
  factories: Factories;
  actions: ActivityActions;
  random: () => number;
  onError?: (err: unknown) => void;
}): ActivityGenerator {
  const { store, factories, actions, random } = deps;
  const f = factories.faker;
  let config: ActivityConfig | null = null;
  let timer: NodeJS.Timeout | null = null;

  const pick = <T>(list: T[]): T | undefined => list[Math.floor(random() * list.length)];
  const activeSessions = () => store.sessions({ status: 'active' });

  const profileChange = (u: ClerkUserJson): UserOverrides => {
    const changes: (() => UserOverrides)[] = [
      () => ({ first_name: f.person.firstName() }),
      () => ({ last_name: f.person.lastName() }),
      () => ({
        username: f.internet
          .username()
          .toLowerCase()
          .replace(/[^a-z0-9_-]/g, '_'),
      }),
      () => ({
        public_metadata: { ...u.public_metadata, plan: f.helpers.arrayElement(['free', 'pro', 'team', 'enterprise']) },
      }),
      () => ({
        unsafe_metadata: {
          ...u.unsafe_metadata,
          onboarding_complete: true,
          theme: f.helpers.arrayElement(['light', 'dark']),
        },
      }),
      () => ({
        has_image: true,
        image_url: `https://img.clerk.com/${Buffer.from(JSON.stringify({ type: 'proxy', src: f.image.avatarGitHub() })).toString('base64url')}`,
      }),
      () => {
        // Add a second email address and make it primary: the kind of nested change a diff must show.
        const email = factories.makeEmailAddress(
          f.internet.email({ firstName: u.first_name ?? undefined }).toLowerCase(),
        );
        return { email_addresses: [...u.email_addresses, email], primary_email_address_id: email.id };
      },
      () => ({ banned: !u.banned }),
    ];
    return pick(changes)!();
  };

  const organizationShare = () =>
    Math.min(MAX_ORGANIZATION_SHARE, Math.max(0, config?.organizationShare ?? DEFAULT_ORGANIZATION_SHARE));
  const deleteEmpty = () => config?.deleteEmptyOrganizations ?? true;

  /** One organization step, or null when none can be taken (no users yet). */
  const organizationTick = (): string | null => {
    const userIds = store.userIds();
    if (userIds.length === 0) return null;
    const orgIds = store.organizationIds();
    const populated = orgIds.filter((id) => store.memberCount(id) > 0);
    /** an organization with room for one more (0: no limit) */
    const hasRoom = (orgId: string) => {
      const limit = store.getOrganization(orgId)?.max_allowed_memberships ?? 0;
      return limit === 0 || store.memberCount(orgId) < limit;
    };
    const pending = store.invitations({ status: 'pending' });
    // the invitations their invitee can still take (not to a member by now, nor into a full organization)
    const acceptable = pending.filter((i) => {
      const u = store.userByEmail(i.email_address);
      return (!u || !store.isMember(i.organization_id, u.id)) && hasRoom(i.organization_id);
    });
    const min = config?.minOrganizations ?? 2;
    const max = config?.maxOrganizations ?? 50;
    const some = orgIds.length > 0;
    // who could join one organization, picked now so the step is only offered when it can be taken
    const joining = pick(orgIds);
    const outsiders =
      joining !== undefined && hasRoom(joining) ? userIds.filter((id) => !store.isMember(joining, id)) : [];
    const menu: Action[] = [
      {
        name: 'organization-created',
        weight: orgIds.length < min ? 100 : orgIds.length >= max ? 0 : 8,
        run: () => actions.createOrganization(pick(userIds)!),
      },
      {
        name: 'organization-updated',
        weight: some ? 10 : 0,
        run: () => {
          const org = store.getOrganization(pick(orgIds)!)!;
          const changes = [
            () => ({ name: f.company.name() }),
            () => {
              const name = f.company.name();
              // a rename that takes a new slug, when no one holds it
              const slug = factories.slugify(name);
              return store.getOrganization(slug) ? { name } : { name, slug };
            },
            () => ({
              public_metadata: { ...org.public_metadata, plan: f.helpers.arrayElement(['free', 'team', 'enterprise']) },
            }),
          ];
          actions.updateOrganization(org.id, pick(changes)!());
        },
      },
      {
        name: 'member-added',
        weight: outsiders.length ? 18 : 0,
        run: () => actions.createMembership(joining!, pick(outsiders)!, random() < 0.15 ? ADMIN_ROLE : MEMBER_ROLE),
      },
      {
        name: 'role-changed',
        weight: populated.length ? 8 : 0,
        run: () => {
          const m = pick(store.memberships({ organizationId: pick(populated)! }))!;
          const roles = Object.keys(ORGANIZATION_ROLES).filter((r) => r !== m.role);
          actions.updateMembership(m.organization.id, m.public_user_data!.user_id, pick(roles)!);
        },
      },
      {
        name: 'member-removed',
        weight: populated.length ? 8 : 0,
        run: () => {
          const orgId = pick(populated)!;
          const m = pick(store.memberships({ organizationId: orgId }))!;
          actions.deleteMembership(orgId, m.public_user_data!.user_id);
          if (deleteEmpty()) actions.deleteEmptyOrganizations([orgId]);
        },
      },
      {
        name: 'invitation-created',
        weight: some ? 12 : 0,
        run: () => {
          const orgId = pick(orgIds)!;
          // half the invitations go to people who already have an account
          const outsider = pick(userIds.filter((id) => !store.isMember(orgId, id)));
          const known = outsider && random() < 0.5 ? store.getUser(outsider) : undefined;
          const email =
            known?.email_addresses.find((e) => e.id === known.primary_email_address_id)?.email_address ??
            f.internet.email().toLowerCase();
          invite(orgId, email);
        },
      },
      {
        name: 'invitation-accepted',
        weight: acceptable.length ? 10 : 0,
        run: () => actions.acceptInvitation(pick(acceptable)!.id),
      },
      {
        name: 'invitation-revoked',
        weight: pending.length ? 4 : 0,
        run: () => actions.revokeInvitation(pick(pending)!.id),
      },
      {
        name: 'organization-deleted',
        weight: orgIds.length > min ? (orgIds.length >= max ? 60 : 2) : 0,
        run: () => actions.deleteOrganization(pick(orgIds)!),
      },
    ];
    const invite = (orgId: string, email: string) => {
      const admins = store.memberships({ organizationId: orgId }).filter((m) => m.role === ADMIN_ROLE);
      const inviter = pick(admins)?.public_user_data?.user_id ?? null;
      actions.createInvitation(orgId, { email_address: email, role: MEMBER_ROLE, inviter_id: inviter });
    };
    return run(menu);
  };

  const run = (menu: Action[]): string => {
    const total = menu.reduce((s, a) => s + a.weight, 0);
    let r = random() * total;
    const action = menu.find((a) => (r -= a.weight) < 0) ?? menu[0]!;
    action.run();
    return action.name;
  };

  const tick = (): string => {
    const share = organizationShare();
    // no draw when organizations are off: the user and session steps then run exactly as before they existed
    if (share > 0 && random() < share) {
      const did = organizationTick();
      if (did !== null) return did;
    }
    const users = store.users();
    const sessions = activeSessions();
    const min = config?.minUsers ?? 5;
    const max = config?.maxUsers ?? 500;
    const some = users.length > 0;
    const menu: Action[] = [
      {
        name: 'sign-up',
        weight: users.length < min ? 100 : users.length >= max ? 0 : 18,
        run: () => actions.createUser({}),
      },
      {
        name: 'profile-update',
        weight: some ? 25 : 0,
        run: () => {
          const u = pick(users)!;
          actions.updateUser(u.id, profileChange(u));
        },
      },
      { name: 'sign-in', weight: some ? 25 : 0, run: () => actions.createSession(pick(users)!.id) },
      { name: 'sign-out', weight: sessions.length ? 14 : 0, run: () => actions.endSession(pick(sessions)!.id) },
      {
        name: 'session-removed',
        weight: sessions.length ? 3 : 0,
        run: () => actions.removeSession(pick(sessions)!.id),
      },
      {
        name: 'session-revoked',
        weight: sessions.length ? 4 : 0,
        run: () => actions.revokeSession(pick(sessions)!.id),
      },
      {
        name: 'delete',
        weight: users.length > min ? (users.length >= max ? 60 : 5) : 0,
        run: () => {
          const id = pick(users)!.id;
          // the user's memberships go with the user; an organization that loses its last member goes too
          const orgIds = store.organizationIdsOf(id);
          actions.deleteUser(id);
          if (deleteEmpty() && orgIds.length > 0) actions.deleteEmptyOrganizations(orgIds);
        },
      },
      {
        name: 'email.created',
        weight: some ? 6 : 0,
        run: () => {
          const u = pick(users)!;
          const to =
            u.email_addresses.find((e) => e.id === u.primary_email_address_id)?.email_address ?? 'someone@example.com';
          const code = f.string.numeric(6);
          actions.sendOtherEvent('email.created', {
            object: 'email',
            id: factories.clerkId('ema'),
            slug: 'verification_code',
            from_email_name: 'notifications',
            to_email_address: to,
            email_address_id: u.primary_email_address_id,
            user_id: u.id,
            subject: `${code} is your verification code`,
            // the template's variables (EmailEventPayload.data is required)
            data: { otp_code: code, app: { name: 'Clerk Sync Monitor demo' } },
            status: 'queued',
            delivered_by_clerk: true,
          });
        },
      },
    ];
    return run(menu);
  };

  const loop = () => {
    if (!config || config.perSecond <= 0) return;
    // Exponential gaps = a Poisson process: bursts and lulls like real traffic, same mean rate. Organization steps
    // come on top: the whole stream runs faster by 1 / (1 - share), so user and session steps keep `perSecond`.
    const rate = config.perSecond / (1 - organizationShare());
    const gap = (-Math.log(1 - random()) * 1000) / rate;
    timer = setTimeout(
      () => {
        timer = null;
        try {
          tick();
        } catch (err) {
          deps.onError?.(err);
        }
        loop();
      },
      Math.min(gap, 60_000),
    );
  };

  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };

  return {
    set(next) {
      stop();
      config = next && next.perSecond > 0 ? { ...next } : null;
      loop();
    },
    get: () => (config ? { ...config } : null),
    tick,
    stop,
  };
}
