import { Router } from 'express';
import { z } from 'zod';
import { ALERT_CHANNELS, INCIDENT_STATES } from '../contract.ts';
import type { IncidentsService } from './incidents.service.ts';
import { parseBody, parseQuery } from '../lib/http.ts';
import { decodeCursor } from '../lib/cursor.ts';
import { currentOperator } from '../auth/auth.middleware.ts';
import { badRequest } from '../lib/errors.ts';

const ListQuery = z.object({
  state: z.enum(INCIDENT_STATES).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const IncidentCursor = z.tuple([z.string().datetime(), z.string().regex(/^inc_[a-z0-9]{1,40}$/)]);
const Note = z
  .object({ note: z.string().trim().max(2000, 'note must be at most 2000 characters').optional() })
  .strict();
const TestAlert = z.object({ channel: z.enum(ALERT_CHANNELS).optional() }).strict();
const Id = z.string().regex(/^inc_[a-z0-9]{1,40}$/);

/** /api/incidents: list (newest first, with the open count), detail, acknowledge, resolve, replay; channels. */
export function incidentRoutes(incidents: IncidentsService) {
  const r = Router();
  const idOf = (raw: string) => {
    const id = Id.safeParse(raw);
    if (!id.success) throw badRequest('incident id must look like inc_…');
    return id.data;
  };
  const noteOf = (body: unknown) => parseBody(Note, body ?? {}).note || null;

  r.get('/', async (req, res) => {
    const { state, cursor, limit } = parseQuery(ListQuery, req.query);
    res.json(await incidents.list(state, decodeCursor(cursor, IncidentCursor), limit));
  });
  // before '/:id' so "channels" is not read as an id
  r.get('/channels', async (_req, res) => {
    res.json(await incidents.channels());
  });
  r.get('/:id', async (req, res) => {
    res.json(await incidents.detail(idOf(req.params.id)));
  });
  r.post('/:id/acknowledge', async (req, res) => {
    const id = idOf(req.params.id);
    res.json(await incidents.acknowledge(id, noteOf(req.body), currentOperator(res)));
  });
  r.post('/:id/resolve', async (req, res) => {
    const id = idOf(req.params.id);
    res.json(await incidents.resolve(id, noteOf(req.body), currentOperator(res)));
  });
  r.post('/:id/replay', async (req, res) => {
    res.json(await incidents.replay(idOf(req.params.id), currentOperator(res)));
  });
  return r;
}

/** /api/admin/alert-channels (admins): the channels, and a test alert to one or all. */
export function alertChannelAdminRoutes(incidents: IncidentsService) {
  const r = Router();
  r.get('/', async (_req, res) => {
    res.json(await incidents.channels());
  });
  r.post('/test', async (req, res) => {
    const { channel } = parseBody(TestAlert, req.body ?? {});
    res.json(await incidents.sendTest(channel, currentOperator(res)));
  });
  return r;
}
