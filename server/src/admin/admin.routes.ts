import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../contract.ts';
import type { AdminService } from './admin.service.ts';
import type { RetentionService } from '../retention/retention.service.ts';
import { currentOperator, currentPrincipal } from '../auth/auth.middleware.ts';
import { parseBody } from '../lib/http.ts';
import { badRequest } from '../lib/errors.ts';

const CreateOperator = z.object({
  email: z.string().email().max(320),
  role: z.enum(ROLES),
  password: z.string().min(8, 'at least 8 characters').max(1000).optional(),
});
const UpdateOperator = z
  .object({ role: z.enum(ROLES).optional(), disabled: z.boolean().optional() })
  .refine((v) => v.role !== undefined || v.disabled !== undefined, 'give role or disabled');
const CreateToken = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(ROLES),
    expiresInDays: z
      .number()
      .int('a whole number of days')
      .min(1, 'at least 1 day')
      .max(3650, 'at most 3650 days')
      .optional(),
    expiresAt: z.iso.datetime({ offset: true, message: 'an ISO date and time, e.g. 2027-01-31T00:00:00Z' }).optional(),
  })
  .refine(
    (v) => v.expiresInDays === undefined || v.expiresAt === undefined,
    'give expiresInDays or expiresAt, not both',
  );
const Id = z.coerce.number().int().positive();
const UserId = z.string().min(1).max(200);

/** Mounted behind requireRole('admin'). */
export function adminRoutes(admin: AdminService, retention: RetentionService) {
  const r = Router();
  const idOf = (raw: string) => {
    const id = Id.safeParse(raw);
    if (!id.success) throw badRequest('id must be a positive integer');
    return id.data;
  };

  r.get('/operators', async (_req, res) => {
    res.json(await admin.listOperators());
  });
  r.post('/operators', async (req, res) => {
    res.status(201).json(await admin.createOperator(parseBody(CreateOperator, req.body), currentOperator(res)));
  });
  r.patch('/operators/:id', async (req, res) => {
    res.json(
      await admin.updateOperator(idOf(req.params.id), parseBody(UpdateOperator, req.body), currentOperator(res)),
    );
  });

  r.get('/tokens', async (_req, res) => {
    res.json(await admin.listTokens());
  });
  r.post('/tokens', async (req, res) => {
    res
      .status(201)
      .json(
        await admin.createToken(parseBody(CreateToken, req.body), currentOperator(res), currentPrincipal(res).actsFor),
      );
  });
  r.delete('/tokens/:id', async (req, res) => {
    res.json(await admin.revokeToken(idOf(req.params.id), currentOperator(res)));
  });

  r.post('/users/:id/purge', async (req, res) => {
    const userId = UserId.safeParse(req.params.id);
    if (!userId.success) throw badRequest('user id is required');
    res.json(await retention.purgeUser(userId.data, currentOperator(res).email));
  });
  return r;
}
