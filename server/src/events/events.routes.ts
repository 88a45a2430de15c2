import { Router } from 'express';
import { z } from 'zod';
import { EVENT_OUTCOMES } from '../contract.ts';
import type { EventsService } from './events.service.ts';
import { parseQuery } from '../lib/http.ts';
import { decodeIdCursor } from '../lib/cursor.ts';

const ListQuery = z.object({
  type: z
    .string()
    .max(500)
    .regex(/^[\w.,\s-]*$/, 'event types are letters, digits, dots and commas')
    .optional(),
  outcome: z.enum(EVENT_OUTCOMES).optional(),
  userId: z.string().max(200).optional(),
  organizationId: z.string().max(200).optional(),
  q: z.string().max(200).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export function eventRoutes(events: EventsService) {
  const r = Router();
  r.get('/', async (req, res) => {
    const { cursor, limit, ...filter } = parseQuery(ListQuery, req.query);
    res.json(await events.list(filter, decodeIdCursor(cursor), limit));
  });
  r.get('/:svixId', async (req, res) => {
    res.json(await events.get(req.params.svixId));
  });
  return r;
}
