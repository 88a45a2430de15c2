import { isApiError } from '../lib/api.ts';

/** An error as the operator should see it: the server's message, plus Clerk's trace id when there is one. */
export function ErrorMessage({
  error,
  onRetry,
  title = 'Something went wrong',
}: {
  error: unknown;
  onRetry?: () => void;
  title?: string;
}) {
  const message = error instanceof Error ? error.message : String(error);
  const traceId = isApiError(error) ? error.clerkTraceId : undefined;
  const code = isApiError(error) ? error.code : undefined;
  return (
    <div className="callout callout--error" role="alert">
      <p className="callout__title">{title}</p>
      <p>{message}</p>
      {(code || traceId) && (
        <p className="muted small">
          {code && (
            <>
              Code: <code>{code}</code>
            </>
          )}
          {code && traceId && ' · '}
          {traceId && (
            <>
              Clerk trace id: <code className="selectable">{traceId}</code>
            </>
          )}
        </p>
      )}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
