import {
  commitResult,
  gitBranches,
  gitCredential,
  gitCredentialList,
  okResponse,
  pullRequestDraft,
  pullRequestInfo,
  pullRequestList,
  pullResult,
  pushResult,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { workspacePath } from './workspaces';

/** Pull requests' CI and review state change on the forge, not here: look again this often, in ms. */
const PULLS_REFRESH_MS = 30_000;

export const gitKeys = {
  all: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'git'] as const,
  branches: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'git', 'branches'] as const,
  pulls: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'git', 'pulls'] as const,
  draft: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'git', 'draft'] as const,
  credentials: ['git-credentials'] as const,
};

function gitPath(workspaceId: string, suffix: string): string {
  return `${workspacePath(workspaceId)}/git/${suffix}`;
}

export function useBranches(workspaceId: string, enabled = true) {
  return useQuery({
    queryKey: gitKeys.branches(workspaceId),
    queryFn: ({ signal }) => apiRequest(gitPath(workspaceId, 'branches'), gitBranches, { signal }),
    enabled,
    retry: false,
  });
}

/** Anything that moves HEAD or a ref changes the branch picture, the pull requests and the draft. */
function useGitMutation<I, O>(workspaceId: string, mutationFn: (input: I) => Promise<O>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn,
    onSettled: () => client.invalidateQueries({ queryKey: gitKeys.all(workspaceId) }),
  });
}

/** `git init` in the workspace's sandbox; refused (409) when it is a repository already. */
export function useGitInit(workspaceId: string) {
  return useGitMutation(workspaceId, () =>
    apiRequest(gitPath(workspaceId, 'init'), gitBranches, { method: 'POST' }),
  );
}

export function useCreateBranch(workspaceId: string) {
  return useGitMutation(workspaceId, (body: { name: string; from?: string }) =>
    apiRequest(gitPath(workspaceId, 'branches'), gitBranches, { method: 'POST', body }),
  );
}

export function useSwitchBranch(workspaceId: string) {
  return useGitMutation(workspaceId, (name: string) =>
    apiRequest(gitPath(workspaceId, 'switch'), gitBranches, { method: 'POST', body: { name } }),
  );
}

export function useCommit(workspaceId: string) {
  return useGitMutation(workspaceId, (body: { message: string; files?: string[] }) =>
    apiRequest(gitPath(workspaceId, 'commit'), commitResult, { method: 'POST', body }),
  );
}

export function usePush(workspaceId: string) {
  return useGitMutation(workspaceId, (body: { remote?: string; force?: boolean }) =>
    apiRequest(gitPath(workspaceId, 'push'), pushResult, { method: 'POST', body }),
  );
}

export function usePull(workspaceId: string) {
  return useGitMutation(workspaceId, (body: { mode?: 'ff-only' | 'merge' }) =>
    apiRequest(gitPath(workspaceId, 'pull'), pullResult, { method: 'POST', body }),
  );
}

export function useFetchRemote(workspaceId: string) {
  return useGitMutation(workspaceId, (remote: string) =>
    apiRequest(gitPath(workspaceId, 'fetch'), gitBranches, { method: 'POST', body: { remote } }),
  );
}

/** A title and body for a new pull request, and which forge (if any) the remote is on. */
export function usePullDraft(workspaceId: string, enabled = true) {
  return useQuery({
    queryKey: gitKeys.draft(workspaceId),
    queryFn: ({ signal }) => apiRequest(gitPath(workspaceId, 'pulls/draft'), pullRequestDraft, { signal }),
    enabled,
    retry: false,
  });
}

/** The branch's pull requests with CI and review state; only asked for when a forge and a token are there. */
export function usePulls(workspaceId: string, enabled: boolean) {
  return useQuery({
    queryKey: gitKeys.pulls(workspaceId),
    queryFn: ({ signal }) => apiRequest(gitPath(workspaceId, 'pulls'), pullRequestList, { signal }),
    enabled,
    retry: false,
    refetchInterval: PULLS_REFRESH_MS,
  });
}

export function useCreatePull(workspaceId: string) {
  return useGitMutation(workspaceId, (body: { title: string; body: string; base?: string; draft: boolean }) =>
    apiRequest(gitPath(workspaceId, 'pulls'), pullRequestInfo, { method: 'POST', body }),
  );
}

export function useGitCredentials() {
  return useQuery({
    queryKey: gitKeys.credentials,
    queryFn: ({ signal }) => apiRequest('/api/me/git-credentials', gitCredentialList, { signal }),
    select: (data) => data.credentials,
  });
}

/** Stores a token for a host; the forge's `hasCredential` in every workspace changes with it. */
export function useSetGitCredential() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { host: string; username: string; token: string; label?: string }) =>
      apiRequest('/api/me/git-credentials', gitCredential, { method: 'POST', body }),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: gitKeys.credentials }),
        // Every workspace's git queries (their forge's `hasCredential`).
        client.invalidateQueries({ predicate: (query) => query.queryKey[3] === 'git' }),
      ]),
  });
}

export function useDeleteGitCredential() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/me/git-credentials/${encodeURIComponent(id)}`, okResponse, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: gitKeys.credentials }),
  });
}
