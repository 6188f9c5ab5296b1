import type { ChatMessage } from '@hangar/protocol';
import { MarkdownView } from '../agent/markdown-view';

const TYPE_LABEL: Record<ChatMessage['type'], string> = {
  user: '',
  agent: 'agent',
  system: 'event',
  bot: 'bot',
};

function authorName(message: ChatMessage): string {
  if (message.type === 'user') return message.author?.displayName ?? 'Former member';
  if (message.type === 'bot') return message.botName ?? 'workspace';
  if (message.type === 'agent') return 'Agent';
  return 'Hangar';
}

function time(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ''
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * One chat message. Its text is Markdown rendered by the agent panel's
 * reader into React elements: HTML in it is shown as text, and only http(s)
 * and mailto links become links.
 */
export function ChatMessageView({
  message,
  mine,
  mentionsMe,
  onEdit,
  onDelete,
}: {
  message: ChatMessage;
  mine: boolean;
  mentionsMe: boolean;
  onEdit?: (() => void) | undefined;
  onDelete?: (() => void) | undefined;
}) {
  const label = TYPE_LABEL[message.type];
  const classes = ['chat-message', `chat-message-${message.type}`];
  if (mentionsMe) classes.push('chat-message-mention');
  if (mine) classes.push('chat-message-mine');
  return (
    <article className={classes.join(' ')} aria-label={`${authorName(message)}: message ${message.id}`}>
      <header className="chat-message-head">
        <strong className="chat-author">{authorName(message)}</strong>
        {label ? <span className="badge">{label}</span> : null}
        <time className="muted small" dateTime={message.createdAt}>
          {time(message.createdAt)}
        </time>
        {message.editedAt && !message.deletedAt ? <span className="muted small">(edited)</span> : null}
        {mine && !message.deletedAt && (onEdit || onDelete) ? (
          <span className="chat-message-actions">
            {onEdit ? (
              <button type="button" className="chat-link-button small" onClick={onEdit}>
                Edit
              </button>
            ) : null}
            {onDelete ? (
              <button type="button" className="chat-link-button small" onClick={onDelete}>
                Delete
              </button>
            ) : null}
          </span>
        ) : null}
      </header>
      {message.deletedAt ? (
        <p className="muted small">This message was deleted.</p>
      ) : message.type === 'system' ? (
        <p className="chat-system-text">{message.text}</p>
      ) : (
        <MarkdownView text={message.text} />
      )}
    </article>
  );
}
