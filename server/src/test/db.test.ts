import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clearTestDb, createTestDb, TEST_PROVIDERS } from './db.ts';
import type { Db } from '../lib/db/client.ts';
import type * as DbModule from './db.ts';

describe.each(TEST_PROVIDERS)('createTestDb(%s)', (provider) => {
  let a: Db;
  let b: Db;
  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDb(provider), createTestDb(provider)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('gives isolated, migrated databases', async () => {
    expect(a.url).not.toBe(b.url);
    await a.prisma.operator.create({ data: { email: 'x@example.com', passwordHash: 'h' } });
    expect(await a.prisma.operator.count()).toBe(1);
    expect(await b.prisma.operator.count()).toBe(0);
  });

  it('clearTestDb empties the tables and restarts ids', async () => {
    const op = await a.prisma.operator.create({ data: { email: 'y@example.com', passwordHash: 'h' } });
    await a.prisma.operatorSession.create({ data: { tokenHash: 't', operatorId: op.id, expiresAt: new Date() } });
    await clearTestDb(a);
    expect(await a.prisma.operator.count()).toBe(0);
    expect(await a.prisma.operatorSession.count()).toBe(0);
    const again = await a.prisma.operator.create({ data: { email: 'y@example.com', passwordHash: 'h' } });
    expect(again.id).toBe(1);
  });
});

describe('createTestDb(postgresql) without a server', () => {
  it('throws a loud error instead of skipping', async () => {
    vi.resetModules();
    const before = process.env.TEST_PG_URL;
    process.env.TEST_PG_URL = 'postgresql://root@127.0.0.1:1/postgres';
    try {
      const fresh = (await import('./db.ts')) as typeof DbModule;
      await expect(fresh.createTestDb('postgresql')).rejects.toThrow(
        /PostgreSQL is required for these tests.*pg_ctlcluster/s,
      );
    } finally {
      if (before === undefined) delete process.env.TEST_PG_URL;
      else process.env.TEST_PG_URL = before;
      vi.resetModules();
    }
  });
});
