import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DriftPoint } from '@contract/contract.ts';
import { formatDateTime } from '../../../lib/time.ts';

function cssVar(el: Element, name: string, fallback: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

function toData(points: DriftPoint[]): uPlot.AlignedData {
  return [
    points.map((p) => Date.parse(p.finishedAt) / 1000),
    points.map((p) => p.missing),
    points.map((p) => p.stale),
    points.map((p) => p.deleted),
  ];
}

/** Drift each completed reconcile found, by class, over time (uPlot lines with points, like the events chart). */
export function DriftChart({ points }: { points: DriftPoint[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const axis = { stroke: cssVar(el, '--text-muted', '#666'), grid: { stroke: cssVar(el, '--border', '#ddd'), width: 1 }, ticks: { show: false } };
    const line = (label: string, color: string) => ({ label, stroke: color, width: 2, points: { show: true, size: 6 } });
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 200,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.15))] } },
      axes: [axis, { ...axis, size: 40 }],
      series: [
        { value: (_u, v) => (v == null ? '—' : formatDateTime(new Date(v * 1000).toISOString())) },
        line('Missing locally', cssVar(el, '--accent', '#2563eb')),
        line('Stale', cssVar(el, '--warn', '#d97706')),
        line('Deleted in Clerk', cssVar(el, '--bad', '#dc2626')),
      ],
    };
    const u = new uPlot(opts, toData([]), el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 200 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(toData(points));
  }, [points]);

  return <div ref={ref} className="chart" aria-hidden="true" />;
}
