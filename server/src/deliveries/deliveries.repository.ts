// The Delivery table (the delivery log: one row per request to the webhook), its rows as the API shows them,
// and every statement on it. Prisma for the API and retention; prepared SQL (lib/db/sql.ts) for the one place
// rows are written, the ingest store's group commit (`deliveriesSql`).
import type { Prisma } from '../generated/sqlite/client.ts';
import type { DbClient } from '../lib/db/client.ts';
import type { SqlTx } from '../lib/db/sql.ts';
import type { DeliveryDetail, DeliveryOutcome, DeliverySummary, Page } from '../contract.ts';
import { toPage } from '../lib/cursor.ts';
import { PURGED } from '../events/events.repository.ts';
import { chunks, findInChunks } from '../lib/chunks.ts';

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
  sourceIp?: string | null;
  headerBytes?: number | null;
  /** SHA-256 (hex) of the whole body when `body` keeps only a prefix (requests whose signature did not verify) */
  bodySha256?: string | null;
}

export interface DeliveryFilter {
  outcome?: DeliveryOutcome;
  status?: number;
  failed?: boolean;
  svixId?: string;
}

export const FAILED_OUTCOMES: ReadonlySet<DeliveryOutcome> = new Set([
  'failed',
  'quarantined',
  'rejected',
  'unavailable',
]);

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

    /** Catch-up after a reconnect: the deliveries after `afterId`, oldest first. */
    async listAfter(afterId: number, limit: number): Promise<DeliverySummary[]> {
      const rows = await db.delivery.findMany({
        where: { id: { gt: afterId } },
        orderBy: { id: 'asc' },
        take: limit,
        omit: { headers: true, body: true },
      });
      return rows.map(toDeliverySummary);
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

    // ---- bulk replay: the matching deliveries up to the newest at its start, walked by id ----

    async newestId(): Promise<number> {
      return (await db.delivery.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0;
    },

    /** How many deliveries up to `maxId` match; with `svixIds`, only failed attempts of those messages. */
    async countMatching(filter: DeliveryFilter, maxId: number, svixIds?: readonly string[]): Promise<number> {
      const where = { ...whereOf(filter), id: { lte: maxId } };
      if (!svixIds) return db.delivery.count({ where });
      let n = 0;
      for (const part of chunks(svixIds))
        n += await db.delivery.count({ where: { ...where, failed: true, svixId: { in: part } } });
      return n;
    },

    /** The next `take` deliveries after `afterId` (up to `maxId`) that match, oldest first; `failedOnly` narrows. */
    async matchingPage(
      filter: DeliveryFilter & { failedOnly?: boolean },
      afterId: number,
      maxId: number,
      take: number,
    ): Promise<DeliveryRow[]> {
      const { failedOnly, ...rest } = filter;
      return db.delivery.findMany({
        where: { ...whereOf(rest), ...(failedOnly ? { failed: true } : {}), id: { gt: afterId, lte: maxId } },
        orderBy: { id: 'asc' },
        take,
      });
    },

    async count(filter: DeliveryFilter & { since?: Date }): Promise<number> {
      return db.delivery.count({
        where: { ...whereOf(filter), ...(filter.since ? { receivedAt: { gte: filter.since } } : {}) },
      });
    },

    async latestReceivedAt(): Promise<Date | null> {
      return (
        (await db.delivery.findFirst({ orderBy: { id: 'desc' }, select: { receivedAt: true } }))?.receivedAt ?? null
      );
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

    // ---- failures by message ----

    /** Failed attempts of genuine (signature-verified) messages, newest first (before `beforeId`): their svix-ids. */
    async failedVerified(limit: number, beforeId?: number): Promise<{ id: number; svixId: string }[]> {
      const rows = await db.delivery.findMany({
        where: {
          failed: true,
          verified: true,
          svixId: { not: null },
          ...(beforeId !== undefined ? { id: { lt: beforeId } } : {}),
        },
        orderBy: { id: 'desc' },
        take: limit,
        select: { id: true, svixId: true },
      });
      return rows.map((r) => ({ id: r.id, svixId: r.svixId! }));
    },

    /** Every attempt of these messages, oldest first. */
    async attemptsOf(svixIds: readonly string[]): Promise<DeliverySummary[]> {
      const rows = await findInChunks(svixIds, (part) =>
        db.delivery.findMany({
          where: { svixId: { in: part } },
          orderBy: { id: 'asc' },
          omit: { headers: true, body: true },
        }),
      );
      return rows.sort((a, b) => a.id - b.id).map(toDeliverySummary);
    },

    /** Requests whose signature did not verify. */
    async countUnverified(since?: Date): Promise<number> {
      return db.delivery.count({ where: { verified: false, ...(since ? { receivedAt: { gte: since } } : {}) } });
    },

    // ---- retention ----

    async idsReceivedBefore(before: Date, limit: number): Promise<number[]> {
      const rows = await db.delivery.findMany({
        where: { receivedAt: { lt: before } },
        select: { id: true },
        orderBy: { id: 'asc' },
        take: limit,
      });
      return rows.map((r) => r.id);
    },
    async deleteByIds(ids: number[]): Promise<number> {
      return (await db.delivery.deleteMany({ where: { id: { in: ids } } })).count;
    },
    /** Erases the stored bodies of the deliveries that carried these events (by id, or by svix-id for rejected ones). */
    async purgeBodies(eventIds: number[], svixIds: string[]): Promise<number> {
      const r = await db.delivery.updateMany({
        where: { OR: [{ eventId: { in: eventIds } }, { svixId: { in: svixIds } }], body: { not: PURGED } },
        data: { body: PURGED },
      });
      return r.count;
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

/** The columns a summary shows (lists, the live push, catch-up). */
export type DeliverySummaryRow = Pick<
  DeliveryRow,
  | 'id'
  | 'receivedAt'
  | 'svixId'
  | 'eventType'
  | 'outcome'
  | 'failed'
  | 'httpStatus'
  | 'errorCode'
  | 'error'
  | 'durationMs'
  | 'verified'
  | 'replayOf'
>;

export function toDeliverySummary(r: DeliverySummaryRow): DeliverySummary {
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
    bodySha256: r.bodySha256,
    sourceIp: r.sourceIp,
    headerBytes: r.headerBytes,
    replayBlockedReason,
  };
}

/** The one place a Delivery row is written: the ingest store's group commit (ingest/records.ts). */
export const deliveriesSql = {
  async insert(tx: SqlTx, d: NewDelivery): Promise<DeliverySummary> {
    const failed = FAILED_OUTCOMES.has(d.outcome);
    const replayOf = d.replayOf ?? null;
    const row = await tx.get<{ id: number }>(
      `INSERT INTO "Delivery" ("receivedAt", "svixId", "eventType", "outcome", "failed", "httpStatus", "errorCode", "error", "durationMs",
         "headers", "body", "bodyBytes", "bodyTruncated", "verified", "replayOf", "eventId", "sourceIp", "headerBytes", "bodySha256")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`,
      [
        tx.date(d.receivedAt),
        d.svixId,
        d.eventType,
        d.outcome,
        tx.bool(failed),
        d.httpStatus,
        d.errorCode,
        d.error,
        d.durationMs,
        JSON.stringify(d.headers),
        d.body,
        d.bodyBytes,
        tx.bool(d.bodyTruncated),
        tx.bool(d.verified),
        replayOf,
        d.eventId,
        d.sourceIp ?? null,
        d.headerBytes ?? null,
        d.bodySha256 ?? null,
      ],
    );
    return toDeliverySummary({ ...d, id: Number(row!.id), failed, replayOf });
  },

  /** How many times Svix's deliveries of this svix-id failed to apply (operator replays not counted): quarantine. */
  async failedAttempts(tx: SqlTx, svixId: string): Promise<number> {
    const row = await tx.get<{ n: number | string }>(
      'SELECT COUNT(*) AS "n" FROM "Delivery" WHERE "svixId" = ? AND "outcome" = \'failed\' AND "replayOf" IS NULL',
      [svixId],
    );
    return Number(row?.n ?? 0);
  },
};
