import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load, newSecret, signedEventSource, startTarget } from './lib.ts';

const secret = newSecret();
const d = Number(process.env.D ?? 5);
const dir = mkdtempSync(path.join(tmpdir(), 'bench-'));
const bare = await startTarget('bench/targets/bare.ts');
const a = await load(`${bare.url}/api/webhooks/clerk`, { connections: 20, durationSec: d, next: signedEventSource(secret) });
await bare.stop();
const prof = process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [];
const pipe = await startTarget('bench/targets/pipeline.ts', { BENCH_DATABASE_URL: process.argv[2] ?? `file:${dir}/b.db`, BENCH_SECRET: secret }, prof);
const b = await load(`${pipe.url}/api/webhooks/clerk`, { connections: 20, durationSec: d, next: signedEventSource(secret) });
await pipe.stop();
console.log({ bare: a.requestsPerSec, pipeline: b.requestsPerSec, p50: b.latencyP50, non2xx: b.non2xx, ratio: b.requestsPerSec / a.requestsPerSec });
