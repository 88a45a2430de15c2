import { Router } from 'express';
import { z } from 'zod';
import { SYNC_STATUSES } from '../contract.ts';
import type { UsersService } from './users.service.ts';
import type { ResyncService } from '../resync/resync.service.ts';
import { currentOperator } from '../auth/auth.middleware.ts';
import { parseQuery } from '../lib/http.ts';
import { UserCursor, decodeCursor } from '../lib/cursor.ts';

const ListQuery = z.object({
  q: z.string().max(200).optional(),
  status: z.enum(SYNC_STATUSES).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function userRoutes(users: UsersService, resync: ResyncService) {
  const r = Router();
  r.get('/', async (req, res) => {
    const { cursor, limit, ...filter } = parseQuery(ListQuery, req.query);
    res.json(await users.list(filter, decodeCursor(cursor, UserCursor), limit));
  });
  r.get('/:id', async (req, res) => {
    res.json(await users.get(req.params.id));
  });
  r.get('/:id/compare', async (req, res) => {
    res.json(await resync.compare(req.params.id));
  });
  r.post('/:id/resync', async (req, res) => {
    res.json(await resync.resync(req.params.id, currentOperator(res)));
  });
  return r;
}
