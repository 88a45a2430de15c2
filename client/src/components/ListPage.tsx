import type { LiveList } from '../lib/use-live-list.ts';
import { PagedDataState } from './DataState.tsx';
import { ListFooter } from './ListFooter.tsx';
import { PauseControl } from './PauseControl.tsx';
import { Table, type Column } from './Table.tsx';
import { VirtualTable } from './VirtualTable.tsx';

interface ListPageHeaderProps {
  /** the page's name, in the browser tab and (unless `heading` differs) as its heading */
  title: string;
  heading?: string;
  intro?: string;
  list: Pick<LiveList<unknown, object>, 'pause'>;
}

/** Title, heading (with Pause on a list that has it) and the one-line introduction of a list page. */
export function ListPageHeader({ title, heading = title, intro, list: { pause } }: ListPageHeaderProps) {
  return (
    <>
      <title>{`${title} · Clerk Sync Monitor`}</title>
      <div className="page-header">
        <h1>{heading}</h1>
        {pause && (
          <PauseControl paused={pause.paused} newCount={pause.newCount} onPause={pause.pause} onResume={pause.resume} />
        )}
      </div>
      {intro && <p className="muted">{intro}</p>}
    </>
  );
}

/** A list page's table, described as data next to its columns. */
export interface ListTableSpec<T> {
  /** read to screen readers */
  caption: string;
  /** plural, for the footer ("3 events shown") */
  noun: string;
  columns: readonly Column<T>[];
  rowClassName?: (item: T) => string | undefined;
  /** the empty state without filters, and with some set */
  empty: string;
  emptyFiltered: string;
  /** rows of wrapping text have no fixed height: a plain table, with the footer under it */
  plain?: boolean;
}

interface ListTableProps<T, F extends object> {
  list: LiveList<T, F>;
  table: ListTableSpec<T>;
}

/** A list page's rows: loading, error and empty states, the table, and "load older" under it. */
export function ListTable<T extends { id: string | number }, F extends object>({ list, table }: ListTableProps<T, F>) {
  const { query, items } = list;
  const { caption, noun, columns, rowClassName } = table;
  const getKey = (item: T) => item.id;
  const footer = (
    <ListFooter
      noun={noun}
      count={items.length}
      hasNextPage={query.hasNextPage}
      isFetchingNextPage={query.isFetchingNextPage}
      fetchNextPage={list.loadMore}
      trimmed={list.trimmed}
      onReload={list.reload}
    />
  );
  return (
    <>
      <PagedDataState
        query={query}
        isEmpty={items.length === 0}
        empty={list.filtered ? table.emptyFiltered : table.empty}
      >
        {table.plain ? (
          <>
            <Table items={items} columns={columns} getKey={getKey} caption={caption} rowClassName={rowClassName} />
            {footer}
          </>
        ) : (
          <VirtualTable
            items={items}
            columns={columns}
            getKey={getKey}
            caption={caption}
            // a paused view stays as it was: scrolling to its end loads nothing (the footer's button still does)
            onEndReached={list.pause?.paused ? undefined : list.loadMore}
            rowClassName={rowClassName}
            footer={footer}
          />
        )}
      </PagedDataState>
      {/* only the live lists name a failed "load older"; the others leave their rows as they are */}
      {list.live && query.isFetchNextPageError && (
        <p className="callout callout--error">
          Could not load older {noun}: {query.error?.message}
        </p>
      )}
    </>
  );
}
