/** Query keys in one place so invalidation cannot miss a spelling. */
export const authKeys = {
  all: ['auth'] as const,
  status: ['auth', 'status'] as const,
  me: ['auth', 'me'] as const,
};

export const resourceKeys = {
  tokens: ['tokens'] as const,
  users: ['users'] as const,
  directory: ['user-directory'] as const,
  groups: ['groups'] as const,
  invitations: ['invitations'] as const,
  templates: ['templates'] as const,
};

export interface WorkspaceFilters {
  state?: string;
  q?: string;
}

export const workspaceKeys = {
  all: ['workspaces'] as const,
  lists: ['workspaces', 'list'] as const,
  list: (filters: WorkspaceFilters) => ['workspaces', 'list', filters] as const,
  detail: (id: string) => ['workspaces', 'detail', id] as const,
};

export const terminalKeys = {
  list: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'terminals'] as const,
};
