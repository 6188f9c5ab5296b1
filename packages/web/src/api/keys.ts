import type { UsageGroup } from '@hangar/protocol';

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
  providers: ['providers'] as const,
  budgets: ['budgets'] as const,
};

export interface UsageFilters {
  by: UsageGroup;
  /** Inclusive start and exclusive end, as the API takes them (YYYY-MM-DD, UTC). */
  from: string;
  to: string;
}

export const usageKeys = {
  all: ['usage'] as const,
  report: (filters: UsageFilters) => ['usage', filters] as const,
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

export const sessionKeys = {
  agents: ['agents'] as const,
  list: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'sessions'] as const,
  detail: (sessionId: string) => ['sessions', sessionId] as const,
};
