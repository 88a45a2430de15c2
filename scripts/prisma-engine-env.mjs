// Shared by scripts: decides whether the Prisma CLI needs PRISMA_SCHEMA_ENGINE_BINARY to skip its engine
// download (no native schema engine installed, e.g. install scripts denied / no internet). prisma.config.ts
// repeats this check because it cannot import JS without declarations.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './prisma-schemas.mjs';

export const SHIM_PATH = join(ROOT, 'scripts', 'prisma-schema-engine.mjs');

export function hasNativeSchemaEngine() {
  const dir = join(ROOT, 'node_modules', '@prisma', 'engines');
  return existsSync(dir) && readdirSync(dir).some((f) => f.startsWith('schema-engine'));
}

/** Environment for spawning the prisma CLI. */
export function prismaCliEnv(base = process.env) {
  if (hasNativeSchemaEngine() || base.PRISMA_SCHEMA_ENGINE_BINARY) return { ...base };
  return { ...base, PRISMA_SCHEMA_ENGINE_BINARY: SHIM_PATH };
}
