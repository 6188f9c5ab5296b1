import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ErrorAlert } from '../../components/alert';
import {
  completeMention,
  mentionAt,
  mentionCandidates,
  type Mentionable,
  type MentionQuery,
} from './mention-complete';

/** What `@agent` stands for in the suggestions. */
export const AGENT_MENTION: Mentionable = {
  username: 'agent',
  displayName: 'Agent (sends the message to it)',
};

/**
 * The chat's message box: Enter sends, Shift+Enter breaks the line, and `@`
 * suggests members and the agent (↑/↓ to choose, Enter or Tab to take one).
 */
export function ChatComposer({
  members,
  disabled,
  disabledReason,
  initialText = '',
  submitLabel = 'Send',
  onSend,
  onCancel,
}: {
  members: readonly Mentionable[];
  disabled: boolean;
  disabledReason?: string;
  initialText?: string;
  submitLabel?: string;
  onSend: (text: string) => Promise<unknown>;
  onCancel?: () => void;
}) {
  const id = useId();
  const [text, setText] = useState(initialText);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [query, setQuery] = useState<MentionQuery | null>(null);
  const [active, setActive] = useState(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const candidates = query ? mentionCandidates([AGENT_MENTION, ...members], query.query) : [];
  const open = candidates.length > 0;

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const message = text.trim();
    if (!message || sending) return;
    setSending(true);
    setError(null);
    try {
      await onSend(message);
      setText('');
      setQuery(null);
    } catch (cause) {
      setError(cause);
    } finally {
      setSending(false);
    }
  }

  function track(value: string, caret: number) {
    const next = mentionAt(value, caret);
    setQuery(next);
    if (next?.query !== query?.query) setActive(0);
  }

  function choose(candidate: Mentionable) {
    const caret = box.current?.selectionStart ?? text.length;
    if (!query) return;
    const done = completeMention(text, caret, query, candidate.username);
    setText(done.text);
    setQuery(null);
    requestAnimationFrame(() => box.current?.setSelectionRange(done.caret, done.caret));
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (open) {
      const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        setActive((active + moves[event.key]! + candidates.length) % candidates.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        choose(candidates[active] ?? candidates[0]!);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setQuery(null);
        return;
      }
    }
    if (event.key === 'Escape' && onCancel) onCancel();
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  }

  return (
    <form className="chat-composer" onSubmit={send}>
      <label htmlFor={`${id}-text`} className="visually-hidden">
        Chat message
      </label>
      <textarea
        id={`${id}-text`}
        ref={box}
        rows={2}
        value={text}
        disabled={disabled}
        role="combobox"
        aria-expanded={open}
        aria-controls={`${id}-mentions`}
        aria-autocomplete="list"
        aria-activedescendant={open ? `${id}-mention-${active}` : undefined}
        placeholder={
          disabled ? disabledReason : 'Message the workspace… (@ to mention, @agent to ask the agent)'
        }
        onChange={(event) => {
          setText(event.target.value);
          track(event.target.value, event.target.selectionStart);
        }}
        onSelect={(event) => track(event.currentTarget.value, event.currentTarget.selectionStart)}
        onBlur={() => setTimeout(() => setQuery(null), 150)}
        onKeyDown={onKeyDown}
      />
      <ul
        id={`${id}-mentions`}
        role="listbox"
        aria-label="Mention suggestions"
        className="mention-list"
        hidden={!open}
      >
        {candidates.map((candidate, index) => (
          <li
            key={candidate.username}
            id={`${id}-mention-${index}`}
            role="option"
            aria-selected={index === active}
            className={index === active ? 'mention-option active' : 'mention-option'}
            onMouseDown={(event) => {
              event.preventDefault();
              choose(candidate);
            }}
          >
            <strong>@{candidate.username}</strong>{' '}
            <span className="muted small">{candidate.displayName}</span>
          </li>
        ))}
      </ul>
      <div className="chat-composer-actions">
        {onCancel ? (
          <button type="button" className="button button-small" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        <button
          type="submit"
          className="button button-primary button-small"
          disabled={disabled || sending || !text.trim()}
        >
          {submitLabel}
        </button>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
    </form>
  );
}
