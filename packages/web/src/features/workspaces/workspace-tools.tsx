import type { Workspace } from '@hangar/protocol';
import { lazy, Suspense } from 'react';
import { Tabs } from '../../components/tabs';
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

interface ToolsProps {
  workspace: Workspace;
  permissions: WorkspacePermissions;
}

/**
 * Where people work in the workspace. PLACEHOLDER AREA: files with diffs
 * (issue 7) replace the last panel.
 */
export function WorkspaceTools({ workspace, permissions }: ToolsProps) {
  return (
    <section className="card workspace-tools" aria-labelledby="tools-heading">
      <h2 id="tools-heading" className="visually-hidden">
        Tools
      </h2>
      <Tabs
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
            content: <ComingSoon>Browse files and review changes here.</ComingSoon>,
          },
        ]}
      />
    </section>
  );
}

function ComingSoon({ children }: { children: string }) {
  return (
    <div className="empty-state">
      <p className="muted">{children}</p>
      <p className="muted small">Coming soon.</p>
    </div>
  );
}
