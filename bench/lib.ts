// Shared pieces of `npm run bench`: load generation (autocannon), signed unique Clerk events, servers.
import autocannon from 'autocannon';
import { Webhook } from 'svix';
import { randomBytes } from 'node:crypto';
import { makeEvent, makeUser, clerkId } from '../server/src/clerk/factories.ts';

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

export async function load(url: string, opts: { connections: number; durationSec: number; overallRate?: number; next: () => { body: string; headers: Record<string, string> }; onSent?: (svixId: string) => void }): Promise<LoadResult> {
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

export const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

import { spawn, type ChildProcess } from 'node:child_process';

export interface Target {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a bench target in its own process (the load generator must not share its event loop). */
export function startTarget(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Target> {
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
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
