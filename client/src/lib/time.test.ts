import { describe, expect, it } from 'vitest';
import { epochMsAsDate, formatDateTime, formatDuration, formatRelative, setTimeZone } from './time.ts';

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'always', style: 'narrow' });
const now = Date.parse('2026-01-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now - ms).toISOString();

describe('formatRelative', () => {
  it('picks the largest sensible unit', () => {
    expect(formatRelative(ago(2_000), now, rtf)).toMatch(/^2\s?s ago$/);
    expect(formatRelative(ago(5 * 60_000), now, rtf)).toMatch(/^5\s?m(in)?\.? ago$/);
    expect(formatRelative(ago(3 * 3_600_000), now, rtf)).toMatch(/^3\s?h(r)?\.? ago$/);
    expect(formatRelative(ago(2 * 86_400_000), now, rtf)).toMatch(/^2\s?d(ays?)?\.? ago$/);
  });
  it('reads sub-second and small clock skew as now, missing as a dash', () => {
    expect(formatRelative(ago(300), now, rtf)).not.toMatch(/in /);
    expect(formatRelative(ago(-2_000), now, rtf)).not.toMatch(/in /);
    expect(formatRelative(null, now, rtf)).toBe('—');
  });
});

describe('formatDuration', () => {
  it('rounds to a tenth of a millisecond', () => {
    expect(formatDuration(6.828316999999515)).toMatch(/^6[.,]8 ms$/);
  });
});

describe('time zones', () => {
  it('shows the zone, and UTC when the operator switches to it', () => {
    setTimeZone('UTC');
    expect(formatDateTime('2026-01-01T12:00:00.000Z')).toMatch(/12:00:00.*UTC/);
    setTimeZone('local');
  });
  it('reads epoch milliseconds as dates, and leaves other numbers alone', () => {
    setTimeZone('UTC');
    expect(epochMsAsDate(1767268800000)).toMatch(/2026.*12:00:00.*UTC/);
    expect(epochMsAsDate(42)).toBeNull();
    expect(epochMsAsDate('1767268800000')).toBeNull();
    setTimeZone('local');
  });
});
