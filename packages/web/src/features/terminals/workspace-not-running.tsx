import type { Workspace } from '@hangar/protocol';
import { useWorkspaceAction, type WorkspaceAction } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';

export interface NotRunning {
  /** What state the workspace is in, in words. */
  text: string;
  /** The action that brings it to running, when this person may take it here. */
  action?: { action: WorkspaceAction; label: string };
}

/** Why there are no terminals now, and the one action that can change that (the server's, per state). */
export function notRunning(workspace: Workspace, canOperate: boolean): NotRunning {
  const operate = (action: WorkspaceAction, label: string, text: string): NotRunning =>
    canOperate
      ? { text, action: { action, label } }
      : { text: `${text} Editors and owners can ${label.toLowerCase()} it.` };
  switch (workspace.state) {
    case 'creating':
      return { text: 'The workspace is being created; terminals open once it is running.' };
    case 'stopped':
      return operate('start', 'Start', 'The workspace is stopped: start it to use terminals.');
    case 'error': {
      const reason = workspace.error ? ` ${workspace.error.replace(/\.?$/, '.')}` : '';
      return operate('retry', 'Retry', `The workspace could not be set up.${reason}`);
    }
    case 'archived':
      return { text: 'The workspace is archived. Its owners can restore it from the workspace actions.' };
    case 'deleting':
      return { text: 'The workspace is being deleted.' };
    case 'running':
      return { text: 'The workspace is running.' };
  }
}

/** The terminal tab of a workspace that is not running: its real state and its real action. */
export function WorkspaceNotRunning({
  workspace,
  canOperate,
}: {
  workspace: Workspace;
  canOperate: boolean;
}) {
  const run = useWorkspaceAction(workspace.id);
  const { text, action } = notRunning(workspace, canOperate);
  return (
    <div className="terminal-empty terminal-not-running">
      <p className={workspace.state === 'error' ? 'alert alert-error' : 'muted'}>{text}</p>
      {action ? (
        <button
          type="button"
          className="button button-primary button-small"
          disabled={run.isPending}
          onClick={() => run.mutate(action.action)}
        >
          {run.isPending ? `${action.label}…` : action.label}
        </button>
      ) : null}
      <ErrorAlert error={run.error} />
    </div>
  );
}
