import { defineConfig } from 'vitest/config';
import { contractAlias } from './client/vite.config.ts';

// One runner for the unit and integration tiers of both sides; Playwright owns e2e/.
export default defineConfig({
  resolve: { alias: contractAlias },
  test: {
    include: ['server/**/*.test.ts', 'emulator/**/*.test.ts', 'client/src/**/*.test.{ts,tsx}', 'scripts/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
