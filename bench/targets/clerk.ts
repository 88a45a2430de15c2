// Clerk's side of the reconcile benchmark, in its own process: real Clerk is another machine, so its work
// (listing and serialising 500-user pages) must not be measured inside the monitor's event loop. Holds
// BENCH_CLERK_USERS users (no webhooks; the control API makes drift) and counts what the Backend API
// answered: GET /bench/counts (POST resets), since Clerk counts requests where they arrive.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator, generateSigningSecret } from '../../emulator/emulator.ts';

const emulator = createEmulator({
  signingSecret: generateSigningSecret(),
  secretKey: process.env.BENCH_CLERK_SECRET_KEY!,
  targets: [],
  rateLimit: null,
  seed: Number(process.env.BENCH_SEED ?? 6),
});
for (let i = 0, n = Number(process.env.BENCH_CLERK_USERS ?? 0); i < n; i++)
  emulator.createUser({}, { sendWebhook: false });

let counts = { requests: 0, throttled: 0 };
const server = http.createServer((req, res) => {
  if (req.url === '/bench/counts') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(counts));
    if (req.method === 'POST') counts = { requests: 0, throttled: 0 };
    return;
  }
  if (req.url?.startsWith('/v1/')) {
    res.once('finish', () => {
      counts.requests++;
      if (res.statusCode === 429) counts.throttled++;
    });
  }
  emulator.app(req, res);
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);
process.on('SIGTERM', () => process.exit(0));
