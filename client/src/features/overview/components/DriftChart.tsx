import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { DriftPoint } from '@contract/contract.ts';
import { formatDateTime } from '../../../lib/time.ts';
import { UplotChart, countScale, cssVar, themedAxis } from '../../../components/UplotChart.tsx';

function toData(points: DriftPoint[]): uPlot.AlignedData {
  return [
    points.map((p) => Date.parse(p.finishedAt) / 1000),
    points.map((p) => p.missing),
    points.map((p) => p.stale),
    points.map((p) => p.deleted),
    points.map((p) => p.organizations),
    points.map((p) => p.memberships),
  ];
}

function options(el: HTMLElement): Omit<uPlot.Options, 'width' | 'height'> {
  const axis = themedAxis(el);
  const line = (label: string, color: string) => ({ label, stroke: color, width: 2, points: { show: true, size: 6 } });
  return {
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: countScale },
    axes: [axis, { ...axis, size: 40 }],
    series: [
      { value: (_u, v) => (v == null ? '—' : formatDateTime(new Date(v * 1000).toISOString())) },
      line('Missing locally', cssVar(el, '--accent', '#2563eb')),
      line('Stale', cssVar(el, '--warn', '#d97706')),
      line('Deleted in Clerk', cssVar(el, '--bad', '#dc2626')),
      line('Organizations drifted', cssVar(el, '--ok', '#16a34a')),
      line('Memberships drifted', cssVar(el, '--neutral', '#4b5563')),
    ],
  };
}

/**
 * Drift each completed reconcile found over time: users by class, organizations and memberships each in one line
 * (uPlot lines with points, like the events chart).
 */
export function DriftChart({ points }: { points: DriftPoint[] }) {
  const data = useMemo(() => toData(points), [points]);
  return <UplotChart options={options} data={data} height={200} />;
}
