import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useMatch, useNavigate } from 'react-router-dom';
import { useWorkspaces } from '../../api/workspaces';
import { useSession } from '../auth/session';
import { workspaceUrl } from '../workspaces/workspace-list';
import { filterCommands, type PaletteCommand } from './palette-match';

/** The workspace page's tabs, in order (workspace-tools.tsx). */
export const WORKSPACE_TABS = [
  { key: 'terminal', label: 'Terminal' },
  { key: 'agent', label: 'Agent' },
  { key: 'files', label: 'Files' },
  { key: 'diff', label: 'Diff' },
] as const;

interface PaletteProps {
  onClose: () => void;
  onShowShortcuts: () => void;
}

/**
 * Ctrl/Cmd-K: type to jump to a workspace, a page, a tab of the open
 * workspace, or to run an action. A combobox over a listbox: arrows move,
 * Enter runs, Escape closes.
 */
export function CommandPalette({ onClose, onShowShortcuts }: PaletteProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const listId = useId();
  const commands = useCommands(onShowShortcuts);
  const matches = useMemo(() => filterCommands(commands, query), [commands, query]);
  const current = matches[Math.min(active, matches.length - 1)];

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    inputRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  useEffect(() => {
    if (current) document.getElementById(`${listId}-${current.id}`)?.scrollIntoView({ block: 'nearest' });
  }, [current, listId]);

  function run(command: PaletteCommand): void {
    onClose();
    command.run();
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      Home: 0,
      End: matches.length - 1,
    };
    const target = moves[event.key];
    if (target !== undefined && matches.length > 0) {
      event.preventDefault();
      setActive((target + matches.length) % matches.length);
    } else if (event.key === 'Enter' && current) {
      event.preventDefault();
      run(current);
    }
  }

  return (
    <dialog
      ref={ref}
      className="modal palette"
      aria-label="Command palette"
      onClose={() => {
        if (ref.current?.isConnected && !ref.current.open) onClose();
      }}
      // A click on the backdrop (outside the dialog's box) closes it.
      onClick={(event) => {
        if (event.target === ref.current) onClose();
      }}
    >
      <input
        ref={inputRef}
        className="palette-input"
        type="text"
        role="combobox"
        aria-label="Go to or do"
        aria-expanded="true"
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={current ? `${listId}-${current.id}` : undefined}
        placeholder="Jump to a workspace, page or action…"
        autoComplete="off"
        spellCheck={false}
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Matches" className="palette-list">
        {matches.map((command) => (
          <li
            key={command.id}
            id={`${listId}-${command.id}`}
            role="option"
            aria-selected={command === current}
            className="palette-item"
            onClick={() => run(command)}
            onMouseMove={() => setActive(matches.indexOf(command))}
          >
            <span>{command.label}</span>
            <span className="palette-kind">{command.kind}</span>
          </li>
        ))}
      </ul>
      {matches.length === 0 ? <p className="palette-empty">Nothing matches “{query}”.</p> : null}
      <p className="palette-hint">
        <kbd>↑</kbd> <kbd>↓</kbd> to move, <kbd>Enter</kbd> to go, <kbd>Esc</kbd> to close
      </p>
    </dialog>
  );
}

/** Everything the palette offers here: pages, actions, this workspace's tabs, then every workspace. */
function useCommands(onShowShortcuts: () => void): PaletteCommand[] {
  const navigate = useNavigate();
  const { user } = useSession();
  const workspaces = useWorkspaces({});
  const inWorkspace = useMatch('/workspaces/:id/*');
  const go = (to: string) => () => void navigate(to);

  const commands: PaletteCommand[] = [
    { id: 'page-workspaces', label: 'Workspaces', kind: 'Page', keywords: 'home list', run: go('/') },
    { id: 'page-usage', label: 'Usage', kind: 'Page', keywords: 'cost tokens spend', run: go('/usage') },
    {
      id: 'page-account',
      label: 'Account',
      kind: 'Page',
      keywords: 'profile password api tokens settings',
      run: go('/account'),
    },
  ];
  if (user.role === 'admin') {
    commands.push(
      {
        id: 'page-people',
        label: 'People',
        kind: 'Page',
        keywords: 'users groups invitations admin',
        run: go('/admin/people'),
      },
      {
        id: 'page-providers',
        label: 'Providers',
        kind: 'Page',
        keywords: 'keys budgets llm admin',
        run: go('/admin/providers'),
      },
    );
  }
  commands.push(
    {
      id: 'action-new-workspace',
      label: 'New workspace',
      kind: 'Action',
      keywords: 'create',
      run: go('/?new=1'),
    },
    {
      id: 'action-shortcuts',
      label: 'Keyboard shortcuts',
      kind: 'Action',
      keywords: 'help keys',
      run: onShowShortcuts,
    },
  );
  const openId = inWorkspace?.params.id;
  if (openId) {
    for (const tab of WORKSPACE_TABS) {
      commands.push({
        id: `tab-${tab.key}`,
        label: `${tab.label} tab`,
        kind: 'This workspace',
        run: go(`${workspaceUrl(openId)}?tab=${tab.key}`),
      });
    }
  }
  for (const workspace of workspaces.data?.workspaces ?? []) {
    commands.push({
      id: `workspace-${workspace.id}`,
      label: workspace.name,
      kind: 'Workspace',
      keywords: `${workspace.template} ${workspace.state}`,
      run: go(workspaceUrl(workspace.id)),
    });
  }
  return commands;
}
