import { chatMessage, type ChatMessage } from '@hangar/protocol';
import { useCallback, useEffect, useState } from 'react';
import { fetchChatPage } from '../../api/chat';
import { subscribeWorkspaceLive } from '../presence/workspace-live';

export interface ChatState {
  /** Oldest first, each id once. */
  messages: ChatMessage[];
  hasOlder: boolean;
  loading: boolean;
  error: unknown;
  connected: boolean;
}

/** Adds or replaces messages by id, keeping them in id order. */
export function mergeMessages(
  current: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): ChatMessage[] {
  const byId = new Map(current.map((m) => [m.id, m]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/**
 * The latest page of the workspace chat, then new messages and edits live
 * over the page's live stream (shared with presence). Each time the stream
 * (re)opens, what came after the newest message shown is fetched, so a
 * message posted while it was connecting is not missed; merging by id makes
 * a message seen twice harmless. Older pages load on demand with `before`.
 */
export function useChatStream(workspaceId: string) {
  const [state, setState] = useState<ChatState>({
    messages: [],
    hasOlder: false,
    loading: true,
    error: null,
    connected: false,
  });

  useEffect(() => {
    const controller = new AbortController();
    let newest = 0;
    setState({ messages: [], hasOlder: false, loading: true, error: null, connected: false });
    const merge = (incoming: readonly ChatMessage[]) => {
      for (const m of incoming) newest = Math.max(newest, m.id);
      setState((current) => ({ ...current, messages: mergeMessages(current.messages, incoming) }));
    };
    const catchUp = async () => {
      for (;;) {
        const page = await fetchChatPage(workspaceId, { after: newest }, controller.signal);
        merge(page.messages);
        if (!page.hasMore) return;
      }
    };
    const unsubscribe = subscribeWorkspaceLive(workspaceId, ({ type, data }) => {
      if (type === 'open') {
        setState((current) => ({ ...current, connected: true }));
        if (newest > 0) void catchUp().catch(() => undefined);
        return;
      }
      if (type === 'error') setState((current) => ({ ...current, connected: false }));
      if (type !== 'message' && type !== 'message_updated') return;
      const parsed = chatMessage.safeParse(data);
      if (parsed.success && parsed.data.workspaceId === workspaceId) merge([parsed.data]);
    });
    fetchChatPage(workspaceId, {}, controller.signal)
      .then((page) => {
        merge(page.messages);
        setState((current) => ({ ...current, hasOlder: page.hasMore, loading: false }));
        return catchUp();
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState((current) => ({ ...current, loading: false, error }));
      });
    return () => {
      controller.abort();
      unsubscribe();
    };
  }, [workspaceId]);

  const first = state.messages[0]?.id;
  const loadOlder = useCallback(async () => {
    if (first === undefined) return;
    const page = await fetchChatPage(workspaceId, { before: first });
    setState((current) => ({
      ...current,
      messages: mergeMessages(current.messages, page.messages),
      hasOlder: page.hasMore,
    }));
  }, [workspaceId, first]);

  /** Shows a message the server returned (a post, an edit) before its event arrives. */
  const apply = useCallback(
    (message: ChatMessage) =>
      setState((current) => ({ ...current, messages: mergeMessages(current.messages, [message]) })),
    [],
  );

  return { ...state, loadOlder, apply };
}
