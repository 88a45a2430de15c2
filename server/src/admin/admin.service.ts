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
import { AppError, notFound } from '../lib/errors.ts';
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
    const losesAdmin = target.role === 'admin' && !target.disabled && ((next.role !== undefined && next.role !== 'admin') || next.disabled === true);
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
        const row = await operators.create({ email: req.email.toLowerCase(), passwordHash: await bcrypt.hash(password, BCRYPT_COST), role: req.role });
        await deps.audit?.record(actor.email, 'operator_create', row.email, { role: row.role, generatedPassword: oneTimePassword !== null });
        return { operator: toOperatorAdminDto(row), oneTimePassword };
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('conflict', 409, `An operator with the email ${req.email.toLowerCase()} exists already.`);
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
      const row = await operators.update(id, { ...(req.role ? { role: req.role } : {}), ...(req.disabled !== undefined ? { disabled: req.disabled } : {}) });
      // Disabling signs out everywhere (and closes its sockets); a new role applies to the next request.
      const signedOut = req.disabled === true ? await deps.auth.logoutAll(id) : 0;
      await deps.audit?.record(actor.email, 'operator_update', row.email, {
        ...(req.role && req.role !== target.role ? { role: { from: target.role, to: req.role } } : {}),
        ...(req.disabled !== undefined && req.disabled !== target.disabled ? { disabled: req.disabled } : {}),
        ...(signedOut ? { sessionsEnded: signedOut } : {}),
      });
      return toOperatorAdminDto(row);
    },

    async listTokens(): Promise<ApiTokenDto[]> {
      return (await deps.apiTokens.list()).map(toApiTokenDto);
    },

    async createToken(req: CreateApiTokenRequest, actor: OperatorDto): Promise<CreatedApiToken> {
      const secret = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const row = await deps.apiTokens.create({ name: req.name, role: req.role, tokenHash: hashToken(secret), createdBy: actor.email });
      await deps.audit?.record(actor.email, 'token_create', String(row.id), { name: row.name, role: row.role });
      return { token: toApiTokenDto(row), secret };
    },

    async revokeToken(id: number, actor: OperatorDto): Promise<ApiTokenDto> {
      const row = await deps.apiTokens.revoke(id, clock());
      if (!row) throw notFound(`API token ${id}`);
      await deps.audit?.record(actor.email, 'token_revoke', String(id), { name: row.name });
      return toApiTokenDto(row);
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;

export function toOperatorAdminDto(r: OperatorRow): OperatorAdminDto {
  return { id: r.id, email: r.email, role: r.role as Role, disabled: r.disabled, createdAt: r.createdAt.toISOString() };
}
