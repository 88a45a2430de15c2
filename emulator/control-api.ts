// The emulator's control API: change the Clerk truth (with or without a webhook, to make drift on purpose), switch
// faults, activity and rate limit, and read what was delivered. It has no auth on purpose: it is a local developer
// and CI tool, the emulator listens on 127.0.0.1 by default, and this router refuses any non-loopback caller anyway.
import { Router, json, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ClerkUserJson } from '../server/src/clerk/clerk-json.ts';
import type { UserOverrides } from './factories.ts';
import type { Emulator } from './emulator.ts';
import { faultsPatchSchema } from './faults.ts';
import { StoreError } from './store.ts';

class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const webhookFlag = (req: Request) => {
  const v = req.query.webhook;
  return { sendWebhook: !(v === 'false' || v === '0' || v === 'no') };
};

/** A partial Clerk user (snake_case) plus `email_address`, a shortcut for the primary email's address. */
const userBodySchema = z
  .object({
    email_address: z.string().email().optional(),
    first_name: z.string().nullable().optional(),
    last_name: z.string().nullable().optional(),
    username: z.string().nullable().optional(),
    external_id: z.string().nullable().optional(),
    public_metadata: z.record(z.string(), z.unknown()).optional(),
    private_metadata: z.record(z.string(), z.unknown()).optional(),
    unsafe_metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .passthrough();

const STATUS_BY_STORE_CODE: Record<StoreError['code'], number> = {
  user_not_found: 404,
  user_deleted: 404,
  session_not_found: 404,
  user_exists: 409,
  session_not_active: 409,
};

export function createControlRouter(emulator: Emulator): Router {
  const router = Router();
  const { store, factories } = emulator;

  router.use((req, _res, next) => {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? ''))
      throw new ControlError(403, 'forbidden', 'the control API is local only');
    next();
  });
  router.use(json({ limit: '1mb' }));

  const toUserPatch = (body: unknown, current?: ClerkUserJson): UserOverrides => {
    const { email_address, ...rest } = userBodySchema.parse(body ?? {});
    const patch = rest as UserOverrides;
    if (email_address) {
      const primary = current?.email_addresses.find((e) => e.id === current.primary_email_address_id);
      if (current && primary) {
        patch.email_addresses = current.email_addresses.map((e) =>
          e.id === primary.id ? { ...e, email_address, updated_at: factories.now() } : e,
        );
      } else {
        const e = factories.makeEmailAddress(email_address);
        patch.email_addresses = [e, ...(current?.email_addresses ?? [])];
        patch.primary_email_address_id = e.id;
      }
    }
    return patch;
  };

  router.get('/state', (_req, res) => {
    res.json(emulator.state());
  });

  // Users: the whole truth, including which ids were deleted (a convergence check needs both).
  router.get('/users', (_req, res) => {
    res.json({ users: store.users(), deletedUserIds: store.deletedUserIds() });
  });
  router.get('/users/:id', (req, res) => {
    const user = store.getUser(req.params.id);
    if (!user) {
      throw new ControlError(
        404,
        store.isDeleted(req.params.id) ? 'user_deleted' : 'user_not_found',
        `no user ${req.params.id}`,
      );
    }
    res.json(user);
  });
  router.post('/users', (req, res) => {
    const user = emulator.createUser(toUserPatch(req.body), webhookFlag(req));
    res.status(201).json(user);
  });
  router.patch('/users/:id', (req, res) => {
    const current = store.getUser(req.params.id);
    if (!current) throw new StoreError('user_not_found', `no user ${req.params.id}`);
    res.json(emulator.updateUser(req.params.id, toUserPatch(req.body, current), webhookFlag(req)));
  });
  router.delete('/users/:id', (req, res) => {
    res.json(emulator.deleteUser(req.params.id, webhookFlag(req)));
  });

  router.get('/sessions', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json(store.sessions({ userId: q.user_id, status: q.status }));
  });
  router.post('/sessions', (req, res) => {
    const { user_id } = z
      .object({ user_id: z.string() })
      .passthrough()
      .parse(req.body ?? {});
    res.status(201).json(emulator.createSession(user_id, undefined, webhookFlag(req)));
  });
  router.post('/sessions/:id/:action', (req, res) => {
    const action = req.params.action;
    const opts = webhookFlag(req);
    if (action === 'revoke') return void res.json(emulator.revokeSession(req.params.id, opts));
    if (action === 'end') return void res.json(emulator.endSession(req.params.id, opts));
    if (action === 'remove') return void res.json(emulator.removeSession(req.params.id, opts));
    throw new ControlError(404, 'not_found', `unknown session action ${action}: use revoke, end or remove`);
  });

  router.post('/events', (req, res) => {
    const { type, data } = z.object({ type: z.string().min(1), data: z.unknown() }).parse(req.body ?? {});
    const m = emulator.sendEvent(type, data ?? {});
    res.status(202).json({ svixId: m.svixId, targets: m.targets });
  });

  router.get('/faults', (_req, res) => {
    res.json(emulator.faults());
  });
  router.put('/faults', (req, res) => {
    res.json(emulator.setFaults(faultsPatchSchema.parse(req.body ?? {})));
  });
  router.post('/outage', (req, res) => {
    const { durationMs } = z.object({ durationMs: z.number().int().min(0).max(3_600_000) }).parse(req.body ?? {});
    res.json(emulator.outage(durationMs));
  });

  router.put('/activity', (req, res) => {
    const body = z
      .object({
        perSecond: z.number().min(0).max(1000),
        minUsers: z.number().int().min(0).optional(),
        maxUsers: z.number().int().min(1).optional(),
      })
      .parse(req.body ?? {});
    emulator.setActivity(body.perSecond > 0 ? body : null); // perSecond 0 stops it
    res.json({ activity: emulator.state().activity });
  });

  router.post('/activity/tick', (_req, res) => {
    res.json({ did: emulator.activityTick() });
  });

  router.put('/rate-limit', (req, res) => {
    // `{ requests, windowMs }` sets the limit, `{ enabled: false }` removes it.
    const body = z
      .union([
        z.object({ requests: z.number().int().min(1), windowMs: z.number().int().min(1) }).strict(),
        z.object({ enabled: z.literal(false) }),
      ])
      .parse(req.body ?? {});
    emulator.setRateLimit('requests' in body ? body : null);
    res.json({ rateLimit: emulator.state().rateLimit });
  });

  router.put('/time-factor', (req, res) => {
    const { timeFactor } = z.object({ timeFactor: z.number().positive().max(100) }).parse(req.body ?? {});
    emulator.setTimeFactor(timeFactor);
    res.json({ timeFactor });
  });

  router.post('/targets', (req, res) => {
    const { url } = z.object({ url: z.string().url() }).parse(req.body ?? {});
    emulator.addTarget(url);
    res.json({ targets: emulator.targets() });
  });
  router.delete('/targets', (req, res) => {
    const { url } = z.object({ url: z.string() }).parse(req.body ?? {});
    emulator.removeTarget(url);
    res.json({ targets: emulator.targets() });
  });

  // What was delivered: one row per attempt (svix-id, type, attempt, status, error, at, …), oldest first.
  router.get('/deliveries', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    let list = emulator.deliveries();
    if (q.svixId) list = list.filter((d) => d.svixId === q.svixId);
    if (q.type) list = list.filter((d) => d.type === q.type);
    const limit = q.limit ? Math.max(1, Math.min(10_000, Number(q.limit) || 100)) : undefined;
    res.json(limit ? list.slice(-limit) : list);
  });
  router.get('/messages', (_req, res) => {
    res.json(emulator.messages());
  });

  // Waits (bounded) until no delivery is queued, scheduled or in flight — for scripts and e2e tests.
  router.get('/settled', async (req, res) => {
    const timeoutMs = Math.min(Number(req.query.timeoutMs) || 30_000, 600_000);
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      emulator.settled().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    res.status(settled ? 200 : 408).json({ settled, pendingDeliveries: emulator.state().pendingDeliveries });
  });

  router.use((_req, _res) => {
    throw new ControlError(404, 'not_found', 'no such control route');
  });

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ControlError)
      return void res.status(err.status).json({ error: { code: err.code, message: err.message } });
    if (err instanceof StoreError) {
      return void res.status(STATUS_BY_STORE_CODE[err.code]).json({ error: { code: err.code, message: err.message } });
    }
    if (err instanceof z.ZodError) {
      return void res
        .status(400)
        .json({ error: { code: 'invalid_request', message: z.prettifyError(err), details: err.issues } });
    }
    const e = err as { status?: number; type?: string; message?: string };
    if (e.type === 'entity.parse.failed')
      return void res.status(400).json({ error: { code: 'invalid_json', message: 'body is not JSON' } });
    res.status(500).json({ error: { code: 'internal', message: 'emulator control error' } });
  });

  return router;
}
