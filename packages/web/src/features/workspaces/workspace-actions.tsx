import type { PresenceMember, Session, Workspace, WorkspaceState } from '@hangar/protocol';
import { useState } from 'react';
import { useMe } from '../../api/auth';
import { useSessions } from '../../api/sessions';
import { useWorkspaceAction, type WorkspaceAction } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { usePresence } from '../presence/use-presence';
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
  const stopping = useStopQuestion(workspace);
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
            aria-haspopup={spec.action === 'stop' && stopping.question ? 'dialog' : undefined}
            onClick={() =>
              spec.action === 'stop' && stopping.question ? stopping.setAsking(true) : run.mutate(spec.action)
            }
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
      {stopping.asking && stopping.question ? (
        <ConfirmDialog
          prompt={`Stop ${workspace.name}?`}
          detail={stopping.question}
          confirmLabel="Stop workspace"
          onCancel={() => stopping.setAsking(false)}
          onConfirm={() => {
            stopping.setAsking(false);
            run.mutate('stop');
          }}
        />
      ) : null}
      <ErrorAlert error={run.error} />
    </>
  );
}

/**
 * Stopping a workspace ends every process in its sandbox, other people's terminals and the
 * agents included: asked first when someone else is here or an agent session runs, saying what
 * will stop. Undefined when nothing but this person's own view goes.
 */
function useStopQuestion(workspace: Workspace) {
  const [asking, setAsking] = useState(false);
  const me = useMe();
  const members = usePresence(workspace.id);
  const sessions = useSessions(workspace.id);
  const question =
    workspace.state === 'running'
      ? stopQuestion(
          members.filter((m) => m.userId !== me.data?.user.id),
          (sessions.data ?? []).filter((s) => s.status !== 'stopped' && s.status !== 'error'),
        )
      : undefined;
  return { asking, setAsking, question };
}

export function stopQuestion(others: PresenceMember[], running: Session[]): string | undefined {
  if (others.length === 0 && running.length === 0) return undefined;
  const parts: string[] = [];
  if (running.length > 0) {
    const titles = running.map((s) => `“${s.title}”`).join(', ');
    const sessions = running.length === 1 ? '1 agent session' : `${running.length} agent sessions`;
    parts.push(`${sessions} (${titles}) will stop, and resume when the workspace starts again.`);
  }
  if (others.length > 0) {
    const names = others.map((m) => m.displayName).join(', ');
    parts.push(
      `${names} ${others.length === 1 ? 'is' : 'are'} here now: their terminals and commands stop too.`,
    );
  }
  parts.push('Every process in the sandbox ends; files stay.');
  return parts.join(' ');
}
