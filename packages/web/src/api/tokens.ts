import { apiTokenList, createdToken, okResponse, type CreateTokenRequest } from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { resourceKeys } from './keys';

export function useTokens() {
  return useQuery({
    queryKey: resourceKeys.tokens,
    queryFn: ({ signal }) => apiRequest('/api/tokens', apiTokenList, { signal }),
    select: (data) => data.tokens,
  });
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateTokenRequest) =>
      apiRequest('/api/tokens', createdToken, { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.tokens }),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/tokens/${encodeURIComponent(id)}`, okResponse, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.tokens }),
  });
}
