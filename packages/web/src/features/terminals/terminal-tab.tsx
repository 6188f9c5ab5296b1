import { terminalName, type Terminal } from '@hangar/protocol';
import { useState } from 'react';
import { errorMessage } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { check, serverBodyErrors } from '../../components/validation';
import { RenameTerminalInput } from './rename-terminal-input';

interface TerminalTabProps {
  terminal: Terminal;
  selected: boolean;
  tabId: string;
  panelId: string;
  tabRef(node: HTMLButtonElement | null): void;
  onSelect(): void;
  /** Double-click renames, for those who may. */
  onRequestRename?(): void;
}

/**
 * A terminal's tab: only the tab itself, since a tab list may hold nothing
 * else; its rename and close buttons are TerminalTabActions, beside the list.
 */
export function TerminalTab(props: TerminalTabProps) {
  const { terminal, selected } = props;
  const exited = terminal.state === 'exited';
  return (
    <button
      ref={props.tabRef}
      type="button"
      role="tab"
      id={props.tabId}
      aria-controls={selected ? props.panelId : undefined}
      aria-selected={selected}
      tabIndex={selected ? 0 : -1}
      className={exited ? 'terminal-tab-name exited' : 'terminal-tab-name'}
      data-selected={selected}
      onClick={props.onSelect}
      onDoubleClick={props.onRequestRename}
    >
      {terminal.name}
      {exited ? <span className="visually-hidden"> (exited)</span> : null}
    </button>
  );
}

interface TerminalTabActionsProps {
  terminal: Terminal;
  editing: boolean;
  onEditing(editing: boolean): void;
  onRename(name: string): Promise<unknown>;
  onClose(): void;
}

/** Rename (inline) and close for the selected terminal. */
export function TerminalTabActions(props: TerminalTabActionsProps) {
  const { terminal, editing, onEditing } = props;
  const [error, setError] = useState<string>();

  async function save(name: string): Promise<void> {
    const next = name.trim();
    if (next === terminal.name) return onEditing(false);
    const problem = check(terminalName, next);
    if (problem) return setError(problem);
    try {
      await props.onRename(next);
      setError(undefined);
      onEditing(false);
    } catch (cause) {
      setError(serverBodyErrors(cause).name ?? errorMessage(cause));
    }
  }

  if (editing) {
    return (
      <span className="terminal-tab">
        <RenameTerminalInput
          initial={terminal.name}
          error={error}
          onSave={save}
          onCancel={() => {
            setError(undefined);
            onEditing(false);
          }}
        />
      </span>
    );
  }
  return (
    <span className="terminal-tab">
      <button
        type="button"
        className="icon-button"
        aria-label={`Rename terminal ${terminal.name}`}
        title="Rename"
        onClick={() => onEditing(true)}
      >
        ✎
      </button>
      <ConfirmButton
        label="×"
        ariaLabel={`Close terminal ${terminal.name}`}
        className="icon-button"
        prompt={`Close “${terminal.name}”?`}
        confirmLabel="Close"
        onConfirm={props.onClose}
      />
    </span>
  );
}
