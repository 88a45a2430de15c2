// Shared pieces of `npm run bench`: load generation (autocannon), signed unique Clerk events, servers.
import autocannon from 'autocannon';
import { Webhook } from 'svix';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { makeEvent, makeUser, clerkId } from '../emulator/factories.ts';

export interface LoadResult {
  requestsPerSec: number;
  latencyP50: number;
  latencyP99: number;
  non2xx: number;
  errors: number;
  total: number;
}

/** A pool of distinct user.created bodies, signed per request with a fresh svix-id (the generator's cost is the same for every target). */
export function signedEventSource(secret: string, pool = 2000) {
  const bodies = Array.from({ length: pool }, () => {
    const u = makeUser();
    return JSON.stringify(makeEvent('user.created', u, u.updated_at));
  });
  const wh = new Webhook(secret);
  let i = 0;
  return () => {
    const body = bodies[i++ % bodies.length]!;
    const id = clerkId('msg');
    const now = new Date();
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'svix-id': id,
        'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
        'svix-signature': wh.sign(id, now, body),
      },
    };
  };
}

export async function load(
  url: string,
  opts: {
    connections: number;
    durationSec: number;
    overallRate?: number;
    next: () => { body: string; headers: Record<string, string> };
    onSent?: (svixId: string) => void;
  },
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections: opts.connections,
    duration: opts.durationSec,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        setupRequest: (req) => {
          const r = opts.next();
          opts.onSent?.(r.headers['svix-id']!);
          return { ...req, method: 'POST', body: r.body, headers: r.headers };
        },
      },
    ],
  });
  return {
    requestsPerSec: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/**
 * A steady stream: one request every 1000/rate ms on keep-alive connections (autocannon's overallRate starts
 * every connection's timer together, so 20 connections send in bursts of 20 — queueing the latency figure
 * measures). Returns how many were sent and how many answered non-2xx.
 */
export async function paced(
  url: string,
  opts: {
    rate: number;
    durationSec: number;
    next: () => { body: string; headers: Record<string, string> };
    onSent?: (svixId: string) => void;
  },
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(url);
  const total = Math.round(opts.rate * opts.durationSec);
  const interval = 1000 / opts.rate;
  const start = performance.now();
  let non2xx = 0;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    // Timers are ~1 ms coarse: a request is sent up to that late, never early, and never in a catch-up burst
    // larger than what fell due meanwhile. (No busy-waiting: on 2 cores it would take the server's CPU.)
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.ceil(wait)));
    const r = opts.next();
    opts.onSent?.(r.headers['svix-id']!);
    inFlight.push(
      new Promise<void>((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
          },
          (res) => {
            if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
            res.resume().on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(r.body);
      }),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { sent: total, non2xx };
}

export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Target {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a bench target in its own process (the load generator must not share its event loop): a `.ts` script
 * through tsx, a built `.mjs` bundle (scripts/build-server.mjs) on plain node, as `npm start` runs the server.
 */
export function startTarget(
  script: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Target> {
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const proc = spawn(process.execPath, [...nodeArgs, ...loader, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\S+)/.exec(out);
      if (m) {
        resolve({
          url: m[1]!,
          proc,
          stop: () =>
            new Promise<void>((r) => {
              proc.once('exit', () => r());
              proc.kill('SIGTERM');
            }),
        });
      }
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

/**
 * Where a process' resident set is, MiB by kind of mapping (from /proc/<pid>/smaps): memories of WebAssembly
 * instances (V8 reserves GiBs of address space for each; only what is touched is resident), malloc's arenas
 * (glibc gives threads their own, 64 MiB-aligned), the main thread's malloc heap, JIT code, mapped files, and the
 * rest of the anonymous memory (V8's heaps, of every isolate, and thread stacks).
 */
export function residentSet(pid: number): Record<string, number> {
  const maps: { start: bigint; end: bigint; perms: string; name: string; kb: number }[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) maps.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), perms: m[3]!, name: m[4]!, kb: 0 });
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && maps.length) maps.at(-1)!.kb += Number(rss[1]);
  }
  const kb: Record<string, number> = {};
  maps.forEach((m, i) => {
    const next = maps[i + 1];
    let kind: string;
    if (m.name === process.execPath) kind = 'node binary';
    else if (m.name.endsWith('.node')) kind = 'native addons';
    else if (m.name.startsWith('/')) kind = 'other mapped files';
    else if (m.name === '[heap]') kind = 'malloc, main thread';
    else if (m.name.startsWith('[')) kind = 'stacks and kernel';
    // a wasm memory: what is accessible, then the rest of its reservation (≥ 8 GiB in all) inaccessible
    else if (next && next.start === m.end && next.perms === '---p' && next.end - m.start >= 8n << 30n)
      kind = 'WebAssembly memories';
    else if (m.perms.includes('x')) kind = 'JIT code';
    else if (m.start % (64n << 20n) === 0n) kind = 'malloc, thread arenas';
    else kind = 'V8 heaps and other anonymous';
    kb[kind] = (kb[kind] ?? 0) + m.kb;
  });
  return Object.fromEntries(Object.entries(kb).map(([k, v]) => [k, Math.round(v / 1024)]));
}
