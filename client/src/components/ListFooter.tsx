interface ListFooterProps {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
  count: number;
  trimmed?: boolean;
  onReload?: () => void;
  noun: string;
}

/** Under a long list: load older items, or say why we stopped (end of data, or the live window was trimmed). */
export function ListFooter({
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
  count,
  trimmed,
  onReload,
  noun,
}: ListFooterProps) {
  return (
    <div className="list-footer">
      <span className="muted">
        {count.toLocaleString()} {noun} shown
      </span>
      {hasNextPage ? (
        <button type="button" className="button" onClick={fetchNextPage} disabled={isFetchingNextPage}>
          {isFetchingNextPage ? 'Loading…' : 'Load older'}
        </button>
      ) : trimmed ? (
        <span className="muted">
          Older {noun} were dropped from this live view to keep it fast.{' '}
          {onReload && (
            <button type="button" className="button button--link" onClick={onReload}>
              Reload from the newest
            </button>
          )}
        </span>
      ) : (
        count > 0 && <span className="muted">That is all.</span>
      )}
    </div>
  );
}
