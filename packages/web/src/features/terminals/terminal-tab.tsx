import { terminalName, type Terminal } from '@hangar/protocol';
import { useState } from 'react';
import { errorMessage } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { check, serverBodyErrors } from '../../components/validation';
import { RenameTerminalInput } from './rename-terminal-input';

interface TerminalTabProps {
  terminal: Terminal;
  selected: boolean;
  canManage: boolean;
  tabId: string;
  panelId: string;
  tabRef(node: HTMLButtonElement | null): void;
  onSelect(): void;
  onRename(name: string): Promise<unknown>;
  onClose(): void;
}

/** A terminal's tab: its name (double-click to rename), a rename button when selected, and close. */
export function TerminalTab(props: TerminalTabProps) {
  const { terminal, selected, canManage } = props;
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string>();

  async function save(name: string): Promise<void> {
    const next = name.trim();
    if (next === terminal.name) return setEditing(false);
    const problem = check(terminalName, next);
    if (problem) return setError(problem);
    try {
      await props.onRename(next);
      setError(undefined);
      setEditing(false);
    } catch (cause) {
      setError(serverBodyErrors(cause).name ?? errorMessage(cause));
    }
  }

  const exited = terminal.state === 'exited';
  return (
    <span className="terminal-tab" data-selected={selected}>
      {editing ? (
        <RenameTerminalInput
          initial={terminal.name}
          error={error}
          onSave={save}
          onCancel={() => {
            setError(undefined);
            setEditing(false);
          }}
        />
      ) : (
        <button
          ref={props.tabRef}
          type="button"
          role="tab"
          id={props.tabId}
          aria-controls={selected ? props.panelId : undefined}
          aria-selected={selected}
          tabIndex={selected ? 0 : -1}
          className={exited ? 'terminal-tab-name exited' : 'terminal-tab-name'}
          onClick={props.onSelect}
          onDoubleClick={canManage ? () => setEditing(true) : undefined}
        >
          {terminal.name}
          {exited ? <span className="visually-hidden"> (exited)</span> : null}
        </button>
      )}
      {canManage && selected && !editing ? (
        <button
          type="button"
          className="icon-button"
          aria-label={`Rename terminal ${terminal.name}`}
          title="Rename"
          onClick={() => setEditing(true)}
        >
          ✎
        </button>
      ) : null}
      {canManage && !editing ? (
        <ConfirmButton
          label="×"
          ariaLabel={`Close terminal ${terminal.name}`}
          className="icon-button"
          prompt={`Close “${terminal.name}”?`}
          confirmLabel="Close"
          onConfirm={props.onClose}
        />
      ) : null}
    </span>
  );
}
