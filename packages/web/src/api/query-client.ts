import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError, isApiError } from './client';
import { authKeys } from './keys';

/**
 * When the session ends underneath us (expired, revoked by logout elsewhere,
 * user disabled), any request answers `unauthenticated`. Forget the user so
 * the router sends the person to the login page.
 */
function onError(error: unknown): void {
  if (isApiError(error, 'unauthenticated')) queryClient.setQueryData(authKeys.me, null);
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A 4xx will not change by asking again; network and 5xx errors might.
      retry: (failures, error) =>
        failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});
