import { useMemo } from 'react';
import uPlot from 'uplot';
import type { OverviewStats } from '@contract/contract.ts';
import { formatTime } from '../../../lib/time.ts';
import { UplotChart, countScale, cssVar, themedAxis } from '../../../components/UplotChart.tsx';

type Series = OverviewStats['eventsPerMinute'];

function toData(series: Series): uPlot.AlignedData {
  return [series.map((p) => Date.parse(p.minute) / 1000), series.map((p) => p.count), series.map((p) => p.failed)];
}

function options(el: HTMLElement): Omit<uPlot.Options, 'width' | 'height'> {
  const axis = themedAxis(el);
  const bars = uPlot.paths.bars?.({ size: [0.8, 24] });
  return {
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: countScale },
    axes: [
      { ...axis, values: (_u, ticks) => ticks.map((t) => formatTime(t * 1000).slice(0, 5)) },
      { ...axis, size: 40 },
    ],
    series: [
      { value: (_u, v) => (v == null ? '—' : formatTime(v * 1000)) },
      // failed is drawn over the total, so each bar shows its failed part at the bottom
      {
        label: 'Events',
        stroke: cssVar(el, '--accent', '#2563eb'),
        fill: cssVar(el, '--accent-soft', 'rgba(37,99,235,.3)'),
        width: 1,
        paths: bars,
        points: { show: false },
      },
      {
        label: 'Failed',
        stroke: cssVar(el, '--bad', '#dc2626'),
        fill: cssVar(el, '--bad', '#dc2626'),
        width: 1,
        paths: bars,
        points: { show: false },
      },
    ],
  };
}

/** Events per minute over the last hour as bars, the failed part in red. uPlot: ~23 KB gzip, canvas, cheap redraws. */
export function EventsChart({ series }: { series: Series }) {
  const data = useMemo(() => toData(series), [series]);
  return <UplotChart options={options} data={data} height={220} />;
}
