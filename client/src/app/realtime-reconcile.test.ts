import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import type { Page, ReconcileRunDto } from '@contract/contract.ts';
import { applyReconcile } from './realtime.ts';
import { queryKeys } from '../lib/query-keys.ts';

const run = (over: Partial<ReconcileRunDto> = {}): ReconcileRunDto => ({
  id: 1,
  status: 'running',
  startedBy: 'a@b.c',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  pages: 1,
  checked: 500,
  totalEstimate: 1000,
  found: { missing: 1, stale: 2, deleted: 3 },
  inSync: 494,
  phase: 'users',
  organizations: { checked: 0, total: 10, inSync: 0, found: { missing: 0, stale: 0, deleted: 0 } },
  memberships: { checked: 0, total: 30, inSync: 0, found: { missing: 0, extra: 0, role: 0, stale: 0 } },
  unfixed: 6,
  progress: 0.5,
  etaSeconds: 10,
  error: null,
  ...over,
});

describe('reconcile messages', () => {
  it('update the run and its row in the history as they come', () => {
    const qc = new QueryClient();
    qc.setQueryData<Page<ReconcileRunDto>>(queryKeys.reconcile.runs, {
      items: [run({ checked: 0 })],
      nextCursor: null,
    });
    applyReconcile(qc, run(), false);
    expect(qc.getQueryData<ReconcileRunDto>(queryKeys.reconcile.run(1))?.checked).toBe(500);
    expect(qc.getQueryData<Page<ReconcileRunDto>>(queryKeys.reconcile.runs)?.items.map((r) => r.checked)).toEqual([
      500,
    ]);
    // a run another dashboard started appears at the top
    applyReconcile(qc, run({ id: 2 }), false);
    expect(qc.getQueryData<Page<ReconcileRunDto>>(queryKeys.reconcile.runs)?.items.map((r) => r.id)).toEqual([2, 1]);
  });

  it('refetch findings and drift history when a run ends', () => {
    const qc = new QueryClient();
    qc.setQueryData(queryKeys.reconcile.findings(1), { pages: [], pageParams: [] });
    qc.setQueryData(queryKeys.reconcile.driftHistory, []);
    applyReconcile(qc, run({ status: 'running' }), false);
    expect(qc.getQueryState(queryKeys.reconcile.findings(1))?.isInvalidated).toBe(false);
    applyReconcile(qc, run({ status: 'completed', progress: 1 }), true);
    expect(qc.getQueryState(queryKeys.reconcile.findings(1))?.isInvalidated).toBe(true);
    expect(qc.getQueryState(queryKeys.reconcile.driftHistory)?.isInvalidated).toBe(true);
  });

  it('refetch findings while a run goes, when a progress message says more were found', () => {
    const qc = new QueryClient();
    qc.setQueryData(queryKeys.reconcile.run(1), run());
    qc.setQueryData(queryKeys.reconcile.findings(1), { pages: [], pageParams: [] });
    applyReconcile(qc, run({ checked: 600 }), false);
    expect(qc.getQueryState(queryKeys.reconcile.findings(1))?.isInvalidated).toBe(false);
    applyReconcile(qc, run({ checked: 700, found: { missing: 2, stale: 2, deleted: 3 } }), false);
    expect(qc.getQueryState(queryKeys.reconcile.findings(1))?.isInvalidated).toBe(true);
  });
});
