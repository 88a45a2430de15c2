import { describe, expect, it } from 'vitest';
import { capDepth, DEPTH_CAPPED, MAX_JSON_DEPTH } from './json-depth.ts';

describe('capDepth', () => {
  it('copies values within the limit unchanged, keys in order, "__proto__" as a plain key', () => {
    const value = JSON.parse('{"b":[1,{"c":null}],"a":"x","__proto__":{"k":1}}') as unknown;
    const copy = capDepth(value);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(Object.keys(copy as object)).toEqual(['b', 'a', '__proto__']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(capDepth(42)).toBe(42);
  });

  it('replaces what nests below the limit, with a loop (100,000 levels)', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let v = capDepth(deep);
    let levels = 0;
    while (Array.isArray(v)) {
      levels++;
      v = v[0];
    }
    expect(levels).toBe(MAX_JSON_DEPTH);
    expect(v).toBe(DEPTH_CAPPED);
  });
});
