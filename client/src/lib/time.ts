// Times in the operator's locale, always with their time zone: the browser's own, or UTC when the operator
// switched to it (kept in localStorage; components re-render through useTimeZone).
import { useSyncExternalStore } from 'react';

export type TimeZoneChoice = 'local' | 'UTC';
const ZONE_KEY = 'csm.timeZone';
const listeners = new Set<() => void>();

function readZone(): TimeZoneChoice {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem(ZONE_KEY) === 'UTC' ? 'UTC' : 'local';
  } catch {
    return 'local'; // storage blocked: the browser's zone
  }
}
let zone: TimeZoneChoice = readZone();

export function getTimeZone(): TimeZoneChoice {
  return zone;
}

export function setTimeZone(next: TimeZoneChoice): void {
  zone = next;
  try {
    localStorage.setItem(ZONE_KEY, next);
  } catch {
    // not kept across reloads; still applies now
  }
  for (const l of listeners) l();
}

/** The zone times are shown in; re-renders the caller when the operator switches it. */
export function useTimeZone(): TimeZoneChoice {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getTimeZone,
    () => 'local' as const,
  );
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'dateTime' | 'time'): Intl.DateTimeFormat {
  const key = `${kind}:${zone}`;
  let f = formatters.get(key);
  if (!f) {
    const timeZone = zone === 'UTC' ? { timeZone: 'UTC' } : {};
    f =
      kind === 'dateTime'
        ? new Intl.DateTimeFormat(undefined, {
            year: 'numeric',
            month: 'short',
            day: 'numeric',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            timeZoneName: 'short',
            ...timeZone,
          })
        : new Intl.DateTimeFormat(undefined, {
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
            timeZoneName: 'short',
            ...timeZone,
          });
    formatters.set(key, f);
  }
  return f;
}
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'always', style: 'narrow' });
const relativeAuto = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'narrow' });
const number = new Intl.NumberFormat();
const duration = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : formatter('dateTime').format(d);
}

export function formatTime(iso: string | number): string {
  return formatter('time').format(new Date(iso));
}

/**
 * A number that is plausibly a Unix time in milliseconds (Clerk's `*_at` fields): between 2001 and 2100.
 * Shown as a date beside the raw value in diffs.
 */
export function epochMsAsDate(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1e12 || value > 4.1e12) return null;
  return formatDateTime(new Date(value).toISOString());
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
export function formatRelative(
  iso: string | null | undefined,
  now: number,
  rtf: Intl.RelativeTimeFormat = relative,
): string {
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
