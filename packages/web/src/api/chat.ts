import { chatMemberList, chatMessage, chatPage, chatUnread, type ChatPage } from '@hangar/protocol';
import { useQuery } from '@tanstack/react-query';
import { apiRequest } from './client';

/** How often the unread count is refreshed while the chat is not open, in milliseconds. */
const UNREAD_REFRESH_MS = 15_000;

export function chatPath(workspaceId: string): string {
  return `/api/workspaces/${encodeURIComponent(workspaceId)}/chat`;
}

export const chatKeys = {
  members: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'chat-members'] as const,
  unread: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'chat-unread'] as const,
};

/** A page of messages, oldest first: the latest, or those before/after an id. */
export function fetchChatPage(
  workspaceId: string,
  cursor: { before?: number; after?: number },
  signal?: AbortSignal,
): Promise<ChatPage> {
  const params = new URLSearchParams({ limit: '50' });
  if (cursor.before !== undefined) params.set('before', String(cursor.before));
  if (cursor.after !== undefined) params.set('after', String(cursor.after));
  return apiRequest(`${chatPath(workspaceId)}/messages?${params}`, chatPage, { signal });
}

export function postChatMessage(workspaceId: string, text: string) {
  return apiRequest(`${chatPath(workspaceId)}/messages`, chatMessage, { method: 'POST', body: { text } });
}

export function editChatMessage(workspaceId: string, id: number, text: string) {
  return apiRequest(`${chatPath(workspaceId)}/messages/${id}`, chatMessage, {
    method: 'PATCH',
    body: { text },
  });
}

export function deleteChatMessage(workspaceId: string, id: number) {
  return apiRequest(`${chatPath(workspaceId)}/messages/${id}`, chatMessage, { method: 'DELETE' });
}

export function markChatRead(workspaceId: string, lastReadId: number) {
  return apiRequest(`${chatPath(workspaceId)}/read`, chatUnread, { method: 'POST', body: { lastReadId } });
}

export function useChatMembers(workspaceId: string) {
  return useQuery({
    queryKey: chatKeys.members(workspaceId),
    queryFn: ({ signal }) => apiRequest(`${chatPath(workspaceId)}/members`, chatMemberList, { signal }),
    select: (data) => data.members,
    staleTime: 60_000,
  });
}

export function useChatUnread(workspaceId: string) {
  return useQuery({
    queryKey: chatKeys.unread(workspaceId),
    queryFn: ({ signal }) => apiRequest(`${chatPath(workspaceId)}/unread`, chatUnread, { signal }),
    refetchInterval: UNREAD_REFRESH_MS,
  });
}
