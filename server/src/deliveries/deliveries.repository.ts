import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/unit-of-work.ts';
import type { DeliveryDetail, DeliveryOutcome, DeliverySummary, Page } from '../contract.ts';
import { toPage } from '../lib/cursor.ts';

export type DeliveryRow = Prisma.DeliveryGetPayload<object>;

export interface NewDelivery {
  receivedAt: Date;
  svixId: string | null;
  eventType: string | null;
  outcome: DeliveryOutcome;
  httpStatus: number;
  errorCode: string | null;
  error: string | null;
  durationMs: number;
  headers: Record<string, string>;
  body: string;
  bodyBytes: number;
  bodyTruncated: boolean;
  verified: boolean;
  replayOf?: number | null;
  /** the stored event this delivery carried; null for rejected requests */
  eventId: number | null;
}

export interface DeliveryFilter {
  outcome?: DeliveryOutcome;
  status?: number;
  failed?: boolean;
  svixId?: string;
}

export const FAILED_OUTCOMES: ReadonlySet<DeliveryOutcome> = new Set(['failed', 'rejected', 'unavailable']);

export function createDeliveriesRepository(db: DbClient) {
  return {
    async list(filter: DeliveryFilter, cursor: number | null, limit: number): Promise<Page<DeliverySummary>> {
      const rows = await db.delivery.findMany({
        where: {
          ...whereOf(filter),
          ...(cursor !== null ? { id: { lt: cursor } } : {}),
        },
        orderBy: { id: 'desc' },
        take: limit + 1,
        omit: { headers: true, body: true },
      });
      return toPage(rows, limit, toDeliverySummary, (r) => [r.id]);
    },

    async listAfter(afterId: number, limit: number): Promise<SummaryRow[]> {
      return db.delivery.findMany({ where: { id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit, omit: { headers: true, body: true } });
    },

    async get(id: number): Promise<DeliveryRow | null> {
      return db.delivery.findUnique({ where: { id } });
    },

    async listForEvent(svixId: string): Promise<DeliverySummary[]> {
      const rows = await db.delivery.findMany({
        where: { svixId: svixId },
        orderBy: { id: 'asc' },
        take: 200,
        omit: { headers: true, body: true },
      });
      return rows.map(toDeliverySummary);
    },

    async findMatching(filter: DeliveryFilter, limit: number): Promise<DeliveryRow[]> {
      return db.delivery.findMany({ where: whereOf(filter), orderBy: { id: 'asc' }, take: limit });
    },

    async count(filter: DeliveryFilter & { since?: Date }): Promise<number> {
      return db.delivery.count({
        where: { ...whereOf(filter), ...(filter.since ? { receivedAt: { gte: filter.since } } : {}) },
      });
    },

    async latest(n: number): Promise<Pick<DeliveryRow, 'failed'>[]> {
      return db.delivery.findMany({ orderBy: { id: 'desc' }, take: n, select: { failed: true } });
    },

    async receivedSince(since: Date): Promise<Pick<DeliveryRow, 'receivedAt' | 'failed'>[]> {
      return db.delivery.findMany({
        where: { receivedAt: { gte: since } },
        select: { receivedAt: true, failed: true },
      });
    },
  };
}

export type DeliveriesRepository = ReturnType<typeof createDeliveriesRepository>;

function whereOf(f: DeliveryFilter): Prisma.DeliveryWhereInput {
  return {
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.status !== undefined ? { httpStatus: f.status } : {}),
    ...(f.failed ? { failed: true } : {}),
    ...(f.svixId ? { svixId: f.svixId } : {}),
  };
}

type SummaryRow = Omit<DeliveryRow, 'headers' | 'body'>;

export function toDeliverySummary(r: SummaryRow): DeliverySummary {
  return {
    id: r.id,
    receivedAt: r.receivedAt.toISOString(),
    svixId: r.svixId,
    eventType: r.eventType,
    outcome: r.outcome as DeliveryOutcome,
    failed: r.failed,
    httpStatus: r.httpStatus,
    errorCode: r.errorCode,
    error: r.error,
    durationMs: r.durationMs,
    verified: r.verified,
    replayOf: r.replayOf,
  };
}

export function toDeliveryDetail(r: DeliveryRow, replayBlockedReason: string | null): DeliveryDetail {
  return {
    ...toDeliverySummary(r),
    headers: JSON.parse(r.headers) as Record<string, string>,
    body: r.body,
    bodyBytes: r.bodyBytes,
    bodyTruncated: r.bodyTruncated,
    replayBlockedReason,
  };
}

