import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import type { BulkReplayJobDto, LatestReplayJob } from '@contract/contract.ts';
import { applyReplayJob } from './realtime.ts';
import { queryKeys } from '../lib/query-keys.ts';

const job = (over: Partial<BulkReplayJobDto> = {}): BulkReplayJobDto => ({
  id: 1,
  status: 'running',
  startedBy: 'a@b.c',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  request: { filter: {}, outstandingOnly: true },
  matched: 10,
  replayed: 4,
  skipped: 1,
  skippedBy: { not_verified: 0, already_applied: 1, same_message: 0, is_replay: 0, payload_unavailable: 0 },
  notRun: 0,
  remaining: 5,
  progress: 0.5,
  outcomes: { applied: 4 },
  failures: [],
  cancelledBy: null,
  error: null,
  ...over,
});

const latest = (qc: QueryClient) => qc.getQueryData<LatestReplayJob>(queryKeys.replayJobs.latest)?.job;

describe('bulk replay messages', () => {
  it('keep the latest job current, a page that never loaded it included', () => {
    const qc = new QueryClient();
    applyReplayJob(qc, job(), false);
    expect(latest(qc)?.replayed).toBe(4);
    applyReplayJob(qc, job({ replayed: 8, remaining: 1, progress: 0.9 }), false);
    expect(latest(qc)?.replayed).toBe(8);
    // a job another operator started later takes its place
    applyReplayJob(qc, job({ id: 2, replayed: 0 }), false);
    expect(latest(qc)?.id).toBe(2);
    // an older job's message never replaces it
    applyReplayJob(qc, job({ id: 1, status: 'completed' }), true);
    expect(latest(qc)?.id).toBe(2);
  });

  it('never reopen an ended job; its end refetches what the replays changed', () => {
    const qc = new QueryClient();
    qc.setQueryData(queryKeys.failures.list('outstanding'), { items: [] });
    qc.setQueryData(queryKeys.overview, {});
    const ended = job({ status: 'cancelled', remaining: 0, notRun: 5, cancelledBy: 'a@b.c' });
    applyReplayJob(qc, ended, true);
    expect(qc.getQueryState(queryKeys.failures.list('outstanding'))?.isInvalidated).toBe(true);
    expect(qc.getQueryState(queryKeys.overview)?.isInvalidated).toBe(true);
    applyReplayJob(qc, job(), false);
    expect(latest(qc)).toEqual(ended);
  });
});
