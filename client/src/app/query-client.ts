import { QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError } from '../lib/api.ts';
import { queryKeys } from '../lib/query-keys.ts';

export function createQueryClient(): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        // the session ended (expired, signed out elsewhere): re-check who is signed in; the layout redirects
        if (isApiError(error) && error.status === 401 && query.queryKey[0] !== queryKeys.me[0]) {
          void queryClient.invalidateQueries({ queryKey: queryKeys.me });
        }
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // client errors will not fix themselves by retrying
        retry: (count, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
  return queryClient;
}
