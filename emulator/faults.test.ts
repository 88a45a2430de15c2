import { describe, expect, it } from 'vitest';
import { applyFaultsPatch, faultsPatchSchema, NO_FAULTS, seededRandom } from './faults.ts';

describe('faults', () => {
  it('a patch changes only the keys it sets (undefined keeps the value)', () => {
    const a = applyFaultsPatch(NO_FAULTS, { drop: 0.5, duplicate: 0.1 }, 0);
    const b = applyFaultsPatch(a, faultsPatchSchema.parse({ drop: undefined, badSignature: 0.2 }), 0);
    expect(b).toEqual({ ...NO_FAULTS, drop: 0.5, duplicate: 0.1, badSignature: 0.2 });
  });

  it('outageMs sets outageUntil from now, 0 ends it', () => {
    const a = applyFaultsPatch(NO_FAULTS, { outageMs: 1000 }, 5000);
    expect(a.outageUntil).toBe(6000);
    expect(applyFaultsPatch(a, { outageMs: 0 }, 5500).outageUntil).toBeNull();
  });

  it('rejects shares outside 0..1 and unknown keys', () => {
    expect(faultsPatchSchema.safeParse({ drop: 1.5 }).success).toBe(false);
    expect(faultsPatchSchema.safeParse({ dorp: 0.1 }).success).toBe(false);
  });

  it('seededRandom is reproducible and uniform enough', () => {
    const r1 = seededRandom(1);
    const r2 = seededRandom(1);
    const xs = Array.from({ length: 10_000 }, () => r1());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => r2()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
