import type { Terminal, Workspace } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { terminalKeys } from '../../api/keys';
import { useCloseTerminal, useCreateTerminal, useRenameTerminal, useTerminals } from '../../api/terminals';
import { ErrorAlert } from '../../components/alert';
import { nextTerminalName } from './terminal-names';
import { TerminalTabs } from './terminal-tabs';
import { TerminalView } from './terminal-view';
import { WorkspaceNotRunning } from './workspace-not-running';
import './terminals.css';

interface TerminalPanelProps {
  workspace: Workspace;
  /** Editors, owners and admins open, rename, close and type in terminals; viewers watch. */
  canOperate: boolean;
}

/**
 * The workspace's terminals, as tabs. Opening the panel never creates a
 * terminal: each one is a shell that keeps running on the server, so it is
 * made only when someone presses "New terminal".
 */
export function TerminalPanel({ workspace, canOperate }: TerminalPanelProps) {
  if (workspace.state !== 'running')
    return <WorkspaceNotRunning workspace={workspace} canOperate={canOperate} />;
  return <RunningTerminals workspace={workspace} canOperate={canOperate} />;
}

function RunningTerminals({ workspace, canOperate }: TerminalPanelProps) {
  const client = useQueryClient();
  const list = useTerminals(workspace.id, true);
  const create = useCreateTerminal(workspace.id);
  const rename = useRenameTerminal(workspace.id);
  const close = useCloseTerminal(workspace.id);
  const [chosen, setChosen] = useState<{ id: string; focus: boolean }>();
  const baseId = useId();
  const panelId = `${baseId}-screen`;
  const tabId = (terminalId: string) => `${baseId}-tab-${terminalId}`;

  const terminals = list.data ?? [];
  const selected = terminals.find((t) => t.id === chosen?.id) ?? terminals[0];

  function openNew(): void {
    const name = nextTerminalName(terminals.map((t) => t.name));
    create.mutate(
      { name, cols: 80, rows: 24 },
      { onSuccess: (created) => setChosen({ id: created.id, focus: true }) },
    );
  }

  /** A new terminal with the exited one's name and command, in its place. */
  function restart(exited: Terminal): void {
    create.mutate(
      {
        name: exited.name,
        ...(exited.command && { command: exited.command }),
        cols: exited.cols,
        rows: exited.rows,
      },
      {
        onSuccess: (created) => {
          setChosen({ id: created.id, focus: true });
          close.mutate(exited.id);
        },
      },
    );
  }

  return (
    <section className="terminal-panel" aria-label="Terminals">
      <div className="terminal-strip">
        <TerminalTabs
          terminals={terminals}
          selectedId={selected?.id}
          onSelect={(id) => setChosen({ id, focus: true })}
          canManage={canOperate}
          onRename={(terminalId, name) => rename.mutateAsync({ terminalId, name })}
          onClose={(terminalId) => close.mutate(terminalId)}
          tabId={tabId}
          panelId={panelId}
        />
        {canOperate ? (
          <button type="button" className="button button-small" disabled={create.isPending} onClick={openNew}>
            New terminal
          </button>
        ) : null}
      </div>
      <ErrorAlert error={create.error ?? close.error ?? (list.data ? undefined : list.error)} />
      {selected ? (
        <TerminalView
          key={selected.id}
          workspaceId={workspace.id}
          terminal={selected}
          readOnly={!canOperate}
          canClose={canOperate}
          autoFocus={chosen?.id === selected.id && chosen.focus}
          onLost={() => void client.invalidateQueries({ queryKey: terminalKeys.list(workspace.id) })}
          onClose={() => close.mutate(selected.id)}
          onRestart={canOperate ? () => restart(selected) : undefined}
          restarting={create.isPending}
          panelId={panelId}
          labelledBy={tabId(selected.id)}
        />
      ) : list.isPending ? (
        <p className="muted terminal-empty">Loading terminals…</p>
      ) : list.data ? (
        <p className="muted terminal-empty">
          {canOperate
            ? 'No terminals yet. Open one with “New terminal”; it keeps running when you leave.'
            : 'No terminals yet. Editors and owners can open one.'}
        </p>
      ) : null}
    </section>
  );
}
