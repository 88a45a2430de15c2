// The official prisma CLI driven through scripts/prisma-schema-engine.mjs (the JSON-RPC shim over the wasm engine).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/data/migrate.ts';
import { REPO_ROOT } from './schema-engine.ts';
import { pgAdminUrl } from '../../src/test/db.ts';

const run = promisify(execFile);
const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');

async function prisma(args: string[], databaseUrl: string): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [prismaCli, ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PRISMA_SCHEMA_ENGINE_BINARY: join(REPO_ROOT, 'scripts', 'prisma-schema-engine.mjs'),
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
    timeout: 60_000,
  });
  return stdout + stderr;
}

const dir = mkdtempSync(join(tmpdir(), 'csm-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('official prisma CLI through the wasm shim', () => {
  it('migrate deploy + status on a fresh SQLite file; our migrate() then finds nothing to do', async () => {
    const url = `file:${join(dir, 'new', 'cli.db')}`;
    expect(await prisma(['migrate', 'deploy'], url)).toMatch(/successfully applied/);
    expect(await prisma(['migrate', 'status'], url)).toMatch(/Database schema is up to date/);
    expect((await migrate(url)).applied).toEqual([]);
  }, 90_000);

  it('migrate status on a database migrated by our migrate(), then deploy applies nothing (PostgreSQL)', async () => {
    const admin = new URL(await pgAdminUrl());
    // Creation time first, as test/db.ts names its databases: another process's sweep of stale ones skips it.
    const name = `csm_t_${Date.now().toString(36)}_cli`;
    const url = new URL(admin);
    url.pathname = `/${name}`;
    try {
      expect((await migrate(url.toString())).applied.length).toBeGreaterThan(0);
      expect(await prisma(['migrate', 'status'], url.toString())).toMatch(/Database schema is up to date/);
      expect(await prisma(['migrate', 'deploy'], url.toString())).toMatch(/No pending migrations/);
    } finally {
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    }
  }, 90_000);

  it('migrate diff prints the SQL', async () => {
    const out = await prisma(
      ['migrate', 'diff', '--from-empty', '--to-schema', 'prisma/sqlite/schema.prisma', '--script'],
      `file:${join(dir, 'unused.db')}`,
    );
    expect(out).toContain('CREATE TABLE "Delivery"');
  }, 90_000);
});
