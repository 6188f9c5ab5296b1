import type { Workspace } from '@hangar/protocol';
import { lazy, Suspense } from 'react';
import { Tabs, useTabParam } from '../../components/tabs';
import { CommandBox } from './command-box';
import type { WorkspacePermissions } from './permissions';

// xterm.js is most of the app's weight: load it only when a terminal is shown.
const TerminalPanel = lazy(() =>
  import('../terminals/terminal-panel').then((module) => ({ default: module.TerminalPanel })),
);
// The chat (its event schemas and Markdown reader) loads when the Agent tab opens.
const AgentPanel = lazy(() =>
  import('../agent/agent-panel').then((module) => ({ default: module.AgentPanel })),
);
const FilesPanel = lazy(() =>
  import('../files/files-panel').then((module) => ({ default: module.FilesPanel })),
);
const DiffPanel = lazy(() => import('../diff/diff-panel').then((module) => ({ default: module.DiffPanel })));

interface ToolsProps {
  workspace: Workspace;
  permissions: WorkspacePermissions;
}

/**
 * Where people work in the workspace: terminals, agent sessions, files, changes.
 */
export function WorkspaceTools({ workspace, permissions }: ToolsProps) {
  // `?tab=` in the URL; a link to a session, file or diff opens its tab.
  const tab = useTabParam((params) =>
    params.has('session') ? 'agent' : params.has('file') ? 'files' : params.has('diff') ? 'diff' : undefined,
  );
  return (
    <section className="card workspace-tools" aria-labelledby="tools-heading">
      <h2 id="tools-heading" className="visually-hidden">
        Tools
      </h2>
      <Tabs
        {...tab}
        label="Workspace tools"
        tabs={[
          {
            key: 'terminal',
            label: 'Terminal',
            content: (
              <>
                <Suspense fallback={<p className="muted">Loading terminals…</p>}>
                  <TerminalPanel workspace={workspace} canOperate={permissions.operate} />
                </Suspense>
                {/* One-shot commands through POST /exec, for output to copy whole. */}
                <details className="run-command" open>
                  <summary>Run a command</summary>
                  <CommandBox workspace={workspace} canRun={permissions.operate} />
                </details>
              </>
            ),
          },
          {
            key: 'agent',
            label: 'Agent',
            content: (
              <Suspense fallback={<p className="muted">Loading sessions…</p>}>
                <AgentPanel workspace={workspace} canOperate={permissions.operate} />
              </Suspense>
            ),
          },
          {
            key: 'files',
            label: 'Files',
            content: (
              <Suspense fallback={<p className="muted">Loading files…</p>}>
                <FilesPanel workspace={workspace} canEdit={permissions.operate} />
              </Suspense>
            ),
          },
          {
            key: 'diff',
            label: 'Diff',
            content: (
              <Suspense fallback={<p className="muted">Loading changes…</p>}>
                <DiffPanel workspace={workspace} canEdit={permissions.operate} />
              </Suspense>
            ),
          },
        ]}
      />
    </section>
  );
}
