// How a run is shown: its DTO (unfixed findings left, progress, an ETA) and the 404 for a run that does not exist.
import type { ReconcilePhase, ReconcileRunDto, ReconcileStatus } from '../contract.ts';
import type { ReconcileRepository, RunRow } from './reconcile.repository.ts';
import { parseOrgWalk } from './organizations-walk.ts';
import { notFound } from '../lib/errors.ts';

/** Users, organizations and memberships compared so far: what the run's pace and progress count. */
export const checkedOf = (r: RunRow): number => r.checked + r.organizationsChecked + r.membershipsChecked;

/** Clerk's users, organizations and memberships at the start; null until all three are known. */
const totalOf = (r: RunRow): number | null =>
  r.totalEstimate === null || r.organizationsTotal === null || r.membershipsTotal === null
    ? null
    : r.totalEstimate + r.organizationsTotal + r.membershipsTotal;

function phaseOf(r: RunRow): ReconcilePhase {
  const walk = parseOrgWalk(r.orgWalk);
  if (walk) return walk.phase;
  // a run from before organizations were reconciled ended with its users
  return r.status === 'completed' ? 'done' : 'users';
}

/** Where this server took a run up: checked count and time at that point (the ETA's pace starts there). */
export interface Pace {
  at: number;
  checked: number;
}

export function createRunView(deps: {
  repo: Pick<ReconcileRepository, 'getRun' | 'unfixedCounts'>;
  clock: () => Date;
  /** the job running on this server, if any (job.ts) */
  slot: { readonly current: { runId: number; since: Pace } | null };
}) {
  const { repo, clock, slot } = deps;

  async function toDto(row: RunRow, unfixed?: number): Promise<ReconcileRunDto> {
    const left = unfixed ?? (await repo.unfixedCounts([row.id])).get(row.id) ?? 0;
    const total = totalOf(row);
    const checked = checkedOf(row);
    const running = row.status === 'running';
    let etaSeconds: number | null = null;
    if (running && total !== null && checked > 0) {
      const job = slot.current;
      // the pace this server observed, else the whole run's
      const pace =
        job?.runId === row.id && checked > job.since.checked
          ? (Date.now() - job.since.at) / (checked - job.since.checked)
          : (clock().getTime() - row.startedAt.getTime()) / checked;
      etaSeconds = Math.max(0, Math.round((Math.max(0, total - checked) * pace) / 1000));
    }
    return {
      id: row.id,
      status: row.status as ReconcileStatus,
      startedBy: row.startedBy,
      startedAt: row.startedAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      pages: row.pages,
      checked: row.checked,
      totalEstimate: row.totalEstimate,
      found: { missing: row.missing, stale: row.stale, deleted: row.deleted },
      inSync: row.inSync,
      phase: phaseOf(row),
      organizations: {
        checked: row.organizationsChecked,
        total: row.organizationsTotal,
        inSync: row.organizationsInSync,
        found: {
          missing: row.organizationsMissing,
          stale: row.organizationsStale,
          deleted: row.organizationsDeleted,
        },
      },
      memberships: {
        checked: row.membershipsChecked,
        total: row.membershipsTotal,
        inSync: row.membershipsInSync,
        found: {
          missing: row.membershipsMissing,
          extra: row.membershipsExtra,
          role: row.membershipsRole,
          stale: row.membershipsStale,
        },
      },
      unfixed: left,
      progress: row.status === 'completed' ? 1 : total ? Math.min(1, checked / total) : null,
      etaSeconds,
      error: row.error,
    };
  }

  async function requireRun(id: number): Promise<RunRow> {
    const run = await repo.getRun(id);
    if (!run) throw notFound(`Reconcile run ${id}`);
    return run;
  }

  return { toDto, requireRun };
}

export type RunView = ReturnType<typeof createRunView>;
