import { Router } from 'express';
import { z } from 'zod';
import { DELIVERY_OUTCOMES } from '../contract.ts';
import type { DeliveriesService } from './deliveries.service.ts';
import type { FailuresService } from './failures.ts';
import type { BulkReplay } from './bulk-replay.ts';
import type { ReplayJobs } from './replay-job.ts';
import type { LatestReplayJob } from '../contract.ts';
import { parseBody, parseQuery } from '../lib/http.ts';
import { decodeIdCursor } from '../lib/cursor.ts';
import { currentOperator } from '../auth/auth.middleware.ts';
import { badRequest } from '../lib/errors.ts';

const Filter = z.object({
  outcome: z.enum(DELIVERY_OUTCOMES).optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  failed: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});
const ListQuery = Filter.extend({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
// strict: a misspelt filter key must not widen a bulk replay to every delivery
const BulkReplayBody = z
  .object({
    filter: z
      .object({
        outcome: z.enum(DELIVERY_OUTCOMES).optional(),
        status: z.number().int().min(100).max(599).optional(),
        failed: z.boolean().optional(),
      })
      .strict(),
    outstandingOnly: z.boolean().optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();
const FailuresQuery = z.object({
  state: z.enum(['outstanding', 'recovered', 'all']).default('outstanding'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const Id = z.coerce.number().int().positive();

export function deliveryRoutes(
  deliveries: DeliveriesService,
  failures: FailuresService,
  bulk: Pick<BulkReplay, 'dryRun'>,
  jobs: ReplayJobs,
) {
  const r = Router();
  const idOf = (raw: string) => {
    const id = Id.safeParse(raw);
    if (!id.success) throw badRequest('delivery id must be a positive integer');
    return id.data;
  };
  const jobIdOf = (raw: string) => {
    const id = Id.safeParse(raw);
    if (!id.success) throw badRequest('job id must be a positive integer');
    return id.data;
  };
  r.get('/', async (req, res) => {
    const { cursor, limit, ...filter } = parseQuery(ListQuery, req.query);
    res.json(await deliveries.list(filter, decodeIdCursor(cursor), limit));
  });
  // before '/:id' so "replay" is not read as an id. A dry run answers what a job would do; else a job starts
  // (202), or 409 names the one running.
  r.post('/replay', async (req, res) => {
    const { filter, outstandingOnly, dryRun } = parseBody(BulkReplayBody, req.body);
    const scope = { filter, outstandingOnly: outstandingOnly === true };
    if (dryRun) res.json(await bulk.dryRun(scope));
    else res.status(202).json(await jobs.start(scope, currentOperator(res).email));
  });
  r.get('/replay/jobs/latest', async (_req, res) => {
    res.json({ job: await jobs.latest() } satisfies LatestReplayJob);
  });
  r.get('/replay/jobs/:id', async (req, res) => {
    res.json(await jobs.get(jobIdOf(req.params.id)));
  });
  r.post('/replay/jobs/:id/cancel', async (req, res) => {
    res.json(await jobs.cancel(jobIdOf(req.params.id), currentOperator(res).email));
  });
  // failed messages grouped by svix-id with their attempts (before '/:id' too)
  r.get('/failures', async (req, res) => {
    const { state, limit } = parseQuery(FailuresQuery, req.query);
    res.json(await failures.list(state, limit));
  });
  r.get('/:id', async (req, res) => {
    res.json(await deliveries.get(idOf(req.params.id)));
  });
  r.post('/:id/replay', async (req, res) => {
    res.json(await deliveries.replay(idOf(req.params.id), currentOperator(res)));
  });
  return r;
}
