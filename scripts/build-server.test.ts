// `npm start`'s path: the server bundled by scripts/build-server.mjs, on plain node with the start script's
// options, answers /healthz on SQLite (demo mode: the emulator's chunk loads too) and on PostgreSQL, and stops
// cleanly on SIGTERM. Also checks what the bundle loads at start: neither provider's generated Prisma client is
// imported statically (each is a chunk reached by a dynamic import only, loaded for the provider in use).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, ROOT, SERVER_NODE_OPTIONS, WORKERS } from './build-server.mjs';
import { createTestDb } from '../server/src/test/db.ts';

// inside the repository: the bundle finds node_modules and prisma/ by walking up from where it is
const outdir = join(ROOT, 'dist', `test-build-${randomBytes(4).toString('hex')}`);
let entry: string;

beforeAll(async () => {
  entry = await buildServer({ outdir: relative(ROOT, outdir) });
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Starts the bundle as `npm start` does; resolves with its URL once it says it is running. */
function boot(env: Record<string, string>) {
  const proc = spawn(process.execPath, [...SERVER_NODE_OPTIONS, entry], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', EMULATOR_ACTIVITY_PER_SECOND: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /is running: (\S+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    proc.stdout.on('data', seen);
    proc.stderr.on('data', seen);
    void exited.then((code) => reject(new Error(`the bundle exited with ${code} before it ran:\n${output}`)));
  });
  return {
    url,
    async stop() {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

describe('the production bundle', () => {
  it('writes the worker threads next to the code that starts them, and no provider client up front', () => {
    const files = readdirSync(outdir);
    for (const name of Object.keys(WORKERS)) expect(files).toContain(`${name}.mjs`);
    // what index.mjs loads before it runs: its static imports, transitively
    const staticGraph = new Set<string>();
    const visit = (file: string) => {
      if (staticGraph.has(file)) return;
      staticGraph.add(file);
      const code = readFileSync(join(outdir, file), 'utf8');
      for (const m of code.matchAll(/^import\s[^;]*?from\s*"\.\/([^"]+)";?$|^import\s*"\.\/([^"]+)";?$/gm))
        visit(m[1] ?? m[2]!);
    };
    visit('index.mjs');
    const clientChunks = files.filter(
      (f) =>
        f.endsWith('.mjs') && /"activeProvider": "(sqlite|postgresql)"/.test(readFileSync(join(outdir, f), 'utf8')),
    );
    expect(clientChunks).toHaveLength(2);
    for (const chunk of clientChunks) expect(staticGraph.has(chunk), chunk).toBe(false);
    expect(staticGraph.size).toBeGreaterThan(1);
  });

  it('is what `npm start` runs, with the same node options', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`npm run build && node ${SERVER_NODE_OPTIONS.join(' ')} dist/server/index.mjs`);
    expect(pkg.scripts.build).toContain('node scripts/build-server.mjs');
  });

  it('starts in demo mode on SQLite, answers /healthz and stops cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csm-bundle-'));
    const server = boot({ DATABASE_URL: `file:${dir}/demo.db` });
    try {
      const res = await fetch(`${await server.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, database: 'up', demo: true });
    } finally {
      expect(await server.stop()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts on PostgreSQL', async () => {
    const db = await createTestDb('postgresql');
    const server = boot({ DATABASE_URL: db.url });
    try {
      const res = await fetch(`${await server.url}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, database: 'up' });
    } finally {
      expect(await server.stop()).toBe(0);
      await db.close();
    }
  });
});
