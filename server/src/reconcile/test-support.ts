// Helpers the reconcile tests share (not a test file itself).
import type { TestServer } from '../test/harness.ts';
import type { Page, ReconcileFindingDto, ReconcileRunDto } from '../contract.ts';

export const json = async <T>(r: Response | Promise<Response>): Promise<T> => {
  const res = await r;
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
};
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the run until it is no longer running. */
export async function waitForRun(s: TestServer, id: number, timeoutMs = 30_000): Promise<ReconcileRunDto> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const run = await json<ReconcileRunDto>(s.api(`/api/reconcile/runs/${id}`));
    if (run.status !== 'running') return run;
    if (Date.now() > end) throw new Error(`run ${id} still running: ${JSON.stringify(run)}`);
    await sleep(20);
  }
}

export async function reconcile(s: TestServer): Promise<ReconcileRunDto> {
  const started = await json<ReconcileRunDto>(s.api('/api/reconcile', { method: 'POST' }));
  return waitForRun(s, started.id);
}

export async function allFindings(s: TestServer, runId: number): Promise<ReconcileFindingDto[]> {
  const out: ReconcileFindingDto[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<ReconcileFindingDto> = await json(
      s.api(`/api/reconcile/runs/${runId}/findings?limit=500${cursor ? `&cursor=${cursor}` : ''}`),
    );
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
