import type { Workspace } from '@hangar/protocol';
import { Tabs } from '../../components/tabs';
import { CommandBox } from './command-box';
import type { WorkspacePermissions } from './permissions';

interface ToolsProps {
  workspace: Workspace;
  permissions: WorkspacePermissions;
}

/**
 * Where people work in the workspace. PLACEHOLDER AREA: the interactive
 * terminal (issue 4), agent sessions (issue 6) and files with diffs (issue 7)
 * replace these panels; the command box stays useful until the terminal lands.
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
            content: <CommandBox workspace={workspace} canRun={permissions.operate} />,
          },
          {
            key: 'agent',
            label: 'Agent',
            content: <ComingSoon>Agent sessions in this workspace will appear here.</ComingSoon>,
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
