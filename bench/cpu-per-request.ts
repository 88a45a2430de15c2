// Server CPU time per request (user + system, from /proc), for the bare endpoint and the pipeline: a figure
// that other load on the machine disturbs far less than req/s. Usage: npx tsx bench/cpu-per-request.ts [databaseUrl]
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load, newSecret, signedEventSource, startTarget, type Target } from './lib.ts';

const TICK = 100; // USER_HZ
/** the whole process, or with `thread` only its main thread (the event loop, where a request waits its turn) */
const cpuMs = (pid: number, thread = false) => {
  const f = readFileSync(thread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]!
    .split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
};
async function measure(t: Target, secret: string) {
  const url = `${t.url}/api/webhooks/clerk`;
  await load(url, { connections: 20, durationSec: 2, next: signedEventSource(secret) }); // warm-up
  const before = [cpuMs(t.proc.pid!), cpuMs(t.proc.pid!, true)];
  const r = await load(url, {
    connections: 20,
    durationSec: Number(process.env.D ?? 6),
    next: signedEventSource(secret),
  });
  const used = [cpuMs(t.proc.pid!) - before[0]!, cpuMs(t.proc.pid!, true) - before[1]!];
  return {
    cpuUsPerRequest: (used[0]! * 1000) / r.total,
    mainThreadUsPerRequest: (used[1]! * 1000) / r.total,
    requests: r.total,
    non2xx: r.non2xx,
  };
}
const secret = newSecret();
const bare = await startTarget('bench/targets/bare.ts');
const a = await measure(bare, secret);
await bare.stop();
const dir = mkdtempSync(path.join(tmpdir(), 'cpu-'));
const pipe = await startTarget('bench/targets/pipeline.ts', {
  BENCH_DATABASE_URL: process.argv[2] ?? `file:${dir}/c.db`,
  BENCH_SECRET: secret,
});
const b = await measure(pipe, secret);
await pipe.stop();
console.log({
  bare: a,
  pipeline: b,
  cpuRatio: a.cpuUsPerRequest / b.cpuUsPerRequest,
  mainThreadRatio: a.mainThreadUsPerRequest / b.mainThreadUsPerRequest,
});
