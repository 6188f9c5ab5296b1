import { groupList } from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, ignoreBody } from './client';
import { resourceKeys } from './keys';

export function useGroups() {
  return useQuery({
    queryKey: resourceKeys.groups,
    queryFn: ({ signal }) => apiRequest('/api/groups', groupList, { signal }),
    select: (data) => data.groups,
  });
}

function groupPath(id: string): string {
  return `/api/groups/${encodeURIComponent(id)}`;
}

/** Every group mutation refreshes the list; the list is small and shows members. */
function useGroupMutation<V>(request: (variables: V) => Promise<void>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: request,
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.groups }),
  });
}

export function useCreateGroup() {
  return useGroupMutation((body: { name: string; description: string }) =>
    apiRequest('/api/groups', ignoreBody, { method: 'POST', body }),
  );
}

export function useDeleteGroup() {
  return useGroupMutation((id: string) => apiRequest(groupPath(id), ignoreBody, { method: 'DELETE' }));
}

export function useAddGroupMember() {
  return useGroupMutation(({ groupId, userId }: { groupId: string; userId: string }) =>
    apiRequest(`${groupPath(groupId)}/members/${encodeURIComponent(userId)}`, ignoreBody, { method: 'PUT' }),
  );
}

export function useRemoveGroupMember() {
  return useGroupMutation(({ groupId, userId }: { groupId: string; userId: string }) =>
    apiRequest(`${groupPath(groupId)}/members/${encodeURIComponent(userId)}`, ignoreBody, {
      method: 'DELETE',
    }),
  );
}
