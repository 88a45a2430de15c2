// `npm run build` (and `npm start`): bundles the server into dist/server/ with esbuild, run with plain `node`
// (docs/decisions/013-production-start.md). Packages stay external (node_modules resolves them at run time, as
// with tsx); our TypeScript, the generated Prisma clients included, is bundled. Code splitting keeps each
// dynamic import a chunk of its own: the generated client of the provider not in use, and the demo-mode emulator,
// are never loaded. The worker threads' .mjs files are entry points of their own, written next to the chunks,
// because the code starting them finds them with `new URL('./x.worker.mjs', import.meta.url)`.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The node options `npm start` runs the bundle with (package.json's start script spells them out; a test checks
 * the two agree; the reconcile benchmark starts its monitor with them). Measured with the benchmark's 1,000,000
 * users (docs/decisions/013-production-start.md):
 * - `--max-old-space-size=384`: a ceiling far above what is live (≈ 30 MiB idle, ≈ 46 MiB reconciling) whose
 *   real effect is V8's growing factor: with no cap V8 sizes the limit from the machine's memory and lets the
 *   old generation reach ~4× what is live before a full collection (150 MiB by the end of a 100,000-user run);
 *   under 512 MiB it collects at ~1.3–1.4×.
 * - `--max-semi-space-size=4`: the young generation 2 × 4 MiB instead of 2 × 16: peak 259 MiB instead of 296
 *   with 8 MiB, for more scavenges (≈ 2.6 a page instead of 1.2).
 * - `--v8-pool-size=2`: two V8 helper threads instead of four (this machine has two cores): fewer malloc arenas.
 */
export const SERVER_NODE_OPTIONS = ['--max-old-space-size=384', '--max-semi-space-size=4', '--v8-pool-size=2'];

/** Worker threads' entry files, started by the server through `new URL('./<name>.mjs', import.meta.url)`. */
export const WORKERS = {
  'page-store.worker': 'server/src/reconcile/page-store.worker.mjs',
  'wal-checkpointer.worker': 'server/src/lib/db/wal-checkpointer.worker.mjs',
};

// esbuild comes with tsx (a dependency of ours): resolved through tsx, so it is found however npm laid out
// node_modules.
const esbuildPath = createRequire(createRequire(import.meta.url).resolve('tsx/package.json')).resolve('esbuild');

/**
 * Bundles `entry` (a path from the repository root) into `outdir` as `<name>.mjs` (name: the entry's file name
 * without extension, or `name`), with the worker files beside it. Returns the entry's output path. `outdir` must
 * be inside the repository: the bundle finds node_modules and prisma/ by walking up from where it is.
 */
export async function buildServer({ entry = 'server/src/index.ts', outdir = 'dist/server', name } = {}) {
  const { build } = await import(esbuildPath);
  const out = resolve(ROOT, outdir);
  rmSync(out, { recursive: true, force: true });
  const entryName =
    name ??
    entry
      .split('/')
      .pop()
      .replace(/\.[cm]?[jt]s$/, '');
  await build({
    absWorkingDir: ROOT,
    entryPoints: { [entryName]: entry, ...WORKERS },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    // for `node --enable-source-maps` when a stack trace should point at the TypeScript (off by default: Node
    // then keeps every map in memory)
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  checkWorkerUrls(out);
  return join(out, `${entryName}.mjs`);
}

/** Every `new URL('./…', import.meta.url)` in the output must name a file that is there. */
function checkWorkerUrls(out) {
  for (const file of readdirSync(out).filter((f) => f.endsWith('.mjs'))) {
    const code = readFileSync(join(out, file), 'utf8');
    for (const m of code.matchAll(/new URL\(\s*["'](\.\/[^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
      if (!existsSync(join(out, m[1])))
        throw new Error(`${relative(ROOT, join(out, file))} refers to ${m[1]}, which the build did not write`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const started = performance.now();
  const file = await buildServer();
  console.log(`server bundled: ${relative(ROOT, file)} (${Math.round(performance.now() - started)} ms)`);
}
