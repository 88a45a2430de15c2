import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { OverviewStats } from '@contract/contract.ts';
import { formatTime } from '../../../lib/time.ts';

type Series = OverviewStats['eventsPerMinute'];

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

function toData(series: Series): uPlot.AlignedData {
  return [series.map((p) => Date.parse(p.minute) / 1000), series.map((p) => p.count), series.map((p) => p.failed)];
}

/** Events per minute over the last hour as bars, the failed part in red. uPlot: ~23 KB gzip, canvas, cheap redraws. */
export function EventsChart({ series }: { series: Series }) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const axis = { stroke: cssVar(el, '--text-muted', '#666'), grid: { stroke: cssVar(el, '--border', '#ddd'), width: 1 }, ticks: { show: false } };
    const bars = uPlot.paths.bars?.({ size: [0.8, 24] });
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 220,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] } },
      axes: [
        { ...axis, values: (_u, ticks) => ticks.map((t) => formatTime(t * 1000).slice(0, 5)) },
        { ...axis, size: 40 },
      ],
      series: [
        { value: (_u, v) => (v == null ? '—' : formatTime(v * 1000)) },
        // failed is drawn over the total, so each bar shows its failed part at the bottom
        { label: 'Events', stroke: cssVar(el, '--accent', '#2563eb'), fill: cssVar(el, '--accent-soft', 'rgba(37,99,235,.3)'), width: 1, paths: bars, points: { show: false } },
        { label: 'Failed', stroke: cssVar(el, '--bad', '#dc2626'), fill: cssVar(el, '--bad', '#dc2626'), width: 1, paths: bars, points: { show: false } },
      ],
    };
    const u = new uPlot(opts, toData([]), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(toData(series));
  }, [series]);

  return <div ref={ref} className="chart" aria-hidden="true" />;
}
