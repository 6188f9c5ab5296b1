import { useId, useRef, useState, type KeyboardEvent } from 'react';

interface RenameTerminalInputProps {
  initial: string;
  error: string | undefined;
  onSave(name: string): Promise<void>;
  onCancel(): void;
}

/** The tab's name, editable in place: Enter or leaving the field saves, Escape cancels. */
export function RenameTerminalInput({ initial, error, onSave, onCancel }: RenameTerminalInputProps) {
  const [name, setName] = useState(initial);
  const errorId = useId();
  /** Enter saves, and the blur that follows must not save a second time. */
  const saving = useRef(false);

  async function save(): Promise<void> {
    if (saving.current) return;
    saving.current = true;
    try {
      await onSave(name);
    } finally {
      saving.current = false;
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key === 'Enter') {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    }
  }

  return (
    <span className="terminal-rename">
      <input
        aria-label="Terminal name"
        className="terminal-tab-input"
        autoFocus
        autoComplete="off"
        spellCheck={false}
        maxLength={60}
        value={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => setName(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => void save()}
      />
      {error ? (
        <span id={errorId} role="alert" className="field-error terminal-rename-error">
          {error}
        </span>
      ) : null}
    </span>
  );
}
