// Operator sign-in: bcrypt-hashed passwords, opaque random session tokens (only their SHA-256 is stored,
// so a database leak does not leak live sessions), API tokens for automation (same roles, also stored
// hashed), per-session CSRF tokens, and revocation that also reaches open sockets.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { OperatorDto, Role } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { Logger } from '../lib/logger.ts';
import { effectiveRole, type ApiTokensRepository } from './api-tokens.repository.ts';
import type { ServerSecretsRepository } from './server-secrets.repository.ts';
import { createDeviceCookies } from './device-cookie.ts';
import { createLoginLimiter, type LoginLimiter } from './login-limiter.ts';
import { AppError } from '../lib/errors.ts';
import { isUniqueViolation } from '../lib/db/errors.ts';

export const BCRYPT_COST = 10;
// Compared against when the email is unknown, so both paths take the same time.
const DUMMY_HASH = bcrypt.hashSync('not-a-password', BCRYPT_COST);
/** API tokens start with this, so a leaked one is recognisable (secret scanners, logs). */
export const API_TOKEN_PREFIX = 'csm_';
// lastUsedAt is informative: write it at most once a minute per token, not on every request.
const TOUCH_EVERY_MS = 60_000;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The CSRF token of a session: an HMAC keyed by the session token itself. Only someone holding the
 * (httpOnly) session cookie's value can compute it, so it needs no storage and dies with the session.
 */
export const csrfTokenFor = (sessionToken: string) =>
  createHmac('sha256', sessionToken).update('csrf').digest('base64url');

/** Who is making a request: a signed-in operator (cookie) or an API token (Bearer). */
export interface Principal {
  operator: OperatorDto;
  via: 'session' | 'token';
  /** session: SHA-256 of the cookie token (sockets are keyed by it) */
  sessionHash?: string;
  /** session: the CSRF token the request must carry for a change */
  csrfToken?: string;
  /** the operator behind the request: the signed-in one, or the owner a token acts for */
  actsFor: OperatorDto;
  /** session: signed in with a one-time password that must be replaced before anything else */
  mustChangePassword?: boolean;
}

/** The shortest password an operator may choose. */
export const MIN_PASSWORD_LENGTH = 12;

/** Where a sign-in comes from: the client's IP and the device cookie it sent, if any. */
export interface SignInClient {
  ip: string;
  deviceCookie?: string | undefined;
}

export type RevokedListener = (tokenHashes: string[]) => void;

export function createAuthService(deps: {
  repos: Repositories;
  apiTokens: ApiTokensRepository;
  serverSecrets: ServerSecretsRepository;
  sessionTtlMs: number;
  logger: Logger;
  clock?: () => Date;
  loginLimiter?: LoginLimiter;
}) {
  const clock = deps.clock ?? (() => new Date());
  const { operators } = deps.repos;
  const limiter = deps.loginLimiter ?? createLoginLimiter();
  // Loaded once (a failed load is tried again next time rather than remembered).
  let deviceKey: Promise<string> | null = null;
  const devices = createDeviceCookies({
    key: () =>
      (deviceKey ??= deps.serverSecrets
        .getOrCreate('device-cookie-key', () => randomBytes(32).toString('base64url'))
        .catch((err: unknown) => {
          deviceKey = null;
          throw err;
        })),
    clock,
  });
  const listeners = new Set<RevokedListener>();
  const touched = new Map<number, number>();

  const revoked = (hashes: string[]) => {
    if (hashes.length === 0) return;
    for (const l of listeners) l(hashes);
  };

  async function sessionWithFlags(
    tokenHash: string,
  ): Promise<{ operator: OperatorDto; mustChangePassword: boolean } | null> {
    const session = await operators.findSession(tokenHash);
    if (!session) return null;
    if (session.expiresAt <= clock() || session.operator.disabled) {
      await operators.deleteSession(session.tokenHash);
      revoked([session.tokenHash]);
      return null;
    }
    return { operator: toOperatorDto(session.operator), mustChangePassword: session.operator.mustChangePassword };
  }

  async function sessionByHash(tokenHash: string): Promise<OperatorDto | null> {
    return (await sessionWithFlags(tokenHash))?.operator ?? null;
  }

  return {
    /** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when there is no operator yet. */
    async ensureAdmin(email: string, password: string): Promise<boolean> {
      if ((await operators.count()) > 0) return false;
      try {
        await operators.create({
          email: email.toLowerCase(),
          passwordHash: await bcrypt.hash(password, BCRYPT_COST),
          role: 'admin',
        });
      } catch (err) {
        // Two instances starting together on one database: the other one created the admin first.
        if (isUniqueViolation(err)) return false;
        throw err;
      }
      deps.logger.info({ email }, 'created the first admin operator');
      return true;
    },

    /**
     * Checks a password within the sign-in limits. The attempt is reserved before bcrypt runs (so parallel
     * guesses cannot overtake the count); a client with a device cookie for this email has its own budget.
     * A success answers a renewed device cookie for the client to keep.
     */
    async login(
      email: string,
      password: string,
      client: SignInClient = { ip: 'unknown' },
    ): Promise<{
      token: string;
      operator: OperatorDto;
      expiresAt: Date;
      csrfToken: string;
      deviceCookie: string;
      mustChangePassword: boolean;
    }> {
      const key = email.toLowerCase();
      const deviceId = await devices.verify(client.deviceCookie, key);
      const attempt = await limiter.begin(key, client.ip, deviceId);
      let op: Awaited<ReturnType<typeof operators.findByEmail>>;
      let ok: boolean;
      try {
        op = await operators.findByEmail(key);
        ok = await bcrypt.compare(password, op?.passwordHash ?? DUMMY_HASH);
      } catch (err) {
        await attempt.released();
        throw err;
      }
      if (!op || !ok || op.disabled) {
        await attempt.failed();
        deps.logger.info({ email: key, ip: client.ip, trustedDevice: deviceId !== null }, 'failed sign-in');
        throw new AppError('invalid_credentials', 401, 'Email or password is wrong');
      }
      await attempt.succeeded();
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock().getTime() + deps.sessionTtlMs);
      await operators.createSession(hashToken(token), op.id, expiresAt);
      const deviceCookie = await devices.issue(key, deviceId);
      return {
        token,
        operator: toOperatorDto(op),
        expiresAt,
        csrfToken: csrfTokenFor(token),
        deviceCookie,
        mustChangePassword: op.mustChangePassword,
      };
    },

    /** The operator behind a session token, or null when missing, unknown, expired or disabled. */
    async authenticate(token: string | undefined): Promise<OperatorDto | null> {
      if (!token) return null;
      return sessionByHash(hashToken(token));
    },

    /** Re-checks a session by its hash (sockets hold the hash, not the token). */
    sessionByHash,

    /** A cookie session or a Bearer API token → who is asking, or null. */
    async principal(sessionToken: string | undefined, bearer: string | undefined): Promise<Principal | null> {
      if (bearer !== undefined) {
        if (!bearer.startsWith(API_TOKEN_PREFIX)) return null;
        const row = await deps.apiTokens.findByHash(hashToken(bearer));
        const now = clock();
        // Read with its owner on every request: disabling, demoting or deleting the owner applies at once.
        const role = row ? effectiveRole(row, now) : null;
        if (!row || !row.owner || !role) return null;
        if (now.getTime() - (touched.get(row.id) ?? 0) > TOUCH_EVERY_MS) {
          touched.set(row.id, now.getTime());
          await deps.apiTokens.touch(row.id, now);
        }
        // Negative ids keep tokens apart from operators wherever an id is shown or compared.
        return {
          via: 'token',
          operator: { id: -row.id, email: `token:${row.name}`, role },
          actsFor: toOperatorDto(row.owner),
        };
      }
      if (!sessionToken) return null;
      const sessionHash = hashToken(sessionToken);
      const session = await sessionWithFlags(sessionHash);
      if (!session) return null;
      const { operator, mustChangePassword } = session;
      return {
        via: 'session',
        operator,
        sessionHash,
        csrfToken: csrfTokenFor(sessionToken),
        actsFor: operator,
        mustChangePassword,
      };
    },

    /**
     * The signed-in operator replaces their password: the current one must match, the new one must be long
     * enough and different. Every other session of theirs ends (whoever knew the old password is signed out).
     */
    async changePassword(
      operatorId: number,
      keepSessionHash: string,
      currentPassword: string,
      newPassword: string,
    ): Promise<void> {
      const op = await operators.findById(operatorId);
      if (!op || op.disabled) throw new AppError('unauthorized', 401, 'Sign in first');
      if (!(await bcrypt.compare(currentPassword, op.passwordHash))) {
        throw new AppError('invalid_credentials', 400, 'The current password is wrong.');
      }
      if (newPassword.length < MIN_PASSWORD_LENGTH) {
        throw new AppError('weak_password', 400, `The new password needs at least ${MIN_PASSWORD_LENGTH} characters.`);
      }
      if (newPassword === currentPassword)
        throw new AppError('weak_password', 400, 'The new password must differ from the current one.');
      await operators.update(operatorId, {
        passwordHash: await bcrypt.hash(newPassword, BCRYPT_COST),
        mustChangePassword: false,
      });
      revoked(await operators.deleteSessionsOfExcept(operatorId, keepSessionHash));
    },

    async logout(token: string | undefined): Promise<void> {
      if (!token) return;
      const hash = hashToken(token);
      await operators.deleteSession(hash);
      revoked([hash]);
    },

    /** Sign out everywhere: every session of the operator, and their open sockets. */
    async logoutAll(operatorId: number): Promise<number> {
      const hashes = await operators.deleteSessionsOf(operatorId);
      revoked(hashes);
      return hashes.length;
    },

    /** Sockets subscribe: a revoked session's sockets are disconnected at once. */
    onRevoked(listener: RevokedListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

export function toOperatorDto(op: { id: number; email: string; role: string }): OperatorDto {
  return { id: op.id, email: op.email, role: op.role as Role };
}
