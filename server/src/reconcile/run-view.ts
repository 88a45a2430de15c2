// How a run is shown: its DTO (unfixed findings left, progress, an ETA) and the 404 for a run that does not exist.
import type { ReconcileRunDto, ReconcileStatus } from '../contract.ts';
import type { ReconcileRepository, RunRow } from './reconcile.repository.ts';
import { notFound } from '../lib/errors.ts';

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
    const total = row.totalEstimate;
    const running = row.status === 'running';
    let etaSeconds: number | null = null;
    if (running && total !== null && row.checked > 0) {
      const job = slot.current;
      // the pace this server observed, else the whole run's
      const pace =
        job?.runId === row.id && row.checked > job.since.checked
          ? (Date.now() - job.since.at) / (row.checked - job.since.checked)
          : (clock().getTime() - row.startedAt.getTime()) / row.checked;
      etaSeconds = Math.max(0, Math.round((Math.max(0, total - row.checked) * pace) / 1000));
    }
    return {
      id: row.id,
      status: row.status as ReconcileStatus,
      startedBy: row.startedBy,
      startedAt: row.startedAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      pages: row.pages,
      checked: row.checked,
      totalEstimate: total,
      found: { missing: row.missing, stale: row.stale, deleted: row.deleted },
      inSync: row.inSync,
      unfixed: left,
      progress: row.status === 'completed' ? 1 : total ? Math.min(1, row.checked / total) : null,
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
