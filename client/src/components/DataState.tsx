import type { ReactNode } from 'react';
import { ErrorMessage } from './ErrorMessage.tsx';

interface DataStateProps {
  isPending: boolean;
  error: unknown;
  /** data is present (an error then is a failed refresh: keep showing the data, with the error above it) */
  hasData?: boolean;
  isEmpty?: boolean;
  empty?: ReactNode;
  onRetry?: () => void;
  loadingLabel?: string;
  children: ReactNode;
}

/** The loading, error and empty states every data view needs, in one place. */
export function DataState({
  isPending,
  error,
  hasData = false,
  isEmpty,
  empty,
  onRetry,
  loadingLabel = 'Loading…',
  children,
}: DataStateProps) {
  if (isPending && !error) return <Loading label={loadingLabel} />;
  if (error && !hasData) return <ErrorMessage error={error} onRetry={onRetry} />;
  return (
    <>
      {error ? <ErrorMessage error={error} onRetry={onRetry} title="Could not refresh" /> : null}
      {isEmpty ? <div className="empty">{empty ?? 'Nothing here yet.'}</div> : children}
    </>
  );
}

/** The part of an infinite query that `PagedDataState` reads. */
interface PagedQuery {
  isPending: boolean;
  error: Error | null;
  isFetchNextPageError: boolean;
  data: unknown;
  refetch: () => Promise<unknown>;
}

type PagedDataStateProps = Omit<DataStateProps, 'isPending' | 'error' | 'hasData' | 'onRetry'> & { query: PagedQuery };

/** DataState for an infinite query: failing to load older pages is not a failed list, so its rows stay on screen. */
export function PagedDataState({ query, ...rest }: PagedDataStateProps) {
  return (
    <DataState
      isPending={query.isPending}
      error={query.isFetchNextPageError ? null : query.error}
      hasData={!!query.data}
      onRetry={() => void query.refetch()}
      {...rest}
    />
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}
