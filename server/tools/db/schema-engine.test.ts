// Runs in its own file (= own process under the forks pool): a panic may leave the wasm instance unusable.
import { describe, expect, it } from 'vitest';
import { isEmptyMigration, withSchemaEngine } from './schema-engine.ts';

describe('schema engine', () => {
  it('recognises the empty migration the engine prints', () => {
    expect(isEmptyMigration('-- This is an empty migration.\n')).toBe(true);
    expect(isEmptyMigration('-- CreateTable\nCREATE TABLE "x" ("a" INTEGER);\n')).toBe(false);
  });

  it('reports an engine panic with its message instead of a bare wasm trap', async () => {
    const err = await withSchemaEngine('file::memory:', async (engine) => engine.debugPanic()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/schema engine panicked: .*debugPanic artificial panic/s);
    // and the engine keeps working afterwards
    const version = await withSchemaEngine('file::memory:', (engine) => engine.version());
    expect(version).toMatch(/sqlite|3\./i);
  });
});
