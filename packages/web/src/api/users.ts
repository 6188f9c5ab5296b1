import { user, userDirectory, userList, type UpdateUserRequest } from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { authKeys, resourceKeys } from './keys';

export function useUsers() {
  return useQuery({
    queryKey: resourceKeys.users,
    queryFn: ({ signal }) => apiRequest('/api/users', userList, { signal }),
    select: (data) => data.users,
  });
}

function userPath(id: string): string {
  return `/api/users/${encodeURIComponent(id)}`;
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: UpdateUserRequest & { id: string }) =>
      apiRequest(userPath(id), user, { method: 'PATCH', body }),
    onSuccess: async () => {
      // The admin may have changed their own role or name.
      await Promise.all([
        client.invalidateQueries({ queryKey: resourceKeys.users }),
        client.invalidateQueries({ queryKey: authKeys.me }),
      ]);
    },
  });
}

export function useUnlockUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiRequest(`${userPath(id)}/unlock`, user, { method: 'POST' }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.users }),
  });
}

/** Everyone a signed-in user may add to a workspace. */
export function useUserDirectory(enabled = true) {
  return useQuery({
    queryKey: resourceKeys.directory,
    queryFn: ({ signal }) => apiRequest('/api/users/directory', userDirectory, { signal }),
    select: (data) => data.users,
    enabled,
  });
}
