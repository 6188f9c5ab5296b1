import {
  authStatus,
  me,
  okResponse,
  type AuthStatus,
  type ChangePasswordRequest,
  type LoginRequest,
  type Me,
  type SetupRequest,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { apiRequest, isApiError } from './client';
import { authKeys } from './keys';

export function useAuthStatus() {
  return useQuery({
    queryKey: authKeys.status,
    queryFn: ({ signal }) => apiRequest('/api/auth/status', authStatus, { signal }),
    staleTime: Infinity,
  });
}

/** The logged-in user, or null when there is no session. */
export function useMe(enabled = true) {
  return useQuery({
    queryKey: authKeys.me,
    queryFn: async ({ signal }): Promise<Me | null> => {
      try {
        return await apiRequest('/api/me', me, { signal });
      } catch (error) {
        if (isApiError(error, 'unauthenticated')) return null;
        throw error;
      }
    },
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** A new session belongs to a (possibly) different user: drop everything cached for the old one. */
export function startSession(client: QueryClient, session: Me | null): void {
  client.removeQueries({ predicate: (query) => query.queryKey[0] !== authKeys.all[0] });
  client.setQueryData(authKeys.me, session);
}

export function useSetup() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: SetupRequest) => apiRequest('/api/auth/setup', me, { method: 'POST', body }),
    onSuccess: (session) => {
      client.setQueryData<AuthStatus>(authKeys.status, (old) => old && { ...old, setupRequired: false });
      startSession(client, session);
    },
    onError: (error) => {
      // Someone else finished setup meanwhile: refresh so the app leaves /setup.
      if (isApiError(error, 'setup_done')) void client.invalidateQueries({ queryKey: authKeys.status });
    },
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: LoginRequest) => apiRequest('/api/auth/login', me, { method: 'POST', body }),
    onSuccess: (session) => startSession(client, session),
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiRequest('/api/auth/logout', okResponse, { method: 'POST' }),
    onSuccess: () => startSession(client, null),
  });
}

export function useUpdateMe() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { displayName?: string; email?: string | null }) =>
      apiRequest('/api/me', me, { method: 'PATCH', body }),
    onSuccess: (session) => client.setQueryData(authKeys.me, session),
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: ChangePasswordRequest) =>
      apiRequest('/api/me/password', okResponse, { method: 'POST', body }),
  });
}
