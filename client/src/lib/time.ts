// Times in the operator's locale (Intl with the browser's default locale and time zone).

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'always', style: 'narrow' });
const relativeAuto = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'narrow' });
const number = new Intl.NumberFormat();
const duration = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatTime(iso: string | number): string {
  return timeOnly.format(new Date(iso));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "2s ago", "5m ago", "in 3h" — relative to `now` (ms). Under a second reads "just now"-ish as "0s ago". */
export function formatRelative(iso: string | null | undefined, now: number, rtf: Intl.RelativeTimeFormat = relative): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  let value = (t - now) / 1000;
  // under a second, or a few seconds "in the future" from clock skew between server and browser: now
  if (value > -1 && value < 5) return relativeAuto.format(0, 'second');
  for (const [unit, size] of UNITS) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value) || 0, unit);
    value /= size;
  }
  return rtf.format(Math.round(value), 'year');
}

/** "6.8 ms", "1,204 ms" */
export const formatDuration = (ms: number): string => `${duration.format(ms)} ms`;
export const formatNumber = (n: number): string => number.format(n);
export const formatPercent = (ratio: number): string => percent.format(ratio);
