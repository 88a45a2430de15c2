import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A CSS custom property of the chart's element (charts follow the light/dark theme). */
export function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

/** The axis style every chart shares: muted labels, light grid, no ticks. */
export function themedAxis(el: Element): uPlot.Axis {
  return {
    stroke: cssVar(el, '--text-muted', '#666'),
    grid: { stroke: cssVar(el, '--border', '#ddd'), width: 1 },
    ticks: { show: false },
  };
}

/** The y scale every chart shares: from 0, headroom above the highest value, at least 5. */
export const countScale: uPlot.Scale = { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] };

/**
 * uPlot spans a time axis holding a single point over 86,400 / `ms` seconds (~2.7 years with timestamps in
 * seconds) and ignores a scale's `range` for x once its data set it; so a lone point gets an explicit window:
 * an hour either side, the point in the middle.
 */
export function loneTimeWindow(xs: uPlot.AlignedData[0]): { min: number; max: number } | null {
  return xs.length === 1 && xs[0] != null ? { min: xs[0] - 3600, max: xs[0] + 3600 } : null;
}

function centreLonePoint(u: uPlot, data: uPlot.AlignedData) {
  const window = loneTimeWindow(data[0]);
  if (window) u.setScale('x', window);
}

/**
 * A uPlot canvas owned by React: built once from `options(el)` (read at mount, so theme colours come from the
 * element), resized with its container, fed `data` whenever it changes, destroyed on unmount.
 */
export function UplotChart({
  options,
  data,
  height,
}: {
  options: (el: HTMLElement) => Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  // The first render's options and data build the chart; later data goes through setData below.
  const initial = useRef({ options, data });

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const u = new uPlot(
      { ...initial.current.options(el), width: el.clientWidth || 600, height },
      initial.current.data,
      el,
    );
    plot.current = u;
    centreLonePoint(u, initial.current.data);
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [height]);

  useEffect(() => {
    if (!plot.current) return;
    plot.current.setData(data);
    centreLonePoint(plot.current, data);
  }, [data]);

  return <div ref={ref} className="chart" aria-hidden="true" />;
}
