import { useEffect, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { Cells, HeaderRow, type Column } from './Table.tsx';

interface VirtualTableProps<T> {
  items: readonly T[];
  columns: readonly Column<T>[];
  getKey: (item: T) => string | number;
  caption: string;
  rowHeight?: number;
  /** called when the last rows come into view (load the next page) */
  onEndReached?: () => void;
  rowClassName?: (item: T) => string | undefined;
  footer?: ReactNode;
}

/**
 * A real <table> (headers, row semantics) that only renders the rows in view: spacer rows above and below keep
 * the scroll height. Rows have a fixed height so thousands of them cost the same as thirty.
 */
const NARROW = '(max-width: 640px)';
/** At phone width rows are stacked (one line per column): their height is measured instead of fixed. */
function useNarrow(): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const mq = window.matchMedia?.(NARROW);
      mq?.addEventListener('change', onChange);
      return () => mq?.removeEventListener('change', onChange);
    },
    () => window.matchMedia?.(NARROW).matches ?? false,
    () => false,
  );
}

export function VirtualTable<T>({
  items,
  columns,
  getKey,
  caption,
  rowHeight = 40,
  onEndReached,
  rowClassName,
  footer,
}: VirtualTableProps<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const narrow = useNarrow();
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual returns fresh functions by design
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => (narrow ? rowHeight * Math.max(2, columns.length) * 0.6 : rowHeight),
    overscan: 12,
    initialRect: { width: 1000, height: 800 },
    getItemKey: (index) => getKey(items[index]!),
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = virtualRows.at(-1)?.index ?? -1;

  useEffect(() => {
    if (onEndReached && items.length > 0 && lastIndex >= items.length - 5) onEndReached();
  }, [lastIndex, items.length, onEndReached]);

  const paddingTop = virtualRows[0]?.start ?? 0;
  const paddingBottom = virtualRows.length ? virtualizer.getTotalSize() - (virtualRows.at(-1)?.end ?? 0) : 0;

  return (
    <div className="virtual-table" ref={scrollRef} tabIndex={0} role="region" aria-label={caption}>
      <table role="table" className="table table--fixed" aria-rowcount={items.length + 1}>
        <caption className="visually-hidden">{caption}</caption>
        <colgroup>
          {columns.map((c) => (
            <col key={c.key} style={c.width ? { width: c.width } : undefined} />
          ))}
        </colgroup>
        <thead role="rowgroup">
          <HeaderRow columns={columns} />
        </thead>
        <tbody role="rowgroup">
          {paddingTop > 0 && (
            <tr role="row" aria-hidden="true" className="spacer">
              <td role="cell" colSpan={columns.length} style={{ height: paddingTop }} />
            </tr>
          )}
          {virtualRows.map((row) => {
            const item = items[row.index]!;
            return (
              <tr
                role="row"
                key={row.key}
                ref={narrow ? virtualizer.measureElement : undefined}
                data-index={row.index}
                style={narrow ? undefined : { height: rowHeight }}
                className={rowClassName?.(item)}
                aria-rowindex={row.index + 2}
              >
                <Cells columns={columns} item={item} />
              </tr>
            );
          })}
          {paddingBottom > 0 && (
            <tr role="row" aria-hidden="true" className="spacer">
              <td role="cell" colSpan={columns.length} style={{ height: paddingBottom }} />
            </tr>
          )}
        </tbody>
      </table>
      {footer}
    </div>
  );
}
