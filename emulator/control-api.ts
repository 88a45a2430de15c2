// The emulator's control API: change the Clerk truth (with or without a webhook, to make drift on purpose), switch
// faults, activity and rate limit, and read what was delivered. It has no auth on purpose: it is a local developer
// and CI tool, the emulator listens on 127.0.0.1 by default, and this router refuses any non-loopback caller anyway.
import { Router, json, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ClerkUserJson } from '../server/src/clerk/clerk-json.ts';
import type { UserOverrides } from './factories.ts';
import type { Emulator } from './emulator.ts';
import { faultsPatchSchema } from './faults.ts';
import { MAX_ORGANIZATION_SHARE } from './activity.ts';
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
  organization_not_found: 404,
  organization_deleted: 404,
  organization_exists: 409,
  organization_full: 409,
  membership_not_found: 404,
  membership_exists: 409,
  invitation_not_found: 404,
  invitation_not_pending: 409,
  role_not_found: 422,
  slug_invalid: 422,
};

const metadataSchema = z.record(z.string(), z.unknown());
const roleSchema = z.string().min(1);
/** An organization's writable fields (snake_case, as Clerk's); unknown keys are refused, not ignored. */
const organizationBodySchema = z
  .object({
    name: z.string().min(1).max(256),
    slug: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes only'),
    max_allowed_memberships: z.number().int().min(0),
    admin_delete_enabled: z.boolean(),
    public_metadata: metadataSchema,
    private_metadata: metadataSchema,
  })
  .partial()
  .strict();
const membershipBodySchema = z
  .object({ role: roleSchema, public_metadata: metadataSchema, private_metadata: metadataSchema })
  .partial()
  .strict();

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

  // Organizations: the whole truth with the deleted ids, and every change with or without its webhook.
  router.get('/organizations', (_req, res) => {
    res.json({ organizations: store.organizations(), deletedOrganizationIds: store.deletedOrganizationIds() });
  });
  router.post('/organizations', (req, res) => {
    const body = organizationBodySchema
      .extend({ created_by: z.string().min(1).optional() })
      .strict()
      .parse(req.body ?? {});
    res.status(201).json(emulator.createOrganization(body, webhookFlag(req)));
  });
  // N organizations with members at once (users made when too few exist); ?webhook=false: they "existed before".
  router.post('/organizations/seed', (req, res) => {
    const { count, membersPerOrganization } = z
      .object({
        count: z.number().int().min(1).max(10_000),
        membersPerOrganization: z.number().int().min(0).max(100).optional(),
      })
      .strict()
      .parse(req.body ?? {});
    const organizations = emulator.seedOrganizations(count, {
      ...webhookFlag(req),
      ...(membersPerOrganization !== undefined ? { membersPerOrganization } : {}),
    });
    res.status(201).json({ organizations });
  });
  // What Clerk's periodic job does: organizations left with no member are deleted (each with organization.deleted).
  router.post('/organizations/delete-empty', (req, res) => {
    res.json({ deleted: emulator.deleteEmptyOrganizations(undefined, webhookFlag(req)) });
  });
  const organizationOr404 = (idOrSlug: string) => {
    const org = store.getOrganization(idOrSlug);
    if (org) return org;
    if (store.isOrganizationDeleted(idOrSlug)) {
      throw new StoreError('organization_deleted', `organization ${idOrSlug} was deleted`);
    }
    throw new StoreError('organization_not_found', `no organization ${idOrSlug}`);
  };
  router.get('/organizations/:id', (req, res) => {
    res.json(organizationOr404(req.params.id));
  });
  router.patch('/organizations/:id', (req, res) => {
    const patch = organizationBodySchema.parse(req.body ?? {});
    res.json(emulator.updateOrganization(organizationOr404(req.params.id).id, patch, webhookFlag(req)));
  });
  router.delete('/organizations/:id', (req, res) => {
    res.json(emulator.deleteOrganization(organizationOr404(req.params.id).id, webhookFlag(req)));
  });

  router.get('/organizations/:id/memberships', (req, res) => {
    res.json(store.memberships({ organizationId: organizationOr404(req.params.id).id }));
  });
  router.post('/organizations/:id/memberships', (req, res) => {
    const { user_id, ...input } = membershipBodySchema
      .extend({ user_id: z.string().min(1) })
      .strict()
      .parse(req.body ?? {});
    const orgId = organizationOr404(req.params.id).id;
    res.status(201).json(emulator.createMembership(orgId, user_id, input, webhookFlag(req)));
  });
  router.patch('/organizations/:id/memberships/:userId', (req, res) => {
    const patch = membershipBodySchema.parse(req.body ?? {});
    const orgId = organizationOr404(req.params.id).id;
    res.json(emulator.updateMembership(orgId, req.params.userId, patch, webhookFlag(req)));
  });
  router.delete('/organizations/:id/memberships/:userId', (req, res) => {
    const orgId = organizationOr404(req.params.id).id;
    res.json(emulator.deleteMembership(orgId, req.params.userId, webhookFlag(req)));
  });

  router.get('/organizations/:id/invitations', (req, res) => {
    const status = typeof req.query.status === 'string' ? req.query.status : undefined;
    const organizationId = organizationOr404(req.params.id).id;
    res.json(store.invitations({ organizationId, ...(status ? { status } : {}) }));
  });
  router.post('/organizations/:id/invitations', (req, res) => {
    const input = z
      .object({
        email_address: z.string().email(),
        role: roleSchema.optional(),
        inviter_id: z.string().min(1).nullable().optional(),
        public_metadata: metadataSchema.optional(),
        private_metadata: metadataSchema.optional(),
        expires_at: z.number().int().nonnegative().nullable().optional(),
      })
      .strict()
      .parse(req.body ?? {});
    const orgId = organizationOr404(req.params.id).id;
    res.status(201).json(emulator.createInvitation(orgId, input, webhookFlag(req)));
  });
  router.post('/invitations/:id/:action', (req, res) => {
    const { action, id } = req.params;
    const opts = webhookFlag(req);
    if (action === 'revoke') return void res.json(emulator.revokeInvitation(id, opts));
    if (action === 'accept') {
      const { user_id } = z
        .object({ user_id: z.string().min(1).optional() })
        .strict()
        .parse(req.body ?? {});
      return void res.json(emulator.acceptInvitation(id, user_id, opts));
    }
    throw new ControlError(404, 'not_found', `unknown invitation action ${action}: use accept or revoke`);
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
        organizationShare: z.number().min(0).max(MAX_ORGANIZATION_SHARE).optional(),
        minOrganizations: z.number().int().min(0).optional(),
        maxOrganizations: z.number().int().min(1).optional(),
        deleteEmptyOrganizations: z.boolean().optional(),
      })
      .strict()
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
