// The full monitor (same startServer as `npm start`) on the database BENCH_DATABASE_URL names.
import { pino } from 'pino';
import { parseConfig } from '../../server/src/config.ts';
import { startServer } from '../../server/src/server.ts';

const server = await startServer(
  parseConfig({
    PORT: '0',
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    CLERK_WEBHOOK_SIGNING_SECRET: process.env.BENCH_SECRET,
    CLERK_SECRET_KEY: 'sk_bench',
    ADMIN_EMAIL: 'bench@bench.local',
    ADMIN_PASSWORD: 'bench-password',
    LOG_LEVEL: 'silent',
  }),
  { logger: pino({ level: 'silent' }) },
);
process.stdout.write(`READY ${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
