import { existsSync } from 'node:fs';
import { defineConfig, chromium } from '@playwright/test';
import { E2E } from './e2e/support/ports.ts';

/**
 * This machine cannot download Playwright's browsers: use Debian's chromium, else Playwright's own
 * where one is installed, else fail loudly (never skip).
 */
function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  ) as string[];
  const system = candidates.find((p) => existsSync(p));
  if (system) return system;
  try {
    if (existsSync(chromium.executablePath())) return undefined; // Playwright's own browser
  } catch {
    // no bundled browser either
  }
  throw new Error(
    'No Chromium for the end-to-end tests. Install one: `apt-get install -y chromium` (Debian), ' +
      'or `npx playwright install chromium` where the internet is reachable, or set CHROMIUM_PATH.',
  );
}

const executablePath = chromiumPath();

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1, // the journeys share one server + emulator; each makes its own data
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  outputDir: 'test-results',
  use: {
    baseURL: E2E.serverUrl,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'npx tsx e2e/support/start-server.ts',
    url: `${E2E.serverUrl}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
