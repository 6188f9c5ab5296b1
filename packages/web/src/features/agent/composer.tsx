import { useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ErrorAlert } from '../../components/alert';

/**
 * The message box: Enter sends, Shift+Enter breaks the line, ↑ in an empty
 * box (or at its start) recalls earlier messages and ↓ goes back.
 */
export function Composer({
  history,
  disabled,
  hint,
  onSend,
}: {
  history: readonly string[];
  disabled: boolean;
  /** What becomes of a message now (steered into the running turn, or run after it). */
  hint?: string | null;
  onSend: (text: string) => Promise<unknown>;
}) {
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // How far back ↑ has gone: history.length means "the draft being written".
  const recall = useRef<number | null>(null);
  const draft = useRef('');

  async function send(event?: FormEvent) {
    event?.preventDefault();
    const message = text.trim();
    if (!message || sending) return;
    setSending(true);
    setError(null);
    try {
      await onSend(message);
      setText('');
      recall.current = null;
    } catch (cause) {
      setError(cause);
    } finally {
      setSending(false);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    const box = event.currentTarget;
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
      return;
    }
    const atStart = box.selectionStart === 0 && box.selectionEnd === 0;
    if (event.key === 'ArrowUp' && (text === '' || atStart || recall.current !== null) && history.length) {
      const from = recall.current ?? history.length;
      if (from === history.length) draft.current = text;
      const index = Math.max(0, from - 1);
      recall.current = index;
      setText(history[index] ?? '');
      event.preventDefault();
    } else if (event.key === 'ArrowDown' && recall.current !== null) {
      const index = recall.current + 1;
      recall.current = index >= history.length ? null : index;
      setText(index >= history.length ? draft.current : (history[index] ?? ''));
      event.preventDefault();
    }
  }

  return (
    <form className="composer" onSubmit={send}>
      <label htmlFor="agent-message" className="visually-hidden">
        Message
      </label>
      <textarea
        id="agent-message"
        rows={2}
        value={text}
        disabled={disabled}
        placeholder={
          disabled ? 'You can read this session but not write to it.' : (hint ?? 'Message the agent…')
        }
        onChange={(event) => {
          setText(event.target.value);
          recall.current = null;
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="button button-primary" disabled={disabled || sending || !text.trim()}>
        Send
      </button>
      {error ? (
        <div className="composer-error">
          <ErrorAlert error={error} />
        </div>
      ) : null}
    </form>
  );
}
