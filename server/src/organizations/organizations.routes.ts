import { Router } from 'express';
import { z } from 'zod';
import { SYNC_STATUSES } from '../contract.ts';
import type { OrganizationsService } from './organizations.service.ts';
import type { OrganizationResyncService } from '../resync/organization-resync.service.ts';
import { currentOperator } from '../auth/auth.middleware.ts';
import { parseQuery } from '../lib/http.ts';
import { OrganizationCursor, decodeCursor } from '../lib/cursor.ts';

const ListQuery = z.object({
  /** an organization id, or part of a name or slug (`q` is accepted too, as on the other lists) */
  query: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  status: z.enum(SYNC_STATUSES).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function organizationRoutes(organizations: OrganizationsService, resync: OrganizationResyncService) {
  const r = Router();
  r.get('/', async (req, res) => {
    const { query, q, status, cursor, limit } = parseQuery(ListQuery, req.query);
    const text = query ?? q;
    res.json(
      await organizations.list(
        { ...(text ? { q: text } : {}), ...(status ? { status } : {}) },
        decodeCursor(cursor, OrganizationCursor),
        limit,
      ),
    );
  });
  r.get('/:id', async (req, res) => {
    res.json(await organizations.get(req.params.id));
  });
  r.get('/:id/compare', async (req, res) => {
    res.json(await resync.compare(req.params.id));
  });
  r.post('/:id/resync', async (req, res) => {
    res.json(await resync.resync(req.params.id, currentOperator(res)));
  });
  return r;
}
