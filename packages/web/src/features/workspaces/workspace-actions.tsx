import type { Workspace, WorkspaceState } from '@hangar/protocol';
import { useWorkspaceAction, type WorkspaceAction } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import type { WorkspacePermissions } from './permissions';

interface ActionSpec {
  action: WorkspaceAction;
  label: string;
  /** States in which the server accepts the action. */
  states: WorkspaceState[];
  needs: keyof WorkspacePermissions;
}

const ACTIONS: ActionSpec[] = [
  { action: 'start', label: 'Start', states: ['stopped'], needs: 'operate' },
  { action: 'stop', label: 'Stop', states: ['running'], needs: 'operate' },
  { action: 'restore', label: 'Restore', states: ['archived'], needs: 'manage' },
  { action: 'archive', label: 'Archive', states: ['running', 'stopped'], needs: 'manage' },
];

interface ActionsProps {
  workspace: Workspace;
  permissions: WorkspacePermissions;
  panel: 'none' | 'rename' | 'delete';
  onToggle: (panel: 'rename' | 'delete') => void;
}

/** Only the buttons that make sense in this state and that this user may use. */
export function WorkspaceActions({ workspace, permissions, panel, onToggle }: ActionsProps) {
  const run = useWorkspaceAction(workspace.id);
  const busy = workspace.state === 'creating' || workspace.state === 'deleting';
  const available = ACTIONS.filter(
    (spec) => permissions[spec.needs] && spec.states.includes(workspace.state),
  );
  const canRename = permissions.manage && !busy;
  const canDelete = permissions.manage && workspace.state !== 'deleting';
  if (available.length === 0 && !canRename && !canDelete) return null;

  return (
    <>
      <div className="button-row" role="group" aria-label="Workspace actions">
        {available.map((spec) => (
          <button
            key={spec.action}
            type="button"
            className={spec.action === 'start' ? 'button button-primary' : 'button'}
            disabled={run.isPending}
            onClick={() => run.mutate(spec.action)}
          >
            {run.isPending && run.variables === spec.action ? `${spec.label}…` : spec.label}
          </button>
        ))}
        {canRename ? (
          <button
            type="button"
            className="button"
            aria-expanded={panel === 'rename'}
            onClick={() => onToggle('rename')}
          >
            Rename
          </button>
        ) : null}
        {canDelete ? (
          <button
            type="button"
            className="button button-danger-quiet"
            aria-expanded={panel === 'delete'}
            onClick={() => onToggle('delete')}
          >
            Delete
          </button>
        ) : null}
      </div>
      <ErrorAlert error={run.error} />
    </>
  );
}
