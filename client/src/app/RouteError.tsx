import { isRouteErrorResponse, Link, useRouteError } from 'react-router';
import { ErrorMessage } from '../components/ErrorMessage.tsx';

export function RouteError() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  // a new deploy replaced the lazily loaded page files: a reload fetches the new ones
  const staleChunk =
    error instanceof TypeError && /dynamically imported module|Importing a module script failed/i.test(error.message);
  return (
    <main className="page" id="main">
      <h1>{notFound ? 'Page not found' : 'This page failed to load'}</h1>
      {notFound ? (
        <p>There is nothing at this address.</p>
      ) : (
        <ErrorMessage error={error} onRetry={staleChunk ? () => window.location.reload() : undefined} />
      )}
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </main>
  );
}

export function NotFoundPage() {
  return (
    <>
      <title>Not found · Clerk Sync Monitor</title>
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </>
  );
}
