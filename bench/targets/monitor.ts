// The full monitor (same startServer and configuration path as `npm start`) pointed at a Clerk Backend API:
// BENCH_DATABASE_URL, BENCH_CLERK_API_URL, BENCH_CLERK_SECRET_KEY, and the RECONCILE_* settings from the
// environment. Used by bench/reconcile.ts. BENCH_CPU_PROFILE=<file>: a CPU profile from READY to SIGTERM (the
// work measured, not the start-up), for `node --cpu-prof`-style analysis.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pino } from 'pino';
import { parseConfig } from '../../server/src/config.ts';
import { startServer } from '../../server/src/server.ts';
import { generateSigningSecret } from '../../emulator/emulator.ts';

const server = await startServer(
  parseConfig({
    PORT: '0',
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    CLERK_WEBHOOK_SIGNING_SECRET: generateSigningSecret(),
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
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    if (inspector && profileTo) writeFileSync(profileTo, JSON.stringify((await inspector.post('Profiler.stop')).profile));
    await server.close();
    process.exit(0);
  })();
});
