import { describe, expect, it } from 'vitest';
import { chunks, findInChunks, updateInChunks } from './chunks.ts';
import { createTestDb } from '../test/db.ts';

describe('chunks', () => {
  it('splits into pieces of at most the size, keeping order', () => {
    expect(chunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunks([], 2)).toEqual([]);
  });

  it('lets a query over 2,000 ids run where one query would exceed SQLite’s parameter limit', async () => {
    const db = await createTestDb('sqlite');
    try {
      const ids = Array.from({ length: 2000 }, (_, i) => `user_${String(i).padStart(5, '0')}`);
      await db.prisma.user.createMany({ data: ids.map((id) => ({ id, emails: '' })) });
      // Prisma splits long `in` lists of plain reads and updates itself, but not an update filtered further
      // (the shape reconcile uses):
      await expect(
        db.prisma.user.updateMany({
          where: { id: { in: ids }, syncStatus: { not: 'drifted' } },
          data: { syncStatus: 'drifted' },
        }),
      ).rejects.toThrow(/parameter limit/);
      const rows = await findInChunks(ids, (part) =>
        db.prisma.user.findMany({ where: { id: { in: part } }, select: { id: true } }),
      );
      expect(rows).toHaveLength(2000);
      const updated = await updateInChunks(ids, (part) =>
        db.prisma.user.updateMany({
          where: { id: { in: part }, syncStatus: { not: 'in_sync' } },
          data: { syncStatus: 'in_sync' },
        }),
      );
      expect(updated).toBe(2000);
    } finally {
      await db.close();
    }
  });
});
