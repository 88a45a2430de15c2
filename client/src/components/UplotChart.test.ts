import { describe, expect, it } from 'vitest';
import { loneTimeWindow } from './UplotChart.tsx';

describe('loneTimeWindow', () => {
  it('centres a single point in a two-hour window (uPlot alone would span ~2.7 years)', () => {
    expect(loneTimeWindow([1_800_000_000])).toEqual({ min: 1_800_000_000 - 3600, max: 1_800_000_000 + 3600 });
  });

  it('leaves no points, or several, to uPlot', () => {
    expect(loneTimeWindow([])).toBeNull();
    expect(loneTimeWindow([1, 2])).toBeNull();
  });
});
