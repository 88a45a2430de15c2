// Administration: operators (invite, change role, disable) and API tokens (create, revoke). Admin-only at
// the route. Every change is audited; secrets (passwords, tokens) are answered once and never stored in clear.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcryptjs';
import type {
  ApiTokenDto,
  CreateApiTokenRequest,
  CreateOperatorRequest,
  CreateOperatorResult,
  CreatedApiToken,
  OperatorAdminDto,
  OperatorDto,
  Role,
  UpdateOperatorRequest,
} from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';
import type { OperatorRow } from '../auth/operators.repository.ts';
import { toApiTokenDto, type ApiTokensRepository } from '../auth/api-tokens.repository.ts';
import { API_TOKEN_PREFIX, BCRYPT_COST, hashToken } from '../auth/auth.service.ts';
import { AppError, badRequest, notFound } from '../lib/errors.ts';
import { isUniqueViolation } from '../lib/db/errors.ts';

export function createAdminService(deps: {
  repos: Repositories;
  apiTokens: ApiTokensRepository;
  auth: AuthService;
  audit?: AuditRecorder;
  clock?: () => Date;
}) {
  const clock = deps.clock ?? (() => new Date());
  const { operators } = deps.repos;

  async function keepAnAdmin(target: OperatorRow, next: { role?: Role; disabled?: boolean }) {
    const losesAdmin =
      target.role === 'admin' &&
      !target.disabled &&
      ((next.role !== undefined && next.role !== 'admin') || next.disabled === true);
    if (losesAdmin && (await operators.countActiveAdmins()) <= 1) {
      throw new AppError('last_admin', 409, 'This is the last active admin: make another operator an admin first.');
    }
  }

  return {
    async listOperators(): Promise<OperatorAdminDto[]> {
      return (await operators.list()).map(toOperatorAdminDto);
    },

    async createOperator(req: CreateOperatorRequest, actor: OperatorDto): Promise<CreateOperatorResult> {
      const oneTimePassword = req.password ? null : randomBytes(12).toString('base64url');
      const password = req.password ?? oneTimePassword!;
      try {
        // A generated password travelled through the admin's hands: its owner must replace it at first sign-in.
        const row = await operators.create({
          email: req.email.toLowerCase(),
          passwordHash: await bcrypt.hash(password, BCRYPT_COST),
          role: req.role,
          mustChangePassword: oneTimePassword !== null,
        });
        await deps.audit?.record(actor.email, 'operator_create', row.email, {
          role: row.role,
          generatedPassword: oneTimePassword !== null,
        });
        return { operator: toOperatorAdminDto(row), oneTimePassword };
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError('conflict', 409, `An operator with the email ${req.email.toLowerCase()} exists already.`);
        throw err;
      }
    },

    async updateOperator(id: number, req: UpdateOperatorRequest, actor: OperatorDto): Promise<OperatorAdminDto> {
      const target = await operators.findById(id);
      if (!target) throw notFound(`Operator ${id}`);
      if (target.id === actor.id && (req.disabled === true || (req.role !== undefined && req.role !== 'admin'))) {
        throw new AppError('forbidden', 403, 'You cannot disable yourself or remove your own admin role.');
      }
      await keepAnAdmin(target, req);
      const row = await operators.update(id, {
        ...(req.role ? { role: req.role } : {}),
        ...(req.disabled !== undefined ? { disabled: req.disabled } : {}),
      });
      // Disabling signs out everywhere (and closes its sockets) and revokes the operator's API tokens (enabling
      // again does not bring them back). A new role applies to the next request, of a session or of a token
      // (a token never does more than its owner's current role allows).
      const signedOut = req.disabled === true ? await deps.auth.logoutAll(id) : 0;
      const tokensRevoked = req.disabled === true ? await deps.apiTokens.revokeOwnedBy(id, clock()) : 0;
      await deps.audit?.record(actor.email, 'operator_update', row.email, {
        ...(req.role && req.role !== target.role ? { role: { from: target.role, to: req.role } } : {}),
        ...(req.disabled !== undefined && req.disabled !== target.disabled ? { disabled: req.disabled } : {}),
        ...(signedOut ? { sessionsEnded: signedOut } : {}),
        ...(tokensRevoked ? { tokensRevoked } : {}),
      });
      return toOperatorAdminDto(row);
    },

    async listTokens(): Promise<ApiTokenDto[]> {
      const now = clock();
      return (await deps.apiTokens.list()).map((t) => toApiTokenDto(t, now));
    },

    /**
     * A new token acting for `owner` (the signed-in operator, or the owner of the token making the request):
     * it can never do more than `owner` may at the time of each request.
     */
    async createToken(req: CreateApiTokenRequest, actor: OperatorDto, owner: OperatorDto): Promise<CreatedApiToken> {
      const now = clock();
      const expiresAt =
        req.expiresAt !== undefined
          ? new Date(req.expiresAt)
          : req.expiresInDays !== undefined
            ? new Date(now.getTime() + req.expiresInDays * 86_400_000)
            : null;
      if (expiresAt && expiresAt.getTime() <= now.getTime()) throw badRequest('expiresAt must be in the future');
      const secret = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const row = await deps.apiTokens.create({
        name: req.name,
        role: req.role,
        tokenHash: hashToken(secret),
        createdBy: actor.email,
        ownerId: owner.id,
        expiresAt,
      });
      await deps.audit?.record(actor.email, 'token_create', String(row.id), {
        name: row.name,
        role: row.role,
        owner: owner.email,
        ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
      });
      return { token: toApiTokenDto(row, now), secret };
    },

    async revokeToken(id: number, actor: OperatorDto): Promise<ApiTokenDto> {
      const now = clock();
      const row = await deps.apiTokens.revoke(id, now);
      if (!row) throw notFound(`API token ${id}`);
      await deps.audit?.record(actor.email, 'token_revoke', String(id), { name: row.name });
      return toApiTokenDto(row, now);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;

export function toOperatorAdminDto(r: OperatorRow): OperatorAdminDto {
  return { id: r.id, email: r.email, role: r.role as Role, disabled: r.disabled, createdAt: r.createdAt.toISOString() };
}
