import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.ts';

describe('group commit', () => {
  it('writes items submitted together as one batch and answers each with its own result', async () => {
    const batches: number[][] = [];
    const gc = createGroupCommit(async (items: number[]) => {
      batches.push(items);
      return items.map((i) => i * 10);
    });
    const results = await Promise.all([1, 2, 3].map((i) => gc.submit(i)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('forms the next batch from what arrived while a batch was being written', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = createGroupCommit(async (items: number[]) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items;
    });
    const first = gc.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [gc.submit(2), gc.submit(3)];
    expect(gc.pending).toBe(2);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('caps the batch size', async () => {
    const sizes: number[] = [];
    const gc = createGroupCommit(async (items: number[]) => (sizes.push(items.length), items), { maxBatch: 4 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => gc.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('rejects every item of a batch whose write failed, and keeps going', async () => {
    let calls = 0;
    const gc = createGroupCommit(async (items: number[]) => {
      calls++;
      if (calls === 1) throw new Error('disk full');
      return items;
    });
    const failed = await Promise.allSettled([gc.submit(1), gc.submit(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await gc.submit(3)).toBe(3);
  });
});

describe('group commit with concurrency', () => {
  it('writes up to `concurrency` batches at once, never more, and answers every item', async () => {
    let inFlight = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const gc = createGroupCommit(
      async (items: number[]) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise<void>((r) => gates.push(r));
        inFlight--;
        return items.map((i) => i * 10);
      },
      { concurrency: 2, maxBatch: 2 },
    );
    const all = Promise.all(Array.from({ length: 7 }, (_, i) => gc.submit(i)));
    // open gates one at a time until every batch is through
    for (let open = 0; open < 4; open++) {
      await expect.poll(() => gates.length).toBeGreaterThan(0);
      expect(inFlight).toBeLessThanOrEqual(2);
      gates.shift()!();
    }
    expect(await all).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(2);
  });
});
