// Browsing the delivery log and replaying: a replay re-runs a stored, verified payload through the
// same ingest path a webhook takes, and records a delivery row of its own (replayOf). Bulk replays run as jobs
// (replay-job.ts) over what bulk-replay.ts selects.
import type { DeliveryDetail, DeliverySummary, OperatorDto, Page, ReplayResult } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { WebhooksService } from '../webhooks/webhooks.service.ts';
import type { DeliveryFilter, DeliveryRow } from './deliveries.repository.ts';
import { toDeliveryDetail } from './deliveries.repository.ts';
import { replayBlockedReason } from './replayable.ts';
import { parseClerkEvent } from '../webhooks/clerk-event.ts';
import { STORED_BODY_LIMIT } from '../webhooks/webhooks.service.ts';
import { AppError, notFound } from '../lib/errors.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';

export function createDeliveriesService(deps: {
  repos: Repositories;
  webhooks: WebhooksService;
  audit?: AuditRecorder;
}) {
  const { repos } = deps;

  /**
   * Names beside ids: each verified delivery's user (that of the event its svix-id stored) and their label from
   * the local users, one lookup of each for the whole page.
   */
  async function withUsers<T extends DeliverySummary>(items: T[]): Promise<T[]> {
    const svixIds = [...new Set(items.filter((d) => d.verified && d.svixId).map((d) => d.svixId!))];
    const userOf = new Map((await repos.events.outcomesBySvixId(svixIds)).map((e) => [e.svixId, e.userId] as const));
    const labels = await repos.users.labels([
      ...new Set([...userOf.values()].filter((id): id is string => id !== null)),
    ]);
    return items.map((d) => {
      const userId = d.verified && d.svixId ? (userOf.get(d.svixId) ?? null) : null;
      return { ...d, userId, userLabel: userId ? (labels.get(userId) ?? null) : null };
    });
  }

  async function payloadOf(row: DeliveryRow): Promise<{ svixId: string; payload: string }> {
    if (row.eventId !== null) {
      const event = await repos.events.getById(row.eventId);
      return { svixId: event.svixId, payload: event.payload };
    }
    return { svixId: row.svixId!, payload: row.body };
  }

  /** Replays one delivery row as `actor` (an operator's email, sent as x-replayed-by). */
  async function replayRow(row: DeliveryRow, actor: string): Promise<ReplayResult> {
    const reason = replayBlockedReason(row);
    if (reason) throw new AppError('not_replayable', 409, `Delivery ${row.id} cannot be replayed. ${reason}`);
    const { svixId, payload } = await payloadOf(row);
    if (payload === '') {
      throw new AppError(
        'not_replayable',
        409,
        `Delivery ${row.id} cannot be replayed. Its payload was purged (retention or privacy).`,
      );
    }
    const rawBody = Buffer.from(payload, 'utf8');
    const receivedAt = new Date();
    const request = {
      rawBody,
      headers: { 'svix-id': svixId, 'x-replay-of': String(row.id), 'x-replayed-by': actor },
      receivedAt,
      startedAt: performance.now(),
    };
    const parsed = parseClerkEvent(JSON.parse(payload) as unknown, receivedAt);
    const answer = await deps.webhooks.ingest(request, svixId, parsed, row.id);
    if (answer.deliveryId === null)
      throw new AppError('storage_unavailable', 503, 'Storage is unavailable; retry later');
    const recorded = await repos.deliveries.get(answer.deliveryId);
    return {
      deliveryId: answer.deliveryId,
      svixId,
      outcome:
        recorded?.outcome === 'unavailable' ? 'failed' : ((recorded?.outcome ?? 'failed') as ReplayResult['outcome']),
      error: recorded?.error ?? null,
    };
  }

  return {
    async list(filter: DeliveryFilter, cursor: number | null, limit: number): Promise<Page<DeliverySummary>> {
      const page = await repos.deliveries.list(filter, cursor, limit);
      return { ...page, items: await withUsers(page.items) };
    },

    /** Catch-up after a reconnect: the deliveries after `afterId`, oldest first, named like the list. */
    async listAfter(afterId: number, limit: number): Promise<DeliverySummary[]> {
      return withUsers(await repos.deliveries.listAfter(afterId, limit));
    },

    async get(id: number): Promise<DeliveryDetail> {
      const row = await repos.deliveries.get(id);
      if (!row) throw notFound(`Delivery ${id}`);
      // Deliveries that stored an event keep their body once, as the event's payload.
      if (row.eventId !== null && row.body === '' && row.bodyBytes > 0) {
        const event = await repos.events.getById(row.eventId);
        row.body = event.payload.slice(0, STORED_BODY_LIMIT);
        row.bodyTruncated = event.payload.length > STORED_BODY_LIMIT;
      }
      const [detail] = await withUsers([toDeliveryDetail(row, replayBlockedReason(row))]);
      return detail!;
    },

    async replay(id: number, operator: OperatorDto): Promise<ReplayResult> {
      const row = await repos.deliveries.get(id);
      if (!row) throw notFound(`Delivery ${id}`);
      const result = await replayRow(row, operator.email);
      await deps.audit?.record(operator.email, 'replay', id, {
        deliveryId: result.deliveryId,
        svixId: result.svixId,
        outcome: result.outcome,
        error: result.error,
      });
      return result;
    },

    /** One row replayed, unaudited: a bulk replay job records one entry for all of them. */
    replayRow,
  };
}

export type DeliveriesService = ReturnType<typeof createDeliveriesService>;
