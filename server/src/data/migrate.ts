// Applies pending migrations with Prisma's schema engine (wasm build, see server/tools/db/schema-engine.ts). Writes Prisma's normal
// `_prisma_migrations` table, so the official `prisma migrate deploy/status` sees the same history.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { providerFromUrl, sqlitePathFromUrl } from '../lib/db/url.ts';
import { migrationsDir, readMigrationsList, withSchemaEngine } from '../../tools/db/schema-engine.ts';

export interface MigrateOptions {
  log?: (msg: string) => void;
}

export async function migrate(databaseUrl: string, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const provider = providerFromUrl(databaseUrl);
  if (provider === 'sqlite') {
    const path = sqlitePathFromUrl(databaseUrl);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  } else {
    await ensurePostgresDatabase(databaseUrl, opts.log);
  }
  const migrationsList = readMigrationsList(migrationsDir(provider));
  const { appliedMigrationNames } = await withSchemaEngine(databaseUrl, (engine) =>
    engine.applyMigrations({ migrationsList, filters: { externalTables: [], externalEnums: [] } }),
  );
  for (const name of appliedMigrationNames) opts.log?.(`applied migration ${name}`);
  return { applied: appliedMigrationNames };
}

/** Like `prisma migrate dev`, create the database when the server is there but the database is not. */
async function ensurePostgresDatabase(url: string, log?: (msg: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // anything but "database does not exist"
  } finally {
    await client.end().catch(() => {});
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString(), connectionTimeoutMillis: 10_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    log?.(`created database ${name} on ${target.host}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently: fine
  } finally {
    await admin.end();
  }
}
