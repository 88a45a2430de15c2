// Prisma's schema engine (migrations, diff) as WebAssembly, driven through Prisma's own driver adapters.
// Why: the prisma CLI needs a native schema engine it downloads from a host this machine cannot reach; the wasm
// build of the same engine (@prisma/schema-engine-wasm, pinned to prisma's engine version) needs nothing
// downloaded. See docs/decisions/001-prisma-offline-wasm-schema-engine.md.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type {
  ErrorRegistry,
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQuery,
} from '@prisma/driver-adapter-utils';
import type * as EngineModuleNamespace from '@prisma/schema-engine-wasm';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';
import { providerFromUrl, sqlitePathFromUrl, type Provider } from '../../src/lib/db/url.ts';
import { packageRoot } from '../../src/lib/package-root.ts';

export type { MigrationList, SchemaEngine };

/** Repository root (prisma/ is there), from the sources and from the server's bundle alike. */
export const REPO_ROOT = packageRoot(import.meta.url);

export function schemaPath(provider: Provider): string {
  return join(REPO_ROOT, 'prisma', provider, 'schema.prisma');
}

export function migrationsDir(provider: Provider): string {
  return join(REPO_ROOT, 'prisma', provider, 'migrations');
}

// ---- loading the wasm module ----------------------------------------------------------------------------

type EngineModule = typeof EngineModuleNamespace;

// The server's tsconfig has no DOM/WebAssembly lib; these are the two constructors used.
const Wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (
        module: object,
        imports: Record<string, Record<string, unknown>>,
      ) => { exports: Record<string, unknown> };
    };
  }
).WebAssembly;

let lastPanic: string | undefined;
let loaded: Promise<EngineModule> | undefined;

/**
 * Instantiates the wasm engine once per process. The package's own entry imports the .wasm file as an ES
 * module, which Node cannot do; so load its JS glue and instantiate the wasm by hand.
 */
export function loadSchemaEngineModule(): Promise<EngineModule> {
  loaded ??= (async () => {
    // The engine reports Rust panics through this global before it traps; without it the trap hides the cause.
    const g = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(msg: string): void } };
    g.PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(msg: string) {
        lastPanic = msg;
      },
    };
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as unknown as EngineModule & {
      __wbg_set_wasm(exports: Record<string, unknown>): void;
    };
    const require = createRequire(import.meta.url);
    const wasmPath = join(
      dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    const module = new Wasm.Module(readFileSync(wasmPath));
    const instance = new Wasm.Instance(module, { './schema_engine_bg.js': bg as unknown as Record<string, unknown> });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return loaded;
}

/**
 * Makes an engine error say what happened: adds the panic message (if the engine panicked), and replaces
 * "External error id#N" (an adapter error the engine only knows by number) with the driver's error, which then
 * also becomes the `cause` (so errors.ts can classify it).
 */
function explain(err: unknown, registry?: ErrorRegistry): Error {
  const panic = lastPanic;
  lastPanic = undefined;
  const e = err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
  const external = /External error id#(\d+)/.exec(e.message);
  const record = external ? registry?.consumeError(Number(external[1])) : undefined;
  if (external && record) {
    const inner = record.error as { message?: string; cause?: { originalMessage?: string; kind?: string } };
    const detail = inner.cause?.originalMessage ?? inner.message ?? inner.cause?.kind ?? String(record.error);
    e.message = e.message.replace(external[0], `${external[0]}: ${detail}`);
    (e as Error & { cause?: unknown }).cause ??= record.error;
  }
  if (panic && !e.message.includes(panic)) e.message = `${e.message} (schema engine panicked: ${panic})`;
  return e;
}

// ---- driver adapter factories ---------------------------------------------------------------------------

/**
 * A copy of `adapter` with some methods replaced. Delegates instead of subclassing/prototyping because the
 * adapters keep state in #private fields, which only work with the original object as `this`.
 */
function overrideAdapter(adapter: SqlDriverAdapter, overrides: Partial<SqlDriverAdapter>): SqlDriverAdapter {
  const copy: SqlDriverAdapter = {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    executeScript: (script) => adapter.executeScript(script),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    dispose: () => adapter.dispose(),
  };
  const info = adapter.getConnectionInfo?.bind(adapter);
  if (info) copy.getConnectionInfo = info;
  return { ...copy, ...overrides };
}

/**
 * The engine replays migrations on its throwaway SQLite database with `executeRaw`, which better-sqlite3 runs
 * one statement at a time, so multi-statement migrations fail (P3006). Argument-less raw SQL goes to
 * `executeScript` instead, which runs whole scripts.
 */
function routeScriptsToExecuteScript(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  const executeScript = adapter.executeScript.bind(adapter);
  return overrideAdapter(adapter, {
    executeRaw: async (query: SqlQuery) => {
      if (query.args.length === 0) {
        await executeScript(query.sql);
        return 0;
      }
      return executeRaw(query);
    },
  });
}

function sqliteFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  const base = new PrismaBetterSqlite3({ url: sqlitePathFromUrl(url) });
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => routeScriptsToExecuteScript(await base.connect()),
    connectToShadowDb: async () => routeScriptsToExecuteScript(await base.connectToShadowDb()),
  };
}

/**
 * Schema introspection reads columns of Postgres's internal `"char"` type (OID 18), which adapter-pg 7.x rejects
 * as unsupported, while the engine wants them typed as Character. This client reports such columns as text
 * (OID 25, parsed as a string) and tags their names; `charColumnsAsCharacter` strips the tag and sets the type.
 */
const CHAR_TAG = '\u0000char';

function tagCharColumns(res: pg.QueryResult | undefined): void {
  for (const field of res?.fields ?? []) {
    if (field.dataTypeID === 18) {
      field.dataTypeID = 25;
      field.name += CHAR_TAG;
    }
  }
}

class CharAsTextClient extends pg.Client {
  // pg-pool calls query with a callback; a direct caller may use the promise form. Handle both.
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: pg.QueryResult) => {
        if (!err) tagCharColumns(res);
        (last as (e: unknown, r: unknown) => void)(err, res);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<pg.QueryResult>).then((res) => {
        tagCharColumns(res);
        return res;
      }) as never;
    }
    return result as never;
  }
}

const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

function charColumnsAsCharacter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const queryRaw = adapter.queryRaw.bind(adapter);
  return overrideAdapter(adapter, {
    queryRaw: async (query: SqlQuery) => {
      const result = await queryRaw(query);
      result.columnNames.forEach((name, i) => {
        if (name.endsWith(CHAR_TAG)) {
          result.columnNames[i] = name.slice(0, -CHAR_TAG.length);
          result.columnTypes[i] = COLUMN_TYPE_CHARACTER;
        }
      });
      return result;
    },
  });
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * adapter-pg's own connectToShadowDb drops the throwaway database while its pool is still connected (the drop
 * fails and leaves it behind), and with a connection string pg ignores the throwaway database name. This one
 * names the database in the URL and ends the pool before dropping.
 */
function postgresFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  const poolConfig = (connectionString: string): pg.PoolConfig => ({
    connectionString,
    Client: CharAsTextClient,
    max: 2,
    connectionTimeoutMillis: 10_000,
  });
  const base = new PrismaPg(poolConfig(url));
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => charColumnsAsCharacter(await base.connect()),
    connectToShadowDb: async () => {
      const name = `prisma_shadow_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } catch (err) {
        await admin.end();
        throw err;
      }
      const shadow = charColumnsAsCharacter(await new PrismaPg(poolConfig(withDatabase(url, name))).connect());
      const dispose = shadow.dispose.bind(shadow);
      return overrideAdapter(shadow, {
        dispose: async () => {
          try {
            await dispose();
            await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
          } finally {
            await admin.end();
          }
        },
      });
    },
  };
}

export function adapterFactoryFor(provider: Provider, url: string): SqlMigrationAwareDriverAdapterFactory {
  return provider === 'sqlite' ? sqliteFactory(url) : postgresFactory(url);
}

// ---- engine sessions ------------------------------------------------------------------------------------

export interface EngineOptions {
  /** Prisma schema files the engine starts with; most commands take their schema as a parameter instead. */
  datamodels?: [path: string, content: string][];
  /** Receives the engine's log lines (JSON text). */
  log?: (line: string) => void;
}

/**
 * Runs `fn` with a schema engine connected to `url`, then frees it. The engine's errors come back as Error with
 * the panic message (if any) appended.
 */
export async function withSchemaEngine<T>(
  url: string,
  fn: (engine: SchemaEngine) => Promise<T>,
  opts: EngineOptions = {},
): Promise<T> {
  const mod = await loadSchemaEngineModule();
  const provider = providerFromUrl(url);
  // Freeing the engine does not dispose the connections it opened (an open SQLite connection keeps its lock,
  // a pg pool keeps the process alive), so track them and dispose them here.
  const open = new Set<SqlDriverAdapter>();
  const track = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    open.add(adapter);
    const dispose = adapter.dispose.bind(adapter);
    return overrideAdapter(adapter, {
      dispose: async () => {
        if (!open.delete(adapter)) return;
        await dispose();
      },
    });
  };
  const inner = adapterFactoryFor(provider, url);
  const factory = bindMigrationAwareSqlAdapterFactory({
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => track(await inner.connect()),
    connectToShadowDb: async () => track(await inner.connectToShadowDb()),
  });
  let engine: SchemaEngine | undefined;
  try {
    // `datamodels: []` panics inside the engine; undefined means "none".
    const datamodels = opts.datamodels && opts.datamodels.length > 0 ? opts.datamodels : undefined;
    engine = await mod.SchemaEngine.new({ datamodels }, (line: string) => opts.log?.(line), factory);
    return await fn(engine);
  } catch (err) {
    throw explain(err, factory.errorRegistry);
  } finally {
    try {
      engine?.free();
    } catch {
      // after a panic the engine is still marked as borrowed and cannot be freed; the instance is lost anyway
    }
    for (const adapter of [...open]) {
      open.delete(adapter);
      await adapter.dispose().catch(() => {});
    }
  }
}

// ---- migrations on disk ---------------------------------------------------------------------------------

const LOCKFILE = 'migration_lock.toml';

/** The migrations directory as the engine wants it: directories sorted by name, each with its migration.sql. */
export function readMigrationsList(dir: string): MigrationList {
  const lockPath = join(dir, LOCKFILE);
  const dirs = existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => statSync(join(dir, name)).isDirectory())
        .sort()
    : [];
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: dirs.map((name) => {
      const file = join(dir, name, 'migration.sql');
      return {
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: existsSync(file)
            ? { tag: 'ok' as const, value: readFileSync(file, 'utf8') }
            : { tag: 'error' as const, value: `missing ${file}` },
        },
      };
    }),
  };
}

export function lockfileContent(provider: Provider): string {
  return [
    '# Please do not edit this file manually',
    '# It should be added in your version-control system (e.g., Git)',
    `provider = "${provider}"`,
    '',
  ].join('\n');
}

/**
 * SQL that turns the schema described by the existing migrations (or nothing) into prisma/<provider>/schema.prisma;
 * '' when there is nothing to do. The engine replays the migrations on a throwaway ("shadow") database: SQLite
 * uses memory; PostgreSQL needs `url`, a server where a throwaway database may be created.
 */
export async function diffMigrationsToSchema(
  provider: Provider,
  opts: { from?: 'empty' | 'migrations'; url?: string } = {},
): Promise<string> {
  if (provider === 'postgresql' && !opts.url) throw new Error('diffing PostgreSQL migrations needs a server url');
  const file = schemaPath(provider);
  const content = readFileSync(file, 'utf8');
  const migrations = readMigrationsList(migrationsDir(provider));
  // Without any migration there is no lockfile either, and the engine cannot tell the connector from it.
  const fromEmpty = opts.from === 'empty' || migrations.migrationDirectories.length === 0;
  return withSchemaEngine(opts.url ?? 'file::memory:', async (engine) => {
    const result = await engine.diff({
      from: fromEmpty ? { tag: 'empty' } : { tag: 'migrations', ...migrations },
      to: { tag: 'schemaDatamodel', files: [{ path: file, content }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    const sql = result.stdout ?? '';
    return isEmptyMigration(sql) ? '' : sql;
  });
}

/** The engine prints "-- This is an empty migration." when there is nothing to do. */
export function isEmptyMigration(sql: string): boolean {
  return (
    sql
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('--')).length === 0
  );
}
