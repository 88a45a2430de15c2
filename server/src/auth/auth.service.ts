// Operator sign-in: bcrypt-hashed passwords, opaque random session tokens (only their SHA-256 is stored,
// so a database leak does not leak live sessions).
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { OperatorDto, Role } from '../contract.ts';
import type { Repositories } from '../lib/unit-of-work.ts';
import type { Logger } from '../lib/logger.ts';
import { AppError } from '../lib/errors.ts';

const BCRYPT_COST = 10;
// Compared against when the email is unknown, so both paths take the same time.
const DUMMY_HASH = bcrypt.hashSync('not-a-password', BCRYPT_COST);

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createAuthService(deps: { repos: Repositories; sessionTtlMs: number; logger: Logger; clock?: () => Date }) {
  const clock = deps.clock ?? (() => new Date());
  const { operators } = deps.repos;

  return {
    /** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when there is no operator yet. */
    async ensureAdmin(email: string, password: string): Promise<boolean> {
      if ((await operators.count()) > 0) return false;
      await operators.create({ email: email.toLowerCase(), passwordHash: await bcrypt.hash(password, BCRYPT_COST), role: 'admin' });
      deps.logger.info({ email }, 'created the first admin operator');
      return true;
    },

    async login(email: string, password: string): Promise<{ token: string; operator: OperatorDto; expiresAt: Date }> {
      const op = await operators.findByEmail(email.toLowerCase());
      const ok = await bcrypt.compare(password, op?.passwordHash ?? DUMMY_HASH);
      if (!op || !ok || op.disabled) throw new AppError('invalid_credentials', 401, 'Email or password is wrong');
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(clock().getTime() + deps.sessionTtlMs);
      await operators.createSession(hashToken(token), op.id, expiresAt);
      return { token, operator: toOperatorDto(op), expiresAt };
    },

    /** The operator behind a session token, or null when missing, unknown, expired or disabled. */
    async authenticate(token: string | undefined): Promise<OperatorDto | null> {
      if (!token) return null;
      const session = await operators.findSession(hashToken(token));
      if (!session) return null;
      if (session.expiresAt <= clock() || session.operator.disabled) {
        await operators.deleteSession(session.tokenHash);
        return null;
      }
      return toOperatorDto(session.operator);
    },

    async logout(token: string | undefined): Promise<void> {
      if (token) await operators.deleteSession(hashToken(token));
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

function toOperatorDto(op: { id: number; email: string; role: string }): OperatorDto {
  return { id: op.id, email: op.email, role: op.role as Role };
}
