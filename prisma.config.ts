// Prisma 7 CLI config. The schema and migrations of the provider DATABASE_URL points at (SQLite by default);
// pass --schema for the other one. See docs/decisions/001 and 002.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'prisma/config';

const url = process.env.DATABASE_URL;
const provider = url && /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite';

// This machine cannot download Prisma's native schema engine, and the CLI tries to before every command unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file. Only when no native engine is installed, point it at our
// JSON-RPC shim over the WebAssembly engine (scripts/prisma-schema-engine.mjs); with internet the native one wins.
const enginesDir = join(import.meta.dirname, 'node_modules', '@prisma', 'engines');
const hasNativeEngine = existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith('schema-engine'));
if (!hasNativeEngine && !process.env.PRISMA_SCHEMA_ENGINE_BINARY) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = join(import.meta.dirname, 'scripts', 'prisma-schema-engine.mjs');
}

export default defineConfig({
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  ...(url ? { datasource: { url } } : {}),
});
