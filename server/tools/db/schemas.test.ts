// The two provider schemas are generated copies of prisma/models.prisma; the generated clients and migrations
// must follow them. These checks fail when someone edits a copy, or changes the models without a migration.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchema, MODELS_PATH } from '../../../scripts/prisma-schemas.mjs';
import { diffMigrationsToSchema, schemaPath } from './schema-engine.ts';
import { pgAdminUrl } from '../../src/test/db.ts';

const PROVIDERS = ['sqlite', 'postgresql'] as const;

function modelsOf(schema: string): string {
  return schema.slice(schema.indexOf('// ---- models'));
}

describe('prisma/<provider>/schema.prisma', () => {
  it.each(PROVIDERS)('%s equals what scripts/prisma-schemas.mjs builds from models.prisma', (provider) => {
    expect(readFileSync(schemaPath(provider), 'utf8')).toBe(buildSchema(provider, readFileSync(MODELS_PATH, 'utf8')));
  });

  it('both hold the same models', () => {
    expect(modelsOf(readFileSync(schemaPath('sqlite'), 'utf8'))).toBe(
      modelsOf(readFileSync(schemaPath('postgresql'), 'utf8')),
    );
  });

  it.each(PROVIDERS)(
    '%s migrations produce exactly the schema (else run `npm run db:diff <name>`)',
    async (provider) => {
      // PostgreSQL: the engine replays the migrations on a throwaway database it creates on this server.
      const url = provider === 'postgresql' ? await pgAdminUrl() : undefined;
      expect(await diffMigrationsToSchema(provider, url ? { url } : {})).toBe('');
    },
  );
});
