import {
  execResult,
  okResponse,
  templateList,
  workspace,
  workspaceList,
  type CreateWorkspaceRequest,
  type Workspace,
  type WorkspaceRole,
  type WorkspaceState,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { resourceKeys, workspaceKeys, type WorkspaceFilters } from './keys';

/** How often to ask again while the server is still creating or deleting, in milliseconds. */
const POLL_MS = 1000;

const isBusy = (state: WorkspaceState) => state === 'creating' || state === 'deleting';

export function useTemplates() {
  return useQuery({
    queryKey: resourceKeys.templates,
    queryFn: ({ signal }) => apiRequest('/api/templates', templateList, { signal }),
    staleTime: 5 * 60_000,
  });
}

export function useWorkspaces(filters: WorkspaceFilters) {
  const query = new URLSearchParams();
  if (filters.state) query.set('state', filters.state);
  if (filters.q) query.set('q', filters.q);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return useQuery({
    queryKey: workspaceKeys.list(filters),
    queryFn: ({ signal }) => apiRequest(`/api/workspaces${search}`, workspaceList, { signal }),
    refetchInterval: (q) => (q.state.data?.workspaces.some((w) => isBusy(w.state)) ? POLL_MS : false),
    // Keep showing the previous results while a new filter loads, instead of flashing "Loading".
    placeholderData: (previous) => previous,
  });
}

export function workspacePath(id: string): string {
  return `/api/workspaces/${encodeURIComponent(id)}`;
}

export function useWorkspace(id: string) {
  return useQuery({
    queryKey: workspaceKeys.detail(id),
    queryFn: ({ signal }) => apiRequest(workspacePath(id), workspace, { signal }),
    refetchInterval: (q) => (q.state.data && isBusy(q.state.data.state) ? POLL_MS : false),
  });
}

/** A change the server answers with the updated workspace: cache it, and let the lists refresh. */
function useWorkspaceMutation<V>(request: (variables: V) => Promise<Workspace>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: request,
    onSuccess: async (updated) => {
      client.setQueryData(workspaceKeys.detail(updated.id), updated);
      await client.invalidateQueries({ queryKey: workspaceKeys.lists });
    },
  });
}

export function useCreateWorkspace() {
  return useWorkspaceMutation((body: CreateWorkspaceRequest) =>
    apiRequest('/api/workspaces', workspace, { method: 'POST', body }),
  );
}

export type WorkspaceAction = 'start' | 'stop' | 'archive' | 'restore' | 'retry';

export function useWorkspaceAction(id: string) {
  return useWorkspaceMutation((action: WorkspaceAction) =>
    apiRequest(`${workspacePath(id)}/${action}`, workspace, { method: 'POST' }),
  );
}

export function useRenameWorkspace(id: string) {
  return useWorkspaceMutation((name: string) =>
    apiRequest(workspacePath(id), workspace, { method: 'PATCH', body: { name } }),
  );
}

export function useSetMember(id: string) {
  return useWorkspaceMutation(({ userId, role }: { userId: string; role: WorkspaceRole }) =>
    apiRequest(`${workspacePath(id)}/members/${encodeURIComponent(userId)}`, workspace, {
      method: 'PUT',
      body: { role },
    }),
  );
}

export function useRemoveMember(id: string) {
  return useWorkspaceMutation((userId: string) =>
    apiRequest(`${workspacePath(id)}/members/${encodeURIComponent(userId)}`, workspace, {
      method: 'DELETE',
    }),
  );
}

export function useDeleteWorkspace(id: string) {
  const client = useQueryClient();
  return useMutation({
    /** `confirm` repeats the workspace's name, as the server requires. */
    mutationFn: (confirm: string) =>
      apiRequest(workspacePath(id), okResponse, { method: 'DELETE', body: { confirm } }),
    onSuccess: () => client.invalidateQueries({ queryKey: workspaceKeys.lists }),
  });
}

export function useExec(id: string) {
  return useMutation({
    mutationFn: (command: string[]) =>
      apiRequest(`${workspacePath(id)}/exec`, execResult, { method: 'POST', body: { command } }),
  });
}
