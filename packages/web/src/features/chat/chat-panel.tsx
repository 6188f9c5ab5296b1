import type { ChatMessage, Workspace } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import {
  chatKeys,
  deleteChatMessage,
  editChatMessage,
  markChatRead,
  postChatMessage,
  useChatMembers,
} from '../../api/chat';
import { ErrorAlert } from '../../components/alert';
import { useSession } from '../auth/session';
import { ChatComposer } from './chat-composer';
import { ChatMessageView } from './chat-message';
import { useChatStream } from './use-chat-stream';
import './chat.css';

/**
 * The workspace chat: people, the agent (`@agent …`), the workspace's own
 * scripts (hangar-chat) and Hangar's session events in one stream.
 */
export function ChatPanel({ workspace, canPost }: { workspace: Workspace; canPost: boolean }) {
  const { user } = useSession();
  const chat = useChatStream(workspace.id);
  const members = useChatMembers(workspace.id);
  const client = useQueryClient();
  const [editing, setEditing] = useState<number | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const log = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const last = chat.messages.at(-1)?.id ?? 0;

  // Follow new messages while scrolled to the bottom; leave the reader alone when scrolled up.
  useEffect(() => {
    const node = log.current;
    if (node && stick.current) node.scrollTop = node.scrollHeight;
  }, [chat.messages.length]);

  // Reading the panel marks what it shows as read.
  useEffect(() => {
    if (!last || document.visibilityState === 'hidden') return;
    const timer = setTimeout(() => {
      void markChatRead(workspace.id, last)
        .then((unread) => client.setQueryData(chatKeys.unread(workspace.id), unread))
        .catch(() => undefined);
    }, 300);
    return () => clearTimeout(timer);
  }, [workspace.id, last, client]);

  const run = async (action: () => Promise<ChatMessage>) => {
    setActionError(null);
    try {
      chat.apply(await action());
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <section className="card chat-panel" aria-labelledby="chat-heading">
      <header className="chat-panel-head">
        <h2 id="chat-heading">Chat</h2>
        <span
          className={chat.connected ? 'chat-live' : 'chat-live chat-live-off'}
          title={chat.connected ? 'Live' : 'Reconnecting…'}
        >
          {chat.connected ? 'live' : 'offline'}
        </span>
      </header>
      <div
        ref={log}
        className="chat-log"
        role="log"
        aria-label="Workspace chat"
        aria-live="polite"
        tabIndex={0}
        onScroll={(event) => {
          const node = event.currentTarget;
          stick.current = node.scrollHeight - node.scrollTop - node.clientHeight < 40;
        }}
      >
        {chat.hasOlder ? (
          <button
            type="button"
            className="button button-small chat-older"
            onClick={() => void chat.loadOlder()}
          >
            Show earlier messages
          </button>
        ) : null}
        {chat.loading ? <p className="muted small">Loading the chat…</p> : null}
        <ErrorAlert error={chat.error} />
        {!chat.loading && chat.messages.length === 0 ? (
          <p className="muted small">No messages yet. Say hello, or ask the agent with @agent.</p>
        ) : null}
        {chat.messages.map((message) =>
          editing === message.id ? (
            <ChatComposer
              key={message.id}
              members={members.data ?? []}
              disabled={false}
              initialText={message.text}
              submitLabel="Save"
              onCancel={() => setEditing(null)}
              onSend={async (text) => {
                chat.apply(await editChatMessage(workspace.id, message.id, text));
                setEditing(null);
              }}
            />
          ) : (
            <ChatMessageView
              key={message.id}
              message={message}
              mine={message.author?.userId === user.id}
              mentionsMe={message.mentions.includes(user.id)}
              onEdit={canPost ? () => setEditing(message.id) : undefined}
              onDelete={
                canPost ? () => void run(() => deleteChatMessage(workspace.id, message.id)) : undefined
              }
            />
          ),
        )}
      </div>
      <ErrorAlert error={actionError} />
      <ChatComposer
        members={members.data ?? []}
        disabled={!canPost}
        disabledReason="Viewers can read the chat but not post to it."
        onSend={async (text) => {
          stick.current = true;
          chat.apply(await postChatMessage(workspace.id, text));
        }}
      />
    </section>
  );
}
