import { CopyButton } from './CopyButton.tsx';

/** `user_2abc…9xyz`: the start (the kind of id) and the end (what tells ids apart). */
export function middleTruncate(value: string, max = 16): string {
  if (value.length <= max) return value;
  const tail = Math.ceil((max - 1) / 2);
  return `${value.slice(0, max - 1 - tail)}…${value.slice(-tail)}`;
}

/** An id, middle-truncated, with the full value on hover (and for screen readers) and a copy button. */
export function Id({
  value,
  max = 16,
  copy = true,
  label,
}: {
  value: string;
  max?: number;
  copy?: boolean;
  label?: string | null;
}) {
  const short = middleTruncate(value, max);
  return (
    <span className="id">
      {label && <span className="id__label">{label}</span>}
      <span className="mono id__value" title={value}>
        {short === value ? (
          value
        ) : (
          <>
            <span aria-hidden="true">{short}</span>
            <span className="visually-hidden">{value}</span>
          </>
        )}
      </span>
      {copy && <CopyButton value={value} label="Copy" className="button button--tiny" />}
    </span>
  );
}
