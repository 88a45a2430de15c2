import { useState } from 'react';
import { formatValue, timestampHint, type CompareRow, type DiffRow } from '../lib/diff.ts';
import { epochMsAsDate } from '../lib/time.ts';

/** A value as JSON; Unix-millisecond times (Clerk's `*_at`) also as a date in the operator's zone. */
function DiffValue({ value }: { value: unknown }) {
  const date = epochMsAsDate(value);
  return (
    <>
      {formatValue(value)}
      {date && <span className="diff-date">{date}</span>}
    </>
  );
}

/** One side's value in a row: the JSON, a date hint for epoch-ms times, labelled for the stacked phone layout. */
function ValueCell({
  path,
  value,
  label,
  side,
}: {
  path: string;
  value: unknown;
  label: string;
  side: 'before' | 'after';
}) {
  return (
    <td role="cell" className={`mono diff-${side}`} data-label={label} title={timestampHint(path, value)}>
      <DiffValue value={value} />
    </td>
  );
}

const KIND_LABEL = { added: 'added', removed: 'removed', changed: 'changed' } as const;

interface DiffTableProps {
  rows: readonly DiffRow[];
  caption: string;
  beforeLabel: string;
  afterLabel: string;
  empty?: string;
}

/** Only the fields that changed, before → after. */
export function DiffTable({ rows, caption, beforeLabel, afterLabel, empty = 'No differences.' }: DiffTableProps) {
  if (rows.length === 0) return <p className="empty">{empty}</p>;
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={caption}>
      <table role="table" className="table diff-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead role="rowgroup">
          <tr role="row">
            <th role="columnheader" scope="col">
              Field
            </th>
            <th role="columnheader" scope="col">
              Change
            </th>
            <th role="columnheader" scope="col">
              {beforeLabel}
            </th>
            <th role="columnheader" scope="col">
              {afterLabel}
            </th>
          </tr>
        </thead>
        <tbody role="rowgroup">
          {rows.map((row) => (
            <tr role="row" key={row.path} className={`diff-row diff-row--${row.kind}`}>
              <th role="rowheader" scope="row" className="mono" data-label="Field">
                {row.path}
              </th>
              <td role="cell" data-label="Change">
                <span className={`diff-kind diff-kind--${row.kind}`}>{KIND_LABEL[row.kind]}</span>
              </td>
              <ValueCell path={row.path} value={row.before} label={beforeLabel} side="before" />
              <ValueCell path={row.path} value={row.after} label={afterLabel} side="after" />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface CompareTableProps {
  rows: readonly CompareRow[];
  caption: string;
  localLabel?: string;
  clerkLabel?: string;
}

/** Every field side by side; differing rows highlighted and marked in text; "Only differences" narrows it. */
export function CompareTable({ rows, caption, localLabel = 'Local copy', clerkLabel = 'Clerk' }: CompareTableProps) {
  const differing = rows.filter((r) => r.kind).length;
  const [onlyDiffs, setOnlyDiffs] = useState(differing > 0);
  const shown = onlyDiffs ? rows.filter((r) => r.kind) : rows;
  return (
    <div>
      <div className="toolbar">
        <p className="muted" aria-live="polite">
          {differing === 0 ? 'All fields agree.' : `${differing} of ${rows.length} fields differ.`}
        </p>
        <button
          type="button"
          className="button button--toggle"
          aria-pressed={onlyDiffs}
          onClick={() => setOnlyDiffs((v) => !v)}
        >
          Only differences
        </button>
      </div>
      {shown.length === 0 ? (
        <p className="empty">{rows.length === 0 ? 'Neither side has any fields.' : 'No differences.'}</p>
      ) : (
        <div className="table-scroll compare-table-wrap" tabIndex={0} role="region" aria-label={caption}>
          <table role="table" className="table compare-table">
            <caption className="visually-hidden">{caption}</caption>
            <thead role="rowgroup">
              <tr role="row">
                <th role="columnheader" scope="col">
                  Field
                </th>
                <th role="columnheader" scope="col">
                  {localLabel}
                </th>
                <th role="columnheader" scope="col">
                  {clerkLabel}
                </th>
              </tr>
            </thead>
            <tbody role="rowgroup">
              {shown.map((row) => (
                <tr role="row" key={row.path} className={row.kind ? `diff-row diff-row--${row.kind}` : undefined}>
                  <th role="rowheader" scope="row" className="mono" data-label="Field">
                    {row.path}
                    {row.kind && <span className={`diff-kind diff-kind--${row.kind}`}>{KIND_LABEL[row.kind]}</span>}
                  </th>
                  <ValueCell path={row.path} value={row.local} label={localLabel} side="before" />
                  <ValueCell path={row.path} value={row.clerk} label={clerkLabel} side="after" />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
