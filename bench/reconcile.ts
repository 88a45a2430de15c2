// Reconcile duration against Clerk's rate limit. Three processes, as in production: Clerk (the emulator,
// bench/targets/clerk.ts), the monitor (bench/targets/monitor.ts, configured through RECONCILE_* like
// `npm start`, and bundled and started like it: scripts/build-server.mjs, plain node, the same node options)
// and this driver, which seeds both sides and starts the run through the API. The emulator
// enforces the limit; the run's duration is compared with the least the budget allows for the requests it
// made when they are spread evenly: (requests − 1) × window / (limit × share). Checks that the findings are
// exactly the drift made, counts 429s at the emulator (there should be none) and reports the monitor's peak
// RSS, its memory through the run and where its resident set is before the run and at the peak
// (bench/lib.ts residentSet). Usage:
//   node --import tsx bench/reconcile.ts [users=25000] [drift share=0.03] [budget share=1] [limit per 10 s=100]
// (`npm run bench` runs it with BENCH_RECONCILE_USERS users, default 1,000,000, at 0.03 0.5 1000.)
// BENCH_CPU_PROFILE=<file> writes the monitor's CPU profile (the run, not its start-up) there;
// BENCH_MEMORY_LOG=1 has the monitor log its V8 heap (bench/targets/monitor.ts); BENCH_MONITOR_NODE_ARGS adds
// node options to the monitor's process (e.g. V8 heap sizes).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { residentSet, startTarget } from './lib.ts';
import { buildServer, SERVER_NODE_OPTIONS } from '../scripts/build-server.mjs';
import { generateSecretKey } from '../emulator/emulator.ts';
import { createDb } from '../server/src/lib/db/client.ts';
import { migrate } from '../server/src/data/migrate.ts';
import { openSql } from '../server/src/lib/db/sql.ts';
import { usersSql } from '../server/src/users/users.repository.ts';
import type { ClerkUserJson } from '../server/src/clerk/clerk-json.ts';
import type { DriftClass, Page, ReconcileFindingDto, ReconcileRunDto } from '../server/src/contract.ts';

const USERS = Number(process.argv[2] ?? 25_000);
const DRIFT = Number(process.argv[3] ?? 0.03);
const SHARE = Number(process.argv[4] ?? 1);
// requests per 10 s the emulator allows: 100 = a development instance, 1000 = production
const LIMIT = Number(process.argv[5] ?? 100);
const WINDOW_MS = 10_000;

const secretKey = generateSecretKey();
const dir = mkdtempSync(path.join(tmpdir(), 'bench-reconcile-'));
const databaseUrl = `file:${dir}/reconcile.db`;
// the emulator holds every user in memory, as JSON text: ~2.1 KiB a user (emulator/store.ts)
const clerkHeapMiB = Math.max(1024, Math.ceil(USERS / 100_000) * 512);
const seedStarted = performance.now();
const clerk = await startTarget(
  'bench/targets/clerk.ts',
  { BENCH_CLERK_USERS: String(USERS), BENCH_CLERK_SECRET_KEY: secretKey },
  [`--max-old-space-size=${clerkHeapMiB}`],
);
const clerkSeeded = Number(((performance.now() - seedStarted) / 1000).toFixed(1));
const backend = (p: string) => fetch(`${clerk.url}/v1${p}`, { headers: { authorization: `Bearer ${secretKey}` } });
const control = async (p: string, method: string, body?: unknown) => {
  const res = await fetch(`${clerk.url}/control${p}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`control ${method} ${p}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<unknown>;
};

// The local copy holds every Clerk user (written straight into the database, page by page: the bench is
// about the run), then a few drift: silent updates, deletions and sign-ups. Written with the statement the
// webhook path writes a user with (usersSql.put): Prisma's createMany took ~0.7 ms a row, minutes per 100,000.
await migrate(databaseUrl);
const db = await createDb(databaseUrl);
const sql = openSql(db);
const ids: string[] = [];
for (let after: string | null = null; ;) {
  const res = await backend(`/users?limit=500&order_by=%2Bcreated_at${after ? `&starting_after=${after}` : ''}`);
  const page = (await res.json()) as ClerkUserJson[];
  if (page.length === 0) break;
  await sql.transaction(async (tx) => {
    for (const u of page) await usersSql.put(tx, u as unknown as Record<string, unknown>, 'msg_bench_seed');
  });
  for (const u of page) ids.push(u.id);
  after = page.at(-1)!.id;
}
await sql.close();
await db.close();
const seedSeconds = {
  clerk: clerkSeeded,
  local: Number(((performance.now() - seedStarted) / 1000 - clerkSeeded).toFixed(1)),
};
process.stderr.write(`seeded: Clerk ${seedSeconds.clerk} s, the local copy ${seedSeconds.local} s\n`);
const n = Math.round((USERS * DRIFT) / 3);
const inParallel = async (items: string[], fn: (id: string) => Promise<unknown>) => {
  for (let i = 0; i < items.length; i += 16) await Promise.all(items.slice(i, i + 16).map(fn));
};
const expected = { missing: [] as string[], stale: ids.slice(0, n), deleted: ids.slice(n, 2 * n) };
await inParallel(expected.stale, (id) => control(`/users/${id}?webhook=false`, 'PATCH', { first_name: 'Drifted' }));
await inParallel(expected.deleted, (id) => control(`/users/${id}?webhook=false`, 'DELETE'));
await inParallel(ids.slice(0, n), async () =>
  expected.missing.push(((await control('/users?webhook=false', 'POST', {})) as { id: string }).id),
);
ids.length = 0;
const users = (await (await backend('/users/count')).json()) as { total_count: number };
// The emulator keeps its created_at order like an index, rebuilt after users come or go: build it now, as
// Clerk's own index would be, rather than inside the first request the run makes.
await backend('/users?limit=1&order_by=%2Bcreated_at');

await control('/rate-limit', 'PUT', { requests: LIMIT, windowMs: WINDOW_MS });
// bundled and run on plain node with the same node options, as `npm start` runs the server
const monitorBundle = await buildServer({ entry: 'bench/targets/monitor.ts', outdir: 'dist/bench', name: 'monitor' });
const monitor = await startTarget(
  monitorBundle,
  {
    BENCH_DATABASE_URL: databaseUrl,
    BENCH_CLERK_API_URL: clerk.url,
    BENCH_CLERK_SECRET_KEY: secretKey,
    RECONCILE_RATE_LIMIT: String(LIMIT),
    RECONCILE_BUDGET_SHARE: String(SHARE),
  },
  [
    ...SERVER_NODE_OPTIONS,
    ...(process.env.BENCH_MEMORY_LOG ? ['--expose-gc'] : []),
    ...(process.env.BENCH_MONITOR_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ],
);
const login = await fetch(`${monitor.url}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'bench@bench.local', password: 'bench-password' }),
});
const cookie = login.headers
  .getSetCookie()
  .map((c) => c.split(';')[0])
  .join('; ');
const { csrfToken } = (await login.json()) as { csrfToken: string };
const api = (p: string, method = 'GET') =>
  fetch(`${monitor.url}${p}`, { method, headers: { cookie, 'x-csrf-token': csrfToken } });

/** CPU seconds the process has used so far (all its threads: user + system) */
const cpuSeconds = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 per second)
};
const rssMiB = (pid: number) =>
  Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const monitorIdleRssMiB = rssMiB(monitor.proc.pid!);
const monitorIdleResident = residentSet(monitor.proc.pid!);
const cpuBefore = { monitor: cpuSeconds(monitor.proc.pid!), clerk: cpuSeconds(clerk.proc.pid!) };
await fetch(`${clerk.url}/bench/counts`, { method: 'POST' });
// the monitor's memory through the run: its resident set each second, and the peaks of what is anonymous
// (heaps, native allocations) and file-backed (mapped code and files)
const memory = {
  anonPeakMiB: 0,
  filePeakMiB: 0,
  rssEverySecondMiB: [] as number[],
  /** where the resident set was at its peak sample (bench/lib.ts residentSet) */
  atPeakMiB: {} as Record<string, number>,
};
const sampler = setInterval(() => {
  const st = readFileSync(`/proc/${monitor.proc.pid!}/status`, 'utf8');
  const mib = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+)`).exec(st)?.[1] ?? 0) / 1024);
  memory.anonPeakMiB = Math.max(memory.anonPeakMiB, mib('RssAnon'));
  memory.filePeakMiB = Math.max(memory.filePeakMiB, mib('RssFile'));
  if (mib('VmRSS') >= Math.max(0, ...memory.rssEverySecondMiB)) memory.atPeakMiB = residentSet(monitor.proc.pid!);
  memory.rssEverySecondMiB.push(mib('VmRSS'));
}, 1000);
const started = (await (await api('/api/reconcile', 'POST')).json()) as ReconcileRunDto;
let run: ReconcileRunDto;
for (;;) {
  // an operator's dashboard gets progress pushed; polling here only finds the end (the run's own timestamps time it)
  await new Promise((r) => setTimeout(r, 100));
  run = (await (await api(`/api/reconcile/runs/${started.id}`)).json()) as ReconcileRunDto;
  if (run.status !== 'running') break;
}
clearInterval(sampler);
const cpu = {
  monitor: Number((cpuSeconds(monitor.proc.pid!) - cpuBefore.monitor).toFixed(2)),
  clerk: Number((cpuSeconds(clerk.proc.pid!) - cpuBefore.clerk).toFixed(2)),
};
const { requests, throttled } = (await (await fetch(`${clerk.url}/bench/counts`)).json()) as {
  requests: number;
  throttled: number;
};
// exact: every user drifted on purpose found, in its class, and nothing else
const found: Record<DriftClass, string[]> = { missing: [], stale: [], deleted: [] };
for (let cursor: string | null = null; ;) {
  const page = (await (
    await api(`/api/reconcile/runs/${run.id}/findings?limit=500${cursor ? `&cursor=${cursor}` : ''}`)
  ).json()) as Page<ReconcileFindingDto>;
  for (const f of page.items) found[f.class].push(f.userId);
  if (!(cursor = page.nextCursor)) break;
}
const sameIds = (a: string[], b: string[]) => {
  const [x, y] = [[...a].sort(), [...b].sort()];
  return x.length === y.length && x.every((id, i) => id === y[i]);
};
const exact =
  run.status === 'completed' && (['missing', 'stale', 'deleted'] as const).every((k) => sameIds(found[k], expected[k]));
/** the process' peak resident set (VmHWM), MiB */
const peakRss = (pid: number) =>
  Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
const monitorPeakRssMiB = peakRss(monitor.proc.pid!);
const clerkPeakRssMiB = peakRss(clerk.proc.pid!);
await monitor.stop();
await clerk.stop();
rmSync(dir, { recursive: true, force: true });

const durationMs = new Date(run.finishedAt!).getTime() - new Date(run.startedAt).getTime();
const minimumMs = ((requests - 1) * WINDOW_MS) / LIMIT;
// what the budget share allows (the rest of the limit is left to the application)
const budgetMinimumMs = minimumMs / SHARE;
console.log(
  JSON.stringify(
    {
      users: users.total_count,
      status: run.status,
      pages: run.pages,
      found: run.found,
      exact,
      requests,
      throttled429: throttled,
      limit: `${LIMIT} / ${WINDOW_MS / 1000} s`,
      durationMs,
      minimumMs,
      ratio: Number((durationMs / minimumMs).toFixed(3)),
      budgetShare: SHARE,
      budgetMinimumMs,
      ratioToBudget: Number((durationMs / budgetMinimumMs).toFixed(3)),
      monitorPeakRssMiB,
      monitorRssBeforeRunMiB: monitorIdleRssMiB,
      monitorResidentBeforeRunMiB: monitorIdleResident,
      monitorMemoryDuringRun: memory,
      clerkPeakRssMiB,
      cpuSecondsDuringRun: cpu,
      seedSeconds,
    },
    null,
    2,
  ),
);
// one line for `npm run bench` (bench/run.ts) to read
console.log(
  `JSON ${JSON.stringify({
    users: users.total_count,
    status: run.status,
    error: run.error,
    exact,
    seconds: durationMs / 1000,
    floorSeconds: budgetMinimumMs / 1000,
    ratio: durationMs / budgetMinimumMs,
    throttled,
    requests,
    share: SHARE,
    limit: LIMIT,
    peakRssMiB: monitorPeakRssMiB,
    rssBeforeRunMiB: monitorIdleRssMiB,
    residentBeforeRunMiB: monitorIdleResident,
    residentAtPeakMiB: memory.atPeakMiB,
    clerkPeakRssMiB,
    cpuSeconds: cpu,
  })}`,
);
process.exit(0);
