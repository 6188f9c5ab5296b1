import type { Terminal } from '@hangar/protocol';
import { useRef, useState, type KeyboardEvent } from 'react';
import { TerminalTab, TerminalTabActions } from './terminal-tab';

export interface TerminalTabsProps {
  terminals: Terminal[];
  selectedId: string | undefined;
  onSelect(terminalId: string): void;
  /** Rename and close: editors and owners. */
  canManage: boolean;
  onRename(terminalId: string, name: string): Promise<unknown>;
  onClose(terminalId: string): void;
  /** The DOM id of a terminal's tab, so the screen can say which tab it belongs to. */
  tabId(terminalId: string): string;
  panelId: string;
}

/** One tab per terminal; arrow keys, Home and End move between them. */
export function TerminalTabs(props: TerminalTabsProps) {
  const { terminals, selectedId, onSelect } = props;
  const tabs = useRef(new Map<string, HTMLButtonElement>());
  const [editingId, setEditingId] = useState<string>();
  const selected = terminals.find((t) => t.id === selectedId);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (!(event.target instanceof HTMLElement) || event.target.getAttribute('role') !== 'tab') return;
    const index = terminals.findIndex((t) => t.id === selectedId);
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: terminals.length - 1,
    };
    const target = moves[event.key];
    const next = target === undefined ? undefined : terminals.at(target % terminals.length);
    if (!next) return;
    event.preventDefault();
    onSelect(next.id);
    tabs.current.get(next.id)?.focus();
  }

  return (
    <div className="terminal-tabs">
      {terminals.length > 0 ? (
        <div role="tablist" aria-label="Terminals" className="terminal-tab-list" onKeyDown={onKeyDown}>
          {terminals.map((terminal) => (
            <TerminalTab
              key={terminal.id}
              terminal={terminal}
              selected={terminal.id === selectedId}
              tabId={props.tabId(terminal.id)}
              panelId={props.panelId}
              tabRef={(node) => {
                if (node) tabs.current.set(terminal.id, node);
                else tabs.current.delete(terminal.id);
              }}
              onSelect={() => onSelect(terminal.id)}
              onRequestRename={props.canManage ? () => setEditingId(terminal.id) : undefined}
            />
          ))}
        </div>
      ) : null}
      {props.canManage && selected ? (
        <TerminalTabActions
          key={selected.id}
          terminal={selected}
          editing={editingId === selected.id}
          onEditing={(on) => setEditingId(on ? selected.id : undefined)}
          onRename={(name) => props.onRename(selected.id, name)}
          onClose={() => props.onClose(selected.id)}
        />
      ) : null}
    </div>
  );
}
