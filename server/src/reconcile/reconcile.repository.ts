// Prisma access for reconcile's own tables: runs, findings and the single-row lock. The statements on users
// (a page's reads of local users, its status marks) are the users table's (users/users.repository.ts); a
// page's reads and in-sync marks run through page-store.ts. What a page counts — findings, counters, drifted
// marks, the windows' cursors — is written in one transaction (commitPage), so a restart resumes from cursors
// that match the counters exactly.
import { chunks, updateInChunks } from '../lib/chunks.ts';
import type { Prisma } from '../generated/sqlite/client.ts';
// Prisma's SQL template helpers come from its runtime, shared by both providers' clients: taken from a generated
// client they would load that client even where the other provider is in use.
import { join, sqltag as sql } from '@prisma/client/runtime/client';
import type { Db, DbClient } from '../lib/db/client.ts';
import { openPageStore } from './page-store.ts';
import { createUsersRepository } from '../users/users.repository.ts';
import { createOrganizationsRepository, type CreatedStretch } from '../organizations/organizations.repository.ts';
import { createMembershipsRepository } from '../organizations/memberships.repository.ts';
import type {
  DriftClass,
  DriftPoint,
  DriftSubject,
  FieldDiff,
  OrganizationFindingClass,
  Page,
  ReconcileFindingDto,
  ReconcileOrganizationFindingDto,
  ReconcileStatus,
} from '../contract.ts';
import type { ResyncResult } from '../contract.ts';
import { toPage } from '../lib/cursor.ts';
import { iso } from '../lib/iso.ts';

export type RunRow = Prisma.ReconcileRunGetPayload<object>;
export type FindingRow = Prisma.ReconcileFindingGetPayload<object>;
export type OrganizationFindingRow = Prisma.ReconcileOrganizationFindingGetPayload<object>;
type OrgSubject = Exclude<DriftSubject, 'user'>;

const LOCK_ID = 'reconcile';
/** 5 values a row: within the 999 bound values SQLite takes per statement */
const FINDINGS_PER_INSERT = 150;
/** 8 values a row */
const ORGANIZATION_FINDINGS_PER_INSERT = 100;

/** The run's counter column of each organization and membership class. */
const COUNTER: Record<OrgSubject, Partial<Record<OrganizationFindingClass, keyof RunRow>>> = {
  organization: { missing: 'organizationsMissing', stale: 'organizationsStale', deleted: 'organizationsDeleted' },
  membership: {
    missing: 'membershipsMissing',
    extra: 'membershipsExtra',
    role: 'membershipsRole',
    stale: 'membershipsStale',
  },
};

export interface NewOrganizationFinding {
  subject: OrgSubject;
  objectId: string;
  organizationId: string;
  userId: string | null;
  class: OrganizationFindingClass;
  diff: FieldDiff[];
  label: string | null;
}

/** One page of Clerk's organizations or memberships, classified (organizations-walk.ts). */
export interface OrganizationPageCommit {
  phase: OrgSubject;
  /** the page's items compared (and the ones a shifted page skipped, found by asking) */
  checked: number;
  inSync: number;
  findings: NewOrganizationFinding[];
  /** organizations to mark in sync / drifted (status columns of the organizations list) */
  inSyncOrganizationIds: string[];
  driftedOrganizationIds: string[];
  /** where the walk continues (JSON, organizations-walk.ts) */
  walk: string;
  instance: string;
  at: Date;
}

export interface NewFinding {
  userId: string;
  class: DriftClass;
  diff: FieldDiff[];
  label: string | null;
}

export interface PageCommit {
  /** the page's Clerk users (0 for the final window check after an empty page) */
  checked: number;
  inSync: number;
  findings: NewFinding[];
  /** local users to mark drifted (status columns of the users list; in-sync ones: page-store.ts) */
  driftedIds: string[];
  /** every window's state as of this page (JSON, windows.ts): where a resumed run continues */
  windows: string;
  instance: string;
  at: Date;
}

export function createReconcileRepository(database: Db) {
  const db = database.prisma as unknown as DbClient & {
    $transaction<T>(fn: (tx: DbClient) => Promise<T>, opts?: { maxWait?: number; timeout?: number }): Promise<T>;
  };

  return {
    // ---- runs ----
    createRun(data: { startedBy: string; instance: string; at: Date }): Promise<RunRow> {
      return db.reconcileRun.create({
        data: {
          status: 'running',
          startedBy: data.startedBy,
          startedAt: data.at,
          lockedBy: data.instance,
          heartbeatAt: data.at,
        },
      });
    },
    getRun: (id: number) => db.reconcileRun.findUnique({ where: { id } }),
    findRunning: () => db.reconcileRun.findFirst({ where: { status: 'running' }, orderBy: { id: 'desc' } }),
    latestRun: () => db.reconcileRun.findFirst({ orderBy: { id: 'desc' } }),
    async listRuns(cursor: number | null, limit: number): Promise<{ rows: RunRow[]; nextCursor: number | null }> {
      const rows = await db.reconcileRun.findMany({
        where: cursor !== null ? { id: { lt: cursor } } : {},
        orderBy: { id: 'desc' },
        take: limit + 1,
      });
      const more = rows.length > limit;
      const kept = more ? rows.slice(0, limit) : rows;
      return { rows: kept, nextCursor: more ? kept[kept.length - 1]!.id : null };
    },
    setTotalEstimate: (id: number, totalEstimate: number) =>
      db.reconcileRun.update({ where: { id }, data: { totalEstimate } }),
    /** Clerk's organization and membership counts at the start (the run's progress counts them). */
    setSubjectTotals: (id: number, organizationsTotal: number, membershipsTotal: number) =>
      db.reconcileRun.update({ where: { id }, data: { organizationsTotal, membershipsTotal } }),
    /** Where the walk of organizations and memberships starts, once the users are done. */
    setOrgWalk: (id: number, orgWalk: string) => db.reconcileRun.update({ where: { id }, data: { orgWalk } }),
    /** The run's windows as planned (windows.ts), before its first page. */
    setWindows: (id: number, windows: string) => db.reconcileRun.update({ where: { id }, data: { windows } }),
    /** Claims a run for this instance (start or resume). */
    claimRun: (id: number, instance: string, at: Date) =>
      db.reconcileRun.update({ where: { id }, data: { lockedBy: instance, heartbeatAt: at } }),
    /** false when the run is no longer running (cancelled from another instance) */
    async heartbeatRun(id: number, instance: string, at: Date): Promise<boolean> {
      const r = await db.reconcileRun.updateMany({
        where: { id, status: 'running' },
        data: { lockedBy: instance, heartbeatAt: at },
      });
      return r.count === 1;
    },
    /** Ends a running run; false when it had ended already. */
    async finishRun(
      id: number,
      status: Exclude<ReconcileStatus, 'running'>,
      at: Date,
      error: string | null = null,
    ): Promise<boolean> {
      const r = await db.reconcileRun.updateMany({
        where: { id, status: 'running' },
        data: { status, finishedAt: at, error },
      });
      return r.count === 1;
    },
    /** Findings not fixed yet per run: users, organizations and memberships. */
    async unfixedCounts(runIds: number[]): Promise<Map<number, number>> {
      if (runIds.length === 0) return new Map();
      const where = { runId: { in: runIds }, fixedAt: null };
      const [users, organizations] = await Promise.all([
        db.reconcileFinding.groupBy({ by: ['runId'], where, _count: { _all: true } }),
        db.reconcileOrganizationFinding.groupBy({ by: ['runId'], where, _count: { _all: true } }),
      ]);
      const out = new Map<number, number>();
      for (const g of [...users, ...organizations]) out.set(g.runId, (out.get(g.runId) ?? 0) + g._count._all);
      return out;
    },
    async driftHistory(limit: number): Promise<DriftPoint[]> {
      const rows = await db.reconcileRun.findMany({
        where: { status: 'completed', finishedAt: { not: null } },
        orderBy: { finishedAt: 'desc' },
        take: limit,
      });
      return rows.reverse().map((r) => ({
        runId: r.id,
        finishedAt: r.finishedAt!.toISOString(),
        missing: r.missing,
        stale: r.stale,
        deleted: r.deleted,
        organizations: r.organizationsMissing + r.organizationsStale + r.organizationsDeleted,
        memberships: r.membershipsMissing + r.membershipsExtra + r.membershipsRole + r.membershipsStale,
      }));
    },

    // ---- one page, atomically ----
    commitPage(runId: number, c: PageCommit): Promise<RunRow> {
      return db.$transaction(
        async (tx) => {
          // A user can be listed twice (a window walked again from a millisecond with more ties than it keeps): count it once — the
          // unique (runId, userId) skips what is there, and what was inserted is what counts. Plain SQL: the
          // model API's createMany took ~90 ms for a page of 1,000 findings.
          const counts: Record<DriftClass, number> = { missing: 0, stale: 0, deleted: 0 };
          for (const k of ['missing', 'stale', 'deleted'] as const) {
            for (const part of chunks(
              c.findings.filter((f) => f.class === k),
              FINDINGS_PER_INSERT,
            )) {
              counts[k] +=
                await tx.$executeRaw`INSERT INTO "ReconcileFinding" ("runId", "userId", "class", "diff", "label")
                VALUES ${join(part.map((f) => sql`(${runId}, ${f.userId}, ${k}, ${JSON.stringify(f.diff)}, ${f.label})`))}
                ON CONFLICT ("runId", "userId") DO NOTHING`;
            }
          }
          // Users found in sync: page-store.ts.
          await createUsersRepository(tx).markDrifted(c.driftedIds, c.at);
          return tx.reconcileRun.update({
            where: { id: runId },
            data: {
              pages: { increment: c.checked > 0 ? 1 : 0 },
              checked: { increment: c.checked },
              inSync: { increment: c.inSync },
              missing: { increment: counts.missing },
              stale: { increment: counts.stale },
              deleted: { increment: counts.deleted },
              heartbeatAt: c.at,
              lockedBy: c.instance,
              windows: c.windows,
            },
          });
        },
        { maxWait: 15_000, timeout: 30_000 },
      );
    },

    /**
     * One page of organizations or memberships, atomically: its findings (unique per run and object: an item a
     * shifted page lists again counts once), its organizations' status marks, the counters and where the walk
     * goes on.
     */
    commitOrganizationPage(runId: number, c: OrganizationPageCommit): Promise<RunRow> {
      return db.$transaction(
        async (tx) => {
          const counts = new Map<keyof RunRow, number>();
          for (const part of chunks(c.findings, ORGANIZATION_FINDINGS_PER_INSERT)) {
            // one insert per row: what it inserted says which counter it adds to
            const rows = await tx.$queryRaw<{ subject: OrgSubject; class: OrganizationFindingClass }[]>`
              INSERT INTO "ReconcileOrganizationFinding" ("runId", "subject", "objectId", "organizationId", "userId", "class", "diff", "label")
              VALUES ${join(part.map((f) => sql`(${runId}, ${f.subject}, ${f.objectId}, ${f.organizationId}, ${f.userId}, ${f.class}, ${JSON.stringify(f.diff)}, ${f.label})`))}
              ON CONFLICT ("runId", "objectId") DO NOTHING
              RETURNING "subject", "class"`;
            for (const r of rows) {
              const column = COUNTER[r.subject][r.class];
              if (column) counts.set(column, (counts.get(column) ?? 0) + 1);
            }
          }
          const organizations = createOrganizationsRepository(tx);
          await organizations.markInSync(c.inSyncOrganizationIds, c.at);
          await organizations.markDrifted(c.driftedOrganizationIds, c.at);
          const checked = c.phase === 'organization' ? 'organizationsChecked' : 'membershipsChecked';
          const inSync = c.phase === 'organization' ? 'organizationsInSync' : 'membershipsInSync';
          return tx.reconcileRun.update({
            where: { id: runId },
            data: {
              [checked]: { increment: c.checked },
              [inSync]: { increment: c.inSync },
              ...Object.fromEntries([...counts].map(([k, n]) => [k, { increment: n }])),
              heartbeatAt: c.at,
              lockedBy: c.instance,
              orgWalk: c.walk,
            },
          });
        },
        { maxWait: 15_000, timeout: 30_000 },
      );
    },

    // ---- local organizations and memberships (the tables' own reads: organizations/) ----
    organizationsIn: (w: CreatedStretch) => createOrganizationsRepository(db).inCreatedStretch(w),
    organizationsWithoutCreatedAt: (afterId: string | null, take: number) =>
      createOrganizationsRepository(db).withoutCreatedAt(afterId, take),
    localOrganizations: (ids: readonly string[]) => createOrganizationsRepository(db).localOrganizations(ids),
    membershipsIn: (w: CreatedStretch) => createMembershipsRepository(db).inCreatedStretch(w),
    membershipsWithoutCreatedAt: (afterId: string | null, take: number) =>
      createMembershipsRepository(db).withoutCreatedAt(afterId, take),
    localMemberships: (ids: readonly string[]) => createMembershipsRepository(db).localMemberships(ids),

    // ---- local users (a page's reads and in-sync marks: page-store.ts) ----
    /** For a run's per-page reads and in-sync marks (on SQLite, a worker thread's connection); close it when the run ends. */
    openPageStore: () => openPageStore(database),
    userSummaries: (ids: string[]) => createUsersRepository(db).summariesByIds(ids),

    // ---- findings ----
    async listFindings(
      runId: number,
      filter: { class?: DriftClass; unfixed?: boolean },
      cursor: number | null,
      limit: number,
    ): Promise<Page<ReconcileFindingDto>> {
      const rows = await db.reconcileFinding.findMany({
        where: {
          runId,
          ...(filter.class ? { class: filter.class } : {}),
          ...(filter.unfixed ? { fixedAt: null } : {}),
          ...(cursor !== null ? { id: { gt: cursor } } : {}),
        },
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
      return toPage(rows, limit, toFindingDto, (r) => [r.id]);
    },
    unfixedBatch: (runId: number, userIds: string[] | null, afterId: number, take: number) =>
      db.reconcileFinding.findMany({
        where: { runId, fixedAt: null, id: { gt: afterId }, ...(userIds ? { userId: { in: userIds } } : {}) },
        orderBy: { id: 'asc' },
        take,
      }),
    async markFixed(byResult: Map<ResyncResult['result'], number[]>, at: Date): Promise<void> {
      for (const [result, ids] of byResult) {
        if (ids.length)
          await updateInChunks(ids, (part) =>
            db.reconcileFinding.updateMany({ where: { id: { in: part } }, data: { fixedAt: at, fixResult: result } }),
          );
      }
    },

    async listOrganizationFindings(
      runId: number,
      filter: { subject?: OrgSubject; class?: OrganizationFindingClass; unfixed?: boolean },
      cursor: number | null,
      limit: number,
    ): Promise<Page<ReconcileOrganizationFindingDto>> {
      const rows = await db.reconcileOrganizationFinding.findMany({
        where: {
          runId,
          ...(filter.subject ? { subject: filter.subject } : {}),
          ...(filter.class ? { class: filter.class } : {}),
          ...(filter.unfixed ? { fixedAt: null } : {}),
          ...(cursor !== null ? { id: { gt: cursor } } : {}),
        },
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
      return toPage(rows, limit, toOrganizationFindingDto, (r) => [r.id]);
    },
    /** Unfixed findings of one subject (all, or those of `objectIds`), in id order after `afterId`. */
    unfixedOrganizationBatch: (
      runId: number,
      subject: OrgSubject,
      objectIds: string[] | null,
      afterId: number,
      take: number,
    ) =>
      db.reconcileOrganizationFinding.findMany({
        where: {
          runId,
          subject,
          fixedAt: null,
          id: { gt: afterId },
          ...(objectIds ? { objectId: { in: objectIds } } : {}),
        },
        orderBy: { id: 'asc' },
        take,
      }),
    async markOrganizationFindingsFixed(byResult: Map<ResyncResult['result'], number[]>, at: Date): Promise<void> {
      for (const [result, ids] of byResult) {
        if (ids.length)
          await updateInChunks(ids, (part) =>
            db.reconcileOrganizationFinding.updateMany({
              where: { id: { in: part } },
              data: { fixedAt: at, fixResult: result },
            }),
          );
      }
    },

    // ---- the lock: one row, taken by a conditional update (works the same on SQLite and PostgreSQL) ----
    async acquireLock(instance: string, runId: number | null, at: Date, ttlMs: number): Promise<boolean> {
      const exists = await db.reconcileLock.findUnique({ where: { id: LOCK_ID }, select: { id: true } });
      if (!exists) {
        try {
          await db.reconcileLock.create({ data: { id: LOCK_ID } });
        } catch {
          // another instance created it first: fine, compete below
        }
      }
      const expired = new Date(at.getTime() - ttlMs);
      const r = await db.reconcileLock.updateMany({
        where: {
          id: LOCK_ID,
          OR: [{ holder: null }, { holder: instance }, { heartbeatAt: null }, { heartbeatAt: { lt: expired } }],
        },
        data: { holder: instance, runId, heartbeatAt: at },
      });
      return r.count === 1;
    },
    async setLockRun(instance: string, runId: number): Promise<void> {
      await db.reconcileLock.updateMany({ where: { id: LOCK_ID, holder: instance }, data: { runId } });
    },
    /** false when another instance took the lock over (this one stalled past the TTL) */
    async heartbeatLock(instance: string, at: Date): Promise<boolean> {
      const r = await db.reconcileLock.updateMany({
        where: { id: LOCK_ID, holder: instance },
        data: { heartbeatAt: at },
      });
      return r.count === 1;
    },
    async releaseLock(instance: string): Promise<void> {
      await db.reconcileLock.updateMany({
        where: { id: LOCK_ID, holder: instance },
        data: { holder: null, runId: null, heartbeatAt: null },
      });
    },
    getLock: () => db.reconcileLock.findUnique({ where: { id: LOCK_ID } }),
  };
}

export type ReconcileRepository = ReturnType<typeof createReconcileRepository>;

export function toFindingDto(r: FindingRow): ReconcileFindingDto {
  return {
    id: r.id,
    runId: r.runId,
    userId: r.userId,
    class: r.class as DriftClass,
    label: r.label,
    diff: JSON.parse(r.diff) as FieldDiff[],
    fixedAt: iso(r.fixedAt),
    fixResult: (r.fixResult as ReconcileFindingDto['fixResult']) ?? null,
  };
}

export function toOrganizationFindingDto(r: OrganizationFindingRow): ReconcileOrganizationFindingDto {
  return {
    id: r.id,
    runId: r.runId,
    subject: r.subject as OrgSubject,
    objectId: r.objectId,
    organizationId: r.organizationId,
    userId: r.userId,
    class: r.class as OrganizationFindingClass,
    label: r.label,
    diff: JSON.parse(r.diff) as FieldDiff[],
    fixedAt: iso(r.fixedAt),
    fixResult: (r.fixResult as ReconcileOrganizationFindingDto['fixResult']) ?? null,
  };
}
