// What a bulk replay covers: the deliveries matching a filter (or the attempts of outstanding messages) up to
// the newest delivery when it was asked, walked page by page in id order, so there is no cap and memory stays
// flat. The dry run counts what the job (replay-job.ts) would do, with the same rules (replayable.ts).
import type { BulkReplayRequest, BulkReplayResult, ReplaySkipReason } from '../contract.ts';
import { REPLAY_SKIP_REASONS } from '../contract.ts';
import type { Repositories } from '../data/unit-of-work.ts';
import type { DeliveryRow } from './deliveries.repository.ts';
import type { FailuresService } from './failures.ts';
import { skipReason } from './replayable.ts';

/** Deliveries read at a time: a page holds full rows (a body of up to 64 KiB each for ones that stored no event). */
export const BULK_REPLAY_PAGE = 100;

export interface ReplayScope {
  filter: BulkReplayRequest['filter'];
  /** only failed attempts of messages outstanding when the scope was taken (the Failures page's bulk replay) */
  outstandingOnly: boolean;
}

/** A scope fixed at one moment: what it matches then, and up to which delivery. */
export interface Selection extends ReplayScope {
  maxId: number;
  outstanding: ReadonlySet<string> | null;
  /** deliveries matching */
  matched: number;
}

/** One page of a selection: its matching deliveries, and the last id it walked (the next page starts after it). */
export interface SelectionPage {
  rows: DeliveryRow[];
  lastId: number;
}

export const emptySkips = (): Record<ReplaySkipReason, number> =>
  Object.fromEntries(REPLAY_SKIP_REASONS.map((r) => [r, 0])) as Record<ReplaySkipReason, number>;

export function createBulkReplay(deps: {
  repos: Repositories;
  failures: Pick<FailuresService, 'outstandingSvixIds'>;
  pageSize?: number;
}) {
  const { repos } = deps;
  const pageSize = deps.pageSize ?? BULK_REPLAY_PAGE;

  async function select(scope: ReplayScope): Promise<Selection> {
    const maxId = await repos.deliveries.newestId();
    if (!scope.outstandingOnly) {
      return { ...scope, maxId, outstanding: null, matched: await repos.deliveries.countMatching(scope.filter, maxId) };
    }
    const outstanding = await deps.failures.outstandingSvixIds();
    const matched = await repos.deliveries.countMatching(scope.filter, maxId, [...outstanding]);
    return { ...scope, maxId, outstanding, matched };
  }

  /** The matching deliveries after `afterId`, oldest first; null once the selection is walked. */
  async function page(sel: Selection, afterId: number): Promise<SelectionPage | null> {
    const rows = await repos.deliveries.matchingPage(
      { ...sel.filter, ...(sel.outstanding ? { failedOnly: true } : {}) },
      afterId,
      sel.maxId,
      pageSize,
    );
    if (rows.length === 0) return null;
    const outstanding = sel.outstanding;
    return {
      rows: outstanding ? rows.filter((r) => r.svixId !== null && outstanding.has(r.svixId)) : rows,
      lastId: rows.at(-1)!.id,
    };
  }

  /** Each row with why it is skipped, or null to replay it; the messages to replay join `seen`. */
  async function classify(
    rows: readonly DeliveryRow[],
    seen: Set<string>,
  ): Promise<{ row: DeliveryRow; reason: ReplaySkipReason | null }[]> {
    const svixIds = [...new Set(rows.map((r) => r.svixId).filter((id): id is string => id !== null))];
    const outcomes = new Map((await repos.events.outcomesBySvixId(svixIds)).map((e) => [e.svixId, e.outcome]));
    return rows.map((row) => {
      const reason = skipReason(row, seen, outcomes);
      if (!reason) seen.add(row.svixId!);
      return { row, reason };
    });
  }

  return {
    select,
    page,
    classify,

    /** What a job started now would do; changes nothing. Adds up: matched = replayed + skipped. */
    async dryRun(scope: ReplayScope): Promise<BulkReplayResult> {
      const sel = await select(scope);
      const skippedBy = emptySkips();
      const seen = new Set<string>();
      const messages = new Set<string>();
      let matched = 0;
      let replayed = 0;
      for (let p = await page(sel, 0); p; p = await page(sel, p.lastId)) {
        for (const { row, reason } of await classify(p.rows, seen)) {
          matched++;
          if (row.svixId !== null) messages.add(row.svixId);
          if (reason) skippedBy[reason]++;
          else replayed++;
        }
      }
      return { dryRun: true, matched, replayed, skipped: matched - replayed, skippedBy, messages: messages.size };
    },
  };
}

export type BulkReplay = ReturnType<typeof createBulkReplay>;
