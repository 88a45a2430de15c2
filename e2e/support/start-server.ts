// Playwright's webServer: the monitor plus the built-in emulator, on a fresh SQLite database, serving
// the built dashboard (run `npm run build` first; `npm run test:e2e` does).
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { pino } from 'pino';
import { parseConfig } from '../../server/src/config.ts';
import { startServer } from '../../server/src/server.ts';
import { generateSecretKey, generateSigningSecret, startEmulator } from '../../emulator/emulator.ts';
import { E2E } from './ports.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const clientDir = path.join(root, 'dist/client');
if (!existsSync(path.join(clientDir, 'index.html'))) {
  console.error('The dashboard is not built: run `npm run build` (npm run test:e2e does it).');
  process.exit(1);
}

const dir = mkdtempSync(path.join(tmpdir(), 'csm-e2e-'));
const emulatorPort = Number(new URL(E2E.emulatorUrl).port);
const serverPort = Number(new URL(E2E.serverUrl).port);

const emulator = await startEmulator({
  signingSecret: generateSigningSecret(),
  secretKey: generateSecretKey(),
  targets: [],
  port: emulatorPort,
  host: '127.0.0.1',
  rateLimit: null,
  // Svix's schedule at 1/500: retries after 10 ms, 0.6 s, 3.6 s, 14 s… so an outage heals within seconds.
  timeFactor: 0.002,
  activity: null, // journeys make their own data through the control API
});
const config = parseConfig({
  PORT: String(serverPort),
  DATABASE_URL: `file:${path.join(dir, 'e2e.db')}`,
  CLERK_WEBHOOK_SIGNING_SECRET: emulator.signingSecret,
  CLERK_SECRET_KEY: emulator.secretKey,
  CLERK_API_URL: emulator.url,
  ADMIN_EMAIL: E2E.admin.email,
  ADMIN_PASSWORD: E2E.admin.password,
});
// Fault injection for the journeys: while `storageDownUntil` is ahead, the apply step fails the way an
// unreachable database does (the pipeline answers 503 and logs the delivery as unavailable).
let storageDownUntil = 0;
const onApplied = () => {
  if (Date.now() < storageDownUntil) {
    throw Object.assign(new Error('connect ECONNREFUSED (e2e storage outage)'), { code: 'ECONNREFUSED' });
  }
};
const faults = createServer((req, res) => {
  const match = req.method === 'POST' && /^\/storage-outage\/(\d+)$/.exec(req.url ?? '');
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  storageDownUntil = Date.now() + Number(match[1]);
  res.writeHead(204).end();
});
await new Promise<void>((r) => faults.listen(Number(new URL(E2E.faultsUrl).port), '127.0.0.1', r));

const server = await startServer(config, {
  logger: pino({ level: 'error' }),
  onApplied,
  clientDir,
  emulatorUrl: emulator.url,
  version: 'e2e',
});
emulator.addTarget(`${server.url}/api/webhooks/clerk`);
console.log(`e2e server ${server.url}, emulator ${emulator.url}`);

const stop = async () => {
  faults.close();
  await emulator.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
