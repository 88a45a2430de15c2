// The full monitor (same startServer and configuration path as `npm start`) pointed at a Clerk Backend API:
// BENCH_DATABASE_URL, BENCH_CLERK_API_URL, BENCH_CLERK_SECRET_KEY, and the RECONCILE_* settings from the
// environment. Used by bench/reconcile.ts, which bundles it as `npm start` bundles the server
// (scripts/build-server.mjs) and runs it on plain node: what it measures is the production start path. It
// imports nothing the server does not (no emulator, no faker): their memory would be counted as the monitor's. BENCH_CPU_PROFILE=<file>: a CPU profile from READY to SIGTERM (the
// work measured, not the start-up), for `node --cpu-prof`-style analysis. BENCH_MEMORY_LOG=1 (the driver then
// starts this with --expose-gc): the V8 heap after a full collection at READY and at SIGTERM (what a run leaves
// behind), and the heap spaces every second, on stderr.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { pino } from 'pino';
import { parseConfig } from '../../server/src/config.ts';
import { startServer } from '../../server/src/server.ts';

const server = await startServer(
  parseConfig({
    PORT: '0',
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    CLERK_WEBHOOK_SIGNING_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    CLERK_SECRET_KEY: process.env.BENCH_CLERK_SECRET_KEY,
    CLERK_API_URL: process.env.BENCH_CLERK_API_URL,
    RECONCILE_RATE_LIMIT: process.env.RECONCILE_RATE_LIMIT,
    RECONCILE_BUDGET_SHARE: process.env.RECONCILE_BUDGET_SHARE,
    ADMIN_EMAIL: 'bench@bench.local',
    ADMIN_PASSWORD: 'bench-password',
    LOG_LEVEL: 'silent',
  }),
  { logger: pino({ level: 'silent' }) },
);
const profileTo = process.env.BENCH_CPU_PROFILE;
const inspector = profileTo ? new Session() : null;
if (inspector) {
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.start');
}
const mib = (n: number) => Math.round(n / 2 ** 20);
function memoryLog(label: string) {
  if (!process.env.BENCH_MEMORY_LOG) return;
  const spaces = getHeapSpaceStatistics()
    .filter((x) => x.space_size > 0)
    .map((x) => `${x.space_name.replace('_space', '')} ${mib(x.space_size)}`);
  const m = process.memoryUsage();
  process.stderr.write(
    `MEMORY ${label}: rss ${mib(m.rss)} MiB, heap used ${mib(m.heapUsed)} MiB (${spaces.join(', ')})\n`,
  );
}
const collected = (label: string) => {
  (globalThis as { gc?: () => void }).gc?.();
  memoryLog(`${label}, after a full collection`);
};
// time spent in garbage collection, by kind (scavenges of the young generation, mark-compacts of the whole heap):
// what smaller V8 heap limits cost
const gcTime = new Map<string, { count: number; ms: number }>();
const gcKinds: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};
if (process.env.BENCH_MEMORY_LOG) {
  setInterval(() => memoryLog('during'), 1000).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = gcKinds[(e as PerformanceEntry & { detail: { kind: number } }).detail.kind] ?? 'other';
      const t = gcTime.get(kind) ?? { count: 0, ms: 0 };
      gcTime.set(kind, { count: t.count + 1, ms: t.ms + e.duration });
    }
  }).observe({ entryTypes: ['gc'] });
}
collected('ready');
gcTime.clear();
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    if (process.env.BENCH_MEMORY_LOG) {
      const parts = [...gcTime].map(([k, t]) => `${k} ${t.count}× ${Math.round(t.ms)} ms`);
      process.stderr.write(`GC since READY: ${parts.join(', ')}\n`);
    }
    collected('end');
    if (inspector && profileTo)
      writeFileSync(profileTo, JSON.stringify((await inspector.post('Profiler.stop')).profile));
    await server.close();
    process.exit(0);
  })();
});
