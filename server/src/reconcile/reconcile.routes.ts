import { Router } from 'express';
import { z } from 'zod';
import { DRIFT_CLASSES, ORGANIZATION_FINDING_CLASSES } from '../contract.ts';
import type { ReconcileService } from './reconcile.service.ts';
import { currentOperator } from '../auth/auth.middleware.ts';
import { parseBody, parseQuery } from '../lib/http.ts';
import { decodeIdCursor } from '../lib/cursor.ts';
import { badRequest } from '../lib/errors.ts';

const Id = z.coerce.number().int().positive();
const RunsQuery = z.object({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});
const FindingsQuery = z.object({
  class: z.enum(DRIFT_CLASSES).optional(),
  unfixed: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const OrganizationFindingsQuery = z.object({
  subject: z.enum(['organization', 'membership']).optional(),
  class: z.enum(ORGANIZATION_FINDING_CLASSES).optional(),
  unfixed: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const ids = (what: string, key: string) =>
  z
    .array(z.string().min(1).max(100))
    .min(1, `give at least one ${what} id, or leave ${key} out`)
    .max(500, `at most 500 ${what} ids per request; leave every list out to fix all`)
    .optional();
const FixBody = z
  .object({
    userIds: ids('user', 'userIds'),
    organizationIds: ids('organization', 'organizationIds'),
    membershipIds: ids('membership', 'membershipIds'),
  })
  .strict();
const HistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

export function reconcileRoutes(reconcile: ReconcileService) {
  const r = Router();
  const idOf = (raw: string) => {
    const id = Id.safeParse(raw);
    if (!id.success) throw badRequest('run id must be a positive integer');
    return id.data;
  };
  r.post('/', async (_req, res) => {
    res.status(202).json(await reconcile.start(currentOperator(res).email));
  });
  r.get('/runs', async (req, res) => {
    const { cursor, limit } = parseQuery(RunsQuery, req.query);
    res.json(await reconcile.listRuns(decodeIdCursor(cursor), limit));
  });
  r.get('/drift-history', async (req, res) => {
    res.json(await reconcile.driftHistory(parseQuery(HistoryQuery, req.query).limit));
  });
  r.get('/runs/:id', async (req, res) => {
    res.json(await reconcile.getRun(idOf(req.params.id)));
  });
  r.get('/runs/:id/findings', async (req, res) => {
    const { cursor, limit, ...filter } = parseQuery(FindingsQuery, req.query);
    res.json(await reconcile.findings(idOf(req.params.id), filter, decodeIdCursor(cursor), limit));
  });
  r.get('/runs/:id/organization-findings', async (req, res) => {
    const { cursor, limit, ...filter } = parseQuery(OrganizationFindingsQuery, req.query);
    res.json(await reconcile.organizationFindings(idOf(req.params.id), filter, decodeIdCursor(cursor), limit));
  });
  r.post('/runs/:id/fix', async (req, res) => {
    const body = parseBody(FixBody, req.body);
    res.json(await reconcile.fix(idOf(req.params.id), body, currentOperator(res).email));
  });
  r.post('/runs/:id/cancel', async (req, res) => {
    res.json(await reconcile.cancel(idOf(req.params.id)));
  });
  return r;
}
