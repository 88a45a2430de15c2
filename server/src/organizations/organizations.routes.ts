import { Router } from 'express';
import { z } from 'zod';
import type { OrganizationsService } from './organizations.service.ts';
import { parseQuery } from '../lib/http.ts';
import { OrganizationCursor, decodeCursor } from '../lib/cursor.ts';

const ListQuery = z.object({
  /** an organization id, or part of a name or slug (`q` is accepted too, as on the other lists) */
  query: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function organizationRoutes(organizations: OrganizationsService) {
  const r = Router();
  r.get('/', async (req, res) => {
    const { query, q, cursor, limit } = parseQuery(ListQuery, req.query);
    const text = query ?? q;
    res.json(await organizations.list(text ? { q: text } : {}, decodeCursor(cursor, OrganizationCursor), limit));
  });
  r.get('/:id', async (req, res) => {
    res.json(await organizations.get(req.params.id));
  });
  return r;
}
