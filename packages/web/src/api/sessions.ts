import {
  agentList,
  okResponse,
  session,
  sessionList,
  sessionWithEvents,
  type PermissionDecision,
  type PermissionModeName,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { sessionKeys } from './keys';

/** How often to look for sessions other people started or whose status changed, in milliseconds. */
const REFRESH_MS = 5_000;

export function sessionPath(sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}`;
}

/** Server-sent events of a session after event `after` (the stored ids increase). */
export function sessionEventsUrl(sessionId: string, after: number): string {
  return `${sessionPath(sessionId)}/events?after=${after}`;
}

export function useAgents() {
  return useQuery({
    queryKey: sessionKeys.agents,
    queryFn: ({ signal }) => apiRequest('/api/agents', agentList, { signal }),
    select: (data) => data.agents,
    staleTime: 60_000,
  });
}

export function useSessions(workspaceId: string) {
  return useQuery({
    queryKey: sessionKeys.list(workspaceId),
    queryFn: ({ signal }) =>
      apiRequest(`/api/sessions?workspace=${encodeURIComponent(workspaceId)}`, sessionList, { signal }),
    select: (data) => data.sessions,
    refetchInterval: REFRESH_MS,
  });
}

/** The session with every stored event so far: the snapshot a late joiner starts from. */
export function fetchSessionSnapshot(sessionId: string, signal?: AbortSignal) {
  return apiRequest(sessionPath(sessionId), sessionWithEvents, { signal });
}

export interface CreateSessionInput {
  workspaceId: string;
  agent: string;
  model?: string;
  prompt?: string;
  permissionMode: PermissionModeName;
}

export function useCreateSession(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateSessionInput) => apiRequest('/api/sessions', session, { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: sessionKeys.list(workspaceId) }),
  });
}

export function sendSessionMessage(sessionId: string, text: string) {
  return apiRequest(`${sessionPath(sessionId)}/messages`, okResponse, { method: 'POST', body: { text } });
}

export type SessionAction = 'interrupt' | 'stop' | 'restart';

export function useSessionAction(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ sessionId, action }: { sessionId: string; action: SessionAction }) =>
      apiRequest(`${sessionPath(sessionId)}/${action}`, okResponse, { method: 'POST' }),
    onSettled: () => client.invalidateQueries({ queryKey: sessionKeys.list(workspaceId) }),
  });
}

export interface PermissionAnswer {
  requestId: string;
  decision: PermissionDecision;
  reason?: string;
}

export function answerPermission(sessionId: string, answer: PermissionAnswer) {
  return apiRequest(`${sessionPath(sessionId)}/permissions`, okResponse, { method: 'POST', body: answer });
}
