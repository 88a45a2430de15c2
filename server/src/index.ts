// `npm start`: parse the config, start the emulator in demo mode, start the server, shut down cleanly.
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createLogger } from './lib/logger.ts';
import { packageRoot } from './lib/package-root.ts';
import { startServer } from './server.ts';

// the same from server/src/ (tsx) and from the bundle in dist/server/ (npm start)
const root = packageRoot(import.meta.url);

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);

  // Demo mode: no Clerk configured, so the built-in emulator plays Clerk + Svix on its own port. It is loaded
  // only here, so a production start never loads the emulator or faker.
  const emulatorModule = config.demo ? await import('../../emulator/emulator.ts') : null;
  const emulator = emulatorModule
    ? await emulatorModule.startEmulator({
        signingSecret: emulatorModule.generateSigningSecret(),
        secretKey: emulatorModule.generateSecretKey(),
        targets: [],
        port: config.emulatorPort,
        host: '127.0.0.1',
        seedUsers: 10,
        // Svix's retry schedule at 1/100 (5 s → 50 ms, 5 min → 3 s …): an outage tried from the emulator's
        // control API heals within minutes, not hours.
        timeFactor: 0.01,
        activity:
          config.emulatorActivityPerSecond > 0
            ? { perSecond: config.emulatorActivityPerSecond, minUsers: 20, maxUsers: 200 }
            : null,
        logger: logger.child({ component: 'emulator' }),
      })
    : null;
  if (emulator) {
    config = {
      ...config,
      webhookSecrets: [emulator.signingSecret],
      clerkSecretKey: emulator.secretKey,
      clerkApiUrl: emulator.url,
    };
  }

  const server = await startServer(config, {
    logger,
    clientDir: path.join(root, 'dist/client'),
    emulatorUrl: emulator?.url ?? null,
    version: process.env.npm_package_version ?? '0.1.0',
  });
  emulator?.addTarget(`${server.url}/api/webhooks/clerk`);

  const lines = [
    `Clerk Sync Monitor is running: ${server.url}`,
    `  webhook endpoint: ${server.url}/api/webhooks/clerk`,
    ...(emulator
      ? [
          `  demo mode: the built-in Clerk emulator at ${emulator.url} sends signed webhooks and serves the Backend API`,
          `  sign in as ${config.adminEmail} / ${config.adminPassword === 'demo-password' ? 'demo-password' : '(ADMIN_PASSWORD)'}`,
        ]
      : [`  sign in as ${config.adminEmail} (password from ADMIN_PASSWORD)`]),
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await emulator?.close();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
