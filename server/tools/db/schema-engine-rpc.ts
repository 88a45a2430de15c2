// The native schema engine's JSON-RPC protocol (newline-delimited JSON over stdin/stdout), served by the wasm
// engine. scripts/prisma-schema-engine.mjs runs this as the executable named by PRISMA_SCHEMA_ENGINE_BINARY, so the
// official CLI (`prisma migrate deploy/status/diff/dev`, `db push/execute`) works without the native engine.
// Each request gets a fresh engine (commands are stateless; connections are closed after each).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import pg from 'pg';
import { providerFromUrl, sqlitePathFromUrl, type Provider } from '../../src/lib/db/url.ts';
import { isEmptyMigration, withSchemaEngine, type MigrationList, type SchemaEngine } from './schema-engine.ts';

/** The engine build @prisma/schema-engine-wasm 7.10.0-4.<hash> was made from (what `--version` prints). */
const ENGINE_COMMIT = '0edf323efd1d98336f3f0a68684b56f689b900d3';

interface Args {
  datamodels: [string, string][];
  url: string | undefined;
}

export function parseArgs(argv: string[]): Args {
  const datamodels: [string, string][] = [];
  let url: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = argv[i + 1];
    if (arg === '--datamodels' && next !== undefined) {
      datamodels.push([next, readFileSync(next, 'utf8')]);
      i++;
    } else if (arg === '--datasource' && next !== undefined) {
      const ds = JSON.parse(next) as { url?: string };
      url = ds.url;
      i++;
    } else if ((arg === '--enabled-preview-features' || arg === '--extension-types') && next !== undefined) {
      i++;
    }
  }
  return { datamodels, url };
}

function providerFromSchemas(files: { content: string }[]): Provider | undefined {
  for (const { content } of files) {
    const m = /datasource\s+\w+\s*\{[^}]*provider\s*=\s*"(\w+)"/.exec(content);
    if (m?.[1] === 'sqlite') return 'sqlite';
    if (m?.[1] === 'postgresql' || m?.[1] === 'postgres') return 'postgresql';
  }
  return undefined;
}

type Params = Record<string, unknown> & {
  schema?: { files?: { path: string; content: string }[] };
  migrationsList?: { migrationDirectories: unknown[] };
  datasource?: { tag: string; url?: string; files?: { content: string }[] };
  datasourceType?: { tag: string; url?: string; files?: { content: string }[] };
};

function utcStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export class RpcServer {
  /** `print` sends text for the CLI to show on its stdout (the native engine's `print` request). */
  constructor(
    private readonly args: Args,
    private readonly print: (content: string) => void,
  ) {}

  /** The URL an engine for this request connects with: the request's own, else --datasource, else a stand-in. */
  private urlFor(params: Params): string {
    const own = params.datasource?.url ?? params.datasourceType?.url;
    if (own) return own;
    if (this.args.url) return this.args.url;
    const files = [
      ...this.args.datamodels.map(([, content]) => ({ content })),
      ...(params.schema?.files ?? []),
      ...(params.datasource?.files ?? []),
      ...(params.datasourceType?.files ?? []),
    ];
    const from = params.from as { files?: { content: string }[] } | undefined;
    const to = params.to as { files?: { content: string }[] } | undefined;
    files.push(...(from?.files ?? []), ...(to?.files ?? []));
    // Commands such as `migrate diff --from-empty --to-schema` need no database; the adapter connects lazily.
    return providerFromSchemas(files) === 'postgresql' ? 'postgresql://localhost/postgres' : 'file::memory:';
  }

  private run<T>(params: Params, fn: (engine: SchemaEngine) => Promise<T>): Promise<T> {
    return withSchemaEngine(this.urlFor(params), fn, { datamodels: this.args.datamodels });
  }

  async handle(method: string, params: Params = {}): Promise<unknown> {
    switch (method) {
      case 'getDatabaseVersion':
        return this.run(params, (e) => e.version());
      case 'createDatabase':
        return createDatabase(this.urlFor(params));
      case 'createMigration':
        return this.createMigration(params);
      case 'diff': {
        // The wasm engine returns the diff; the native one prints it through the CLI, which is what it expects.
        const result = await this.run(params, (e) => e.diff(params as unknown as Parameters<SchemaEngine['diff']>[0]));
        if (result.stdout) this.print(result.stdout.replace(/\n$/, ''));
        return { exitCode: result.exitCode, stdout: null };
      }
      case 'devDiagnostic':
        return this.run(params, async (e) => {
          // The wasm engine fails on a database without `_prisma_migrations` (the native one treats it as an
          // empty history). Applying an empty migration list only creates that table, as `migrate dev` would next.
          const list = params.migrationsList as unknown as MigrationList;
          const filters = params.filters as { externalTables: string[]; externalEnums: string[] };
          await e.applyMigrations({ migrationsList: { ...list, migrationDirectories: [] }, filters });
          return e.devDiagnostic(params as unknown as Parameters<SchemaEngine['devDiagnostic']>[0]);
        });
      case 'evaluateDataLoss': {
        // Refused by the wasm engine like createMigration. The CLI only needs the step count to decide whether
        // to create a migration; the data-loss warnings are not available this way (documented limitation).
        const { script } = await this.diffToSchema(params);
        const steps = isEmptyMigration(script) ? 0 : script.split('\n').filter((l) => /^-- [A-Z]/.test(l)).length || 1;
        return { migrationSteps: steps, unexecutableSteps: [], warnings: [] };
      }
      case 'reset': {
        // On SQLite the wasm engine's reset only deletes rows; `migrate reset` means an empty database.
        const url = this.urlFor(params);
        if (providerFromUrl(url) === 'sqlite') {
          const path = sqlitePathFromUrl(url);
          if (path !== ':memory:') {
            writeFileSync(path, '');
            rmSync(`${path}-wal`, { force: true });
            rmSync(`${path}-shm`, { force: true });
          }
          return {};
        }
        return this.run(
          params,
          async (e) => (await e.reset(params as unknown as Parameters<SchemaEngine['reset']>[0])) ?? {},
        );
      }
      case 'debugPanic':
        return this.run(params, async (e) => e.debugPanic());
      default: {
        const fn = (name: string) =>
          this.run(params, async (e) => {
            const target = (e as unknown as Record<string, unknown>)[name];
            if (typeof target !== 'function') throw new Error(`unsupported schema engine method ${method}`);
            return (target as (p: unknown) => Promise<unknown>).call(e, params);
          });
        const result = await fn(method);
        return result ?? {};
      }
    }
  }

  /** SQL from the migrations in params.migrationsList to the schema in params.schema, via the wasm `diff`. */
  private async diffToSchema(params: Params): Promise<{ script: string; provider: Provider }> {
    type DiffParams = Parameters<SchemaEngine['diff']>[0];
    const migrationsList = params.migrationsList as unknown as MigrationList;
    const files = params.schema?.files ?? [];
    const provider = providerFromSchemas(files) ?? providerFromUrl(this.urlFor(params));
    const from: DiffParams['from'] =
      migrationsList.migrationDirectories.length === 0 ? { tag: 'empty' } : { tag: 'migrations', ...migrationsList };
    const filters = (params.filters as DiffParams['filters'] | undefined) ?? { externalTables: [], externalEnums: [] };
    const { stdout } = await this.run(params, (e) =>
      e.diff({ from, to: { tag: 'schemaDatamodel', files }, script: true, exitCode: null, filters }),
    );
    return { script: stdout ?? '', provider };
  }

  /** The wasm engine refuses createMigration; a diff from the migrations gives the same script. */
  private async createMigration(params: Params): Promise<unknown> {
    const { script, provider } = await this.diffToSchema(params);
    const empty = isEmptyMigration(script);
    return {
      connectorType: provider,
      generatedMigrationName: `${utcStamp()}_${String(params.migrationName ?? '')}`.replace(/_$/, ''),
      migrationScript: empty && !params.draft ? null : script,
      extension: 'sql',
    };
  }
}

async function createDatabase(url: string): Promise<{ databaseName: string }> {
  if (providerFromUrl(url) === 'sqlite') {
    const path = sqlitePathFromUrl(url);
    mkdirSync(dirname(path), { recursive: true });
    if (!existsSync(path)) writeFileSync(path, '');
    return { databaseName: path };
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
  return { databaseName: name };
}

/**
 * `schema-engine --datasource {url} cli <command>`: the CLI runs these one-shot (e.g. `migrate deploy` makes sure
 * the database exists). Failure = non-zero exit with an ERROR log line on stderr, as the native engine does.
 */
async function runCliCommand(
  command: string | undefined,
  url: string | undefined,
  output: NodeJS.WritableStream,
): Promise<void> {
  const fail = (errorCode: string, message: string): never => {
    // The CLI skips the first stderr line (the native engine's start-up log), so write one.
    process.stderr.write(
      `${JSON.stringify({ level: 'INFO', target: 'schema_engine::logger', fields: { message: 'Starting schema engine CLI (wasm)' } })}\n`,
    );
    process.stderr.write(
      `${JSON.stringify({ level: 'ERROR', target: 'schema_engine::logger', fields: { error_code: errorCode, message } })}\n`,
    );
    process.exit(1);
  };
  if (!url) return fail('P1012', 'no datasource url');
  const provider = providerFromUrl(url);
  switch (command) {
    case 'can-connect-to-database': {
      if (provider === 'sqlite') {
        const path = sqlitePathFromUrl(url);
        if (path !== ':memory:' && !existsSync(path)) fail('P1003', `Database ${path} does not exist`);
        return;
      }
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      try {
        await client.connect();
      } catch (err) {
        const code = (err as { code?: string }).code;
        const message = err instanceof Error ? err.message : String(err);
        if (code === '3D000') fail('P1003', message);
        if (code === '28P01' || code === '28000') fail('P1000', message);
        fail('P1001', `Can't reach database server: ${message}`);
      } finally {
        await client.end().catch(() => {});
      }
      return;
    }
    case 'create-database': {
      try {
        const { databaseName } = await createDatabase(url);
        output.write(`Database '${databaseName}' was successfully created.\n`);
      } catch (err) {
        fail('P1001', err instanceof Error ? err.message : String(err));
      }
      return;
    }
    default:
      fail('P1000', `unsupported schema engine cli command ${command ?? '(none)'}`);
  }
}

function toRpcError(err: unknown): { code: number; message: string; data: Record<string, unknown> } {
  const message = err instanceof Error ? err.message : String(err);
  const isPanic = /schema engine panicked|unreachable/i.test(message);
  const code = /\b(P\d{4})\b/.exec(message)?.[1];
  return {
    code: 4466,
    message: 'An error happened. Check the data field for details.',
    data: {
      is_panic: isPanic,
      message,
      ...(code ? { error_code: code } : {}),
      ...(isPanic ? { error: { message } } : {}),
    },
  };
}

/** Serves requests from `input` until it closes. */
export async function serve(
  argv: string[],
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<void> {
  if (argv.includes('--version') || argv.includes('-V')) {
    output.write(`schema-engine-cli ${ENGINE_COMMIT}\n`);
    return;
  }
  let printId = 1_000_000; // ids of our own requests to the CLI; its replies are ignored below
  const cli = argv.indexOf('cli');
  if (cli >= 0) {
    await runCliCommand(argv[cli + 1], parseArgs(argv.slice(0, cli)).url, output);
    return;
  }
  const server = new RpcServer(parseArgs(argv), (content) => {
    output.write(`${JSON.stringify({ jsonrpc: '2.0', id: printId++, method: 'print', params: { content } })}\n`);
  });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let queue = Promise.resolve();
  for await (const line of lines) {
    if (!line.trim()) continue;
    let request: { id?: number; method?: string; params?: Params };
    try {
      request = JSON.parse(line) as typeof request;
    } catch {
      continue;
    }
    if (request.id === undefined || !request.method) continue; // a response to one of our requests (we send none)
    const { id, method, params } = request;
    // One at a time, in order, as the native engine does.
    queue = queue.then(async () => {
      try {
        const result = await server.handle(method, params);
        output.write(`${JSON.stringify({ jsonrpc: '2.0', id, result: result ?? null })}\n`);
      } catch (err) {
        output.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: toRpcError(err) })}\n`);
      }
    });
  }
  await queue;
}
