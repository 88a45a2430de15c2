import { Router } from 'express';
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../contract.ts';
import type { AuditService } from './audit.service.ts';
import { parseQuery } from '../lib/http.ts';
import { decodeIdCursor } from '../lib/cursor.ts';

const ListQuery = z.object({
  action: z.enum(AUDIT_ACTIONS).optional(),
  actor: z.string().min(1).max(320).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function auditRoutes(audit: AuditService) {
  const r = Router();
  r.get('/', async (req, res) => {
    const { cursor, limit, ...filter } = parseQuery(ListQuery, req.query);
    res.json(await audit.list(filter, decodeIdCursor(cursor), limit));
  });
  return r;
}
