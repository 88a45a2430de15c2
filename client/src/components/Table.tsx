import type { ReactNode } from 'react';

/** A column of a `Table` or a `VirtualTable`. */
export interface Column<T> {
  key: string;
  header: string;
  /** the header is only for screen readers (a column of buttons needs a name, not a visible title) */
  headerHidden?: boolean;
  headerClassName?: string;
  /** CSS width for the fixed table layout, e.g. '8rem' or '30%' */
  width?: string;
  render: (item: T) => ReactNode;
  className?: string;
  /** this column's cell names its row (`<th scope="row">`) */
  rowHeader?: boolean;
}

export function HeaderRow<T>({ columns }: { columns: readonly Column<T>[] }) {
  return (
    <tr role="row">
      {columns.map((c) => (
        <th role="columnheader" key={c.key} scope="col" className={c.headerClassName}>
          {c.headerHidden ? <span className="visually-hidden">{c.header}</span> : c.header}
        </th>
      ))}
    </tr>
  );
}

export function Cells<T>({ columns, item }: { columns: readonly Column<T>[]; item: T }) {
  return columns.map((c) =>
    c.rowHeader ? (
      <th role="rowheader" key={c.key} scope="row" className={c.className} data-label={c.header}>
        {c.render(item)}
      </th>
    ) : (
      <td role="cell" key={c.key} className={c.className} data-label={c.headerHidden ? '' : c.header}>
        {c.render(item)}
      </td>
    ),
  );
}

interface TableProps<T> {
  items: readonly T[];
  columns: readonly Column<T>[];
  getKey: (item: T) => string | number;
  /** read to screen readers only; the section around the table shows its heading */
  caption: string;
  rowClassName?: (item: T) => string | undefined;
  /** marks the row the page is showing (`aria-current`) */
  isCurrent?: (item: T) => boolean;
  /** a lower scroll box, for a table inside a callout */
  short?: boolean;
}

/** A short list as a real <table> that scrolls sideways on narrow screens; long lists use VirtualTable. */
export function Table<T>({ items, columns, getKey, caption, rowClassName, isCurrent, short = false }: TableProps<T>) {
  return (
    // focusable: a keyboard user can scroll it when it is wider or taller than its box
    <div
      className={short ? 'table-scroll table-scroll--short' : 'table-scroll'}
      tabIndex={0}
      role="region"
      aria-label={caption}
    >
      <table role="table" className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead role="rowgroup">
          <HeaderRow columns={columns} />
        </thead>
        <tbody role="rowgroup">
          {items.map((item) => (
            <tr
              role="row"
              key={getKey(item)}
              className={rowClassName?.(item)}
              aria-current={isCurrent?.(item) ? 'true' : undefined}
            >
              <Cells columns={columns} item={item} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
