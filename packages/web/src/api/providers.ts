import { okResponse, providerList } from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { resourceKeys } from './keys';

export type Provider = ReturnType<typeof providerList.parse>['providers'][number];

export function useProviders() {
  return useQuery({
    queryKey: resourceKeys.providers,
    queryFn: ({ signal }) => apiRequest('/api/admin/providers', providerList, { signal }),
    select: (data) => data.providers,
  });
}

function keyPath(name: string): string {
  return `/api/admin/providers/${encodeURIComponent(name)}/key`;
}

/** The key goes to the server and nowhere else: not into the query cache, not into any response. */
export function useSetProviderKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, key }: { name: string; key: string }) =>
      apiRequest(keyPath(name), okResponse, { method: 'PUT', body: { key } }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.providers }),
  });
}

export function useRemoveProviderKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => apiRequest(keyPath(name), okResponse, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.providers }),
  });
}
