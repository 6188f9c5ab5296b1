import { errorBody, turnDiff, turnDiffList, workspaceDiff, type WorkspaceDiff } from '@hangar/protocol';
import { useQuery } from '@tanstack/react-query';
import { ApiError, apiRequest } from './client';
import { sessionPath } from './sessions';
import { workspacePath } from './workspaces';

/** Query keys of diffs; a turn's diff never changes once the turn is over. */
export const diffKeys = {
  turns: (sessionId: string) => ['sessions', sessionId, 'turns'] as const,
  turn: (sessionId: string, turnId: string) => ['sessions', sessionId, 'turns', turnId] as const,
};

/** Server-sent `diff` events of the workspace's live diff (ids are its etag). */
export function diffEventsUrl(workspaceId: string): string {
  return `${workspacePath(workspaceId)}/diff/events`;
}

/** The live diff is unchanged since `etag` (a 304). */
export const UNCHANGED = Symbol('unchanged');

/**
 * The live diff, or UNCHANGED when it still has `etag`: what the Diff panel
 * polls with `If-None-Match` when the event stream cannot be kept open.
 */
export async function fetchWorkspaceDiff(
  workspaceId: string,
  etag: string | null,
  signal?: AbortSignal,
): Promise<WorkspaceDiff | typeof UNCHANGED> {
  let response: Response;
  try {
    response = await fetch(`${workspacePath(workspaceId)}/diff`, {
      headers: { accept: 'application/json', ...(etag && { 'if-none-match': `"${etag}"` }) },
      credentials: 'same-origin',
      signal,
    });
  } catch (cause) {
    if (signal?.aborted) throw cause;
    throw new ApiError(0, 'network_error', 'Cannot reach the Hangar server. Check your connection.');
  }
  if (response.status === 304) return UNCHANGED;
  const data: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const parsed = errorBody.safeParse(data);
    if (parsed.success) throw new ApiError(response.status, parsed.data.error.id, parsed.data.error.message);
    throw new ApiError(response.status, 'http_error', `The server answered ${response.status}.`);
  }
  return workspaceDiff.parse(data);
}

/** What each agent turn of a session changed (file lists and counts, no patches). */
export function useTurns(sessionId: string | null) {
  return useQuery({
    queryKey: diffKeys.turns(sessionId ?? ''),
    queryFn: ({ signal }) => apiRequest(`${sessionPath(sessionId ?? '')}/turns`, turnDiffList, { signal }),
    select: (data) => data.turns,
    enabled: sessionId !== null,
  });
}

/** One turn's diff with its patches. */
export function useTurnDiff(sessionId: string | null, turnId: string | null) {
  return useQuery({
    queryKey: diffKeys.turn(sessionId ?? '', turnId ?? ''),
    queryFn: ({ signal }) =>
      apiRequest(`${sessionPath(sessionId ?? '')}/turns/${encodeURIComponent(turnId ?? '')}/diff`, turnDiff, {
        signal,
      }),
    enabled: sessionId !== null && turnId !== null,
    staleTime: Infinity,
  });
}
