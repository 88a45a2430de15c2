// npm run db:diff <name> [--timestamp YYYYMMDDHHMMSS]
// Writes prisma/<provider>/migrations/<timestamp>_<name>/migration.sql for each provider whose migrations do
// not yet produce the schema in prisma/models.prisma. Offline replacement for `prisma migrate dev --create-only`
// (the wasm schema engine refuses createMigration; `diff` from the migrations gives the same SQL).
// PostgreSQL needs a server for the throwaway database: DIFF_DATABASE_URL, else a postgres DATABASE_URL, else
// postgresql://root@127.0.0.1:5432/postgres.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeSchemas, ROOT } from './prisma-schemas.mjs';
import type { Provider } from '../server/src/lib/db/url.ts';
import { diffMigrationsToSchema, lockfileContent, migrationsDir } from '../server/tools/db/schema-engine.ts';

const args = process.argv.slice(2);
const tsIndex = args.indexOf('--timestamp');
const timestamp = tsIndex >= 0 ? args.splice(tsIndex, 2)[1] : utcStamp(new Date());
const rawName = args[0];
if (!rawName || !timestamp || !/^\d{14}$/.test(timestamp)) {
  console.error('usage: npm run db:diff <name> [--timestamp YYYYMMDDHHMMSS]');
  process.exit(2);
}
const name = rawName
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, '_')
  .replace(/^_|_$/g, '');

function utcStamp(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function pgUrl(): string {
  const env = process.env.DATABASE_URL;
  return (
    process.env.DIFF_DATABASE_URL ??
    (env && /^postgres(ql)?:\/\//.test(env) ? env : 'postgresql://root@127.0.0.1:5432/postgres')
  );
}

writeSchemas();
let wrote = 0;
for (const provider of ['sqlite', 'postgresql'] as const satisfies readonly Provider[]) {
  const dir = migrationsDir(provider);
  const sql = await diffMigrationsToSchema(provider, provider === 'postgresql' ? { url: pgUrl() } : {});
  if (!sql) {
    console.log(`${provider}: migrations already match the schema`);
    continue;
  }
  const target = join(dir, `${timestamp}_${name}`);
  if (existsSync(target)) throw new Error(`${relative(ROOT, target)} exists already`);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, 'migration.sql'), sql);
  const lock = join(dir, 'migration_lock.toml');
  if (!existsSync(lock)) writeFileSync(lock, lockfileContent(provider));
  console.log(`${provider}: wrote ${relative(ROOT, join(target, 'migration.sql'))}`);
  wrote++;
}
if (wrote === 0) console.log('no changes');
