import { formatDateTime, formatRelative } from '../lib/time.ts';
import { useNow } from '../lib/use-now.ts';

/** "2s ago", with the full local date and time on hover and for assistive tech. */
export function RelativeTime({ iso, className }: { iso: string | null | undefined; className?: string }) {
  const now = useNow();
  if (!iso) return <span className={className}>—</span>;
  const absolute = formatDateTime(iso);
  return (
    <time dateTime={iso} title={absolute} className={className}>
      {formatRelative(iso, now)}
    </time>
  );
}

/** Absolute local time plus the relative one in smaller type, for detail pages. */
export function DateTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span>—</span>;
  return (
    <span className="datetime">
      <time dateTime={iso}>{formatDateTime(iso)}</time> <RelativeTime iso={iso} className="muted small" />
    </span>
  );
}
