// The repository's root (package.json, prisma/, dist/), found from a module's own location. Counting `../` from
// the module would differ between the TypeScript sources (tsx, vitest) and the bundle in dist/server/, where
// every module is one of a few chunks; the nearest package.json above either is the repository's.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(moduleUrl: string): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json in ${start} or above it`);
  }
}
