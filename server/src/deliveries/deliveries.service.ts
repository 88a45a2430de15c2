// Browsing the delivery log and replaying: a replay re-runs a stored, verified payload through the
// same ingest path a webhook takes, and records a delivery row of its own (replayOf).
import type {
  BulkReplayResult,
  DeliveryDetail,
  DeliverySummary,
  OperatorDto,
  Page,
  ReplayResult,
  ReplaySkipReason,
} from '../contract.ts';
import { REPLAY_SKIP_REASONS } from '../contract.ts';
import type { FailuresService } from './failures.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { WebhooksService } from '../webhooks/webhooks.service.ts';
import type { DeliveryFilter, DeliveryRow } from './deliveries.repository.ts';
import { toDeliveryDetail } from './deliveries.repository.ts';
import { parseClerkEvent } from '../webhooks/clerk-event.ts';
import { STORED_BODY_LIMIT } from '../webhooks/webhooks.service.ts';
import { AppError, notFound } from '../lib/errors.ts';
import type { AuditRecorder } from '../audit/audit.service.ts';

export const BULK_REPLAY_LIMIT = 1000;

export function createDeliveriesService(deps: {
  repos: Repositories;
  webhooks: WebhooksService;
  audit?: AuditRecorder;
  failures: FailuresService;
}) {
  const { repos } = deps;

  /** Why a delivery cannot be replayed, or null. */
  function replayBlockedReason(row: DeliveryRow): string | null {
    if (!row.verified) {
      return 'Its signature did not verify, so the payload may be forged: only verified deliveries can be replayed.';
    }
    if (row.eventId === null && row.bodyTruncated)
      return 'Its stored body is truncated, so the exact payload is not available.';
    if (
      row.eventId === null &&
      (row.errorCode === 'invalid_event' || row.errorCode === 'invalid_json' || row.errorCode === 'json_too_deep')
    ) {
      return 'Its payload is not a Clerk event; replaying it would be refused again.';
    }
    if (row.eventId === null && !row.svixId) return 'It carries no svix-id.';
    return null;
  }

  /** Why a bulk replay leaves this delivery alone, or null (then `seen` gets its message). */
  function skipReason(
    row: DeliveryRow,
    seen: ReadonlySet<string>,
    eventOutcomes: ReadonlyMap<string, string>,
  ): ReplaySkipReason | null {
    if (!row.verified) return 'not_verified';
    if (row.replayOf !== null) return 'is_replay';
    if (replayBlockedReason(row) !== null || row.svixId === null) return 'payload_unavailable';
    const outcome = eventOutcomes.get(row.svixId);
    // applied (or knowingly not needed) already: a replay would only be recorded as a duplicate
    if (outcome !== undefined && outcome !== 'failed') return 'already_applied';
    if (seen.has(row.svixId)) return 'same_message';
    return null;
  }

  async function payloadOf(row: DeliveryRow): Promise<{ svixId: string; payload: string }> {
    if (row.eventId !== null) {
      const event = await repos.events.getById(row.eventId);
      return { svixId: event.svixId, payload: event.payload };
    }
    return { svixId: row.svixId!, payload: row.body };
  }

  async function replayRow(row: DeliveryRow, operator: OperatorDto): Promise<ReplayResult> {
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
      headers: { 'svix-id': svixId, 'x-replay-of': String(row.id), 'x-replayed-by': operator.email },
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
    list(filter: DeliveryFilter, cursor: number | null, limit: number): Promise<Page<DeliverySummary>> {
      return repos.deliveries.list(filter, cursor, limit);
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
      return toDeliveryDetail(row, replayBlockedReason(row));
    },

    async replay(id: number, operator: OperatorDto): Promise<ReplayResult> {
      const row = await repos.deliveries.get(id);
      if (!row) throw notFound(`Delivery ${id}`);
      const result = await replayRow(row, operator);
      await deps.audit?.record(operator.email, 'replay', id, {
        deliveryId: result.deliveryId,
        svixId: result.svixId,
        outcome: result.outcome,
        error: result.error,
      });
      return result;
    },

    /**
     * Replays what can change something among the deliveries matching the filter (oldest first, bounded): one
     * attempt per message, verified, not applied yet. Every other match is counted under why it was skipped,
     * so matched = replayed + skipped. A dry run answers the same figures and changes nothing.
     */
    async replayMatching(
      filter: DeliveryFilter,
      operator: OperatorDto,
      opts: { dryRun?: boolean; outstandingOnly?: boolean } = {},
    ): Promise<BulkReplayResult> {
      const dryRun = opts.dryRun === true;
      let rows = await repos.deliveries.findMatching({ ...filter }, BULK_REPLAY_LIMIT);
      if (opts.outstandingOnly) {
        const { outstandingSvixIds } = await deps.failures.counts();
        rows = rows.filter((r) => r.svixId !== null && outstandingSvixIds.has(r.svixId) && r.failed);
      }
      const svixIds = [...new Set(rows.map((r) => r.svixId).filter((id): id is string => id !== null))];
      const outcomes = new Map((await repos.events.outcomesBySvixId(svixIds)).map((e) => [e.svixId, e.outcome]));
      const skippedBy = Object.fromEntries(REPLAY_SKIP_REASONS.map((r) => [r, 0])) as Record<ReplaySkipReason, number>;
      const seen = new Set<string>();
      const toReplay: DeliveryRow[] = [];
      for (const row of rows) {
        const reason = skipReason(row, seen, outcomes);
        if (reason) {
          skippedBy[reason]++;
          continue;
        }
        seen.add(row.svixId!);
        toReplay.push(row);
      }
      const results: ReplayResult[] = [];
      if (!dryRun) for (const row of toReplay) results.push(await replayRow(row, operator));
      const skipped = rows.length - toReplay.length;
      if (!dryRun) {
        const byOutcome: Record<string, number> = {};
        for (const r of results) byOutcome[r.outcome] = (byOutcome[r.outcome] ?? 0) + 1;
        await deps.audit?.record(operator.email, 'replay_bulk', null, {
          filter,
          ...(opts.outstandingOnly ? { outstandingOnly: true } : {}),
          matched: rows.length,
          replayed: results.length,
          skipped,
          skippedBy,
          outcomes: byOutcome,
        });
      }
      return {
        dryRun,
        matched: rows.length,
        replayed: toReplay.length,
        skipped,
        skippedBy,
        messages: svixIds.length,
        results,
      };
    },
  };
}

export type DeliveriesService = ReturnType<typeof createDeliveriesService>;
