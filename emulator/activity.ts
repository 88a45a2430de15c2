// Background life for demos: sign-ups, profile edits, sign-ins/outs, revocations and deletions at a Poisson rate,
// each going through the emulator like a real change (store + webhook), so the dashboard moves from the first second.
import type { ClerkUserJson } from '../server/src/clerk/clerk-json.ts';
import type { Factories, UserOverrides } from './factories.ts';
import type { Store } from './store.ts';

export interface ActivityConfig {
  perSecond: number;
  /** Keep the population in this band: below min, sign-ups win; above max, deletions win. */
  minUsers?: number;
  maxUsers?: number;
}

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

  const tick = (): string => {
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
        run: () => actions.deleteUser(pick(users)!.id),
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
    const total = menu.reduce((s, a) => s + a.weight, 0);
    let r = random() * total;
    const action = menu.find((a) => (r -= a.weight) < 0) ?? menu[0]!;
    action.run();
    return action.name;
  };

  const loop = () => {
    if (!config || config.perSecond <= 0) return;
    // Exponential gaps = a Poisson process: bursts and lulls like real traffic, same mean rate.
    const gap = (-Math.log(1 - random()) * 1000) / config.perSecond;
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
