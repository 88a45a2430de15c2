// npm postinstall: writes the two provider schemas from prisma/models.prisma and generates both clients into
// server/src/generated/<provider>/ (gitignored). Generation never runs the schema engine, but the CLI insists on
// downloading it first; prismaCliEnv() points it at a local file when no native engine is installed.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { writeSchemas, ROOT } from './prisma-schemas.mjs';
import { prismaCliEnv } from './prisma-engine-env.mjs';

const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const env = { ...prismaCliEnv(), PRISMA_HIDE_UPDATE_MESSAGE: '1' };

for (const schema of writeSchemas()) {
  const rel = relative(ROOT, schema);
  const result = spawnSync(process.execPath, [prismaCli, 'generate', '--schema', rel], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    console.error(`prisma generate failed for ${rel} (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}
