/** Query keys in one place so invalidation cannot miss a spelling. */
export const authKeys = {
  all: ['auth'] as const,
  status: ['auth', 'status'] as const,
  me: ['auth', 'me'] as const,
};

export const resourceKeys = {
  tokens: ['tokens'] as const,
  users: ['users'] as const,
  groups: ['groups'] as const,
  invitations: ['invitations'] as const,
};
