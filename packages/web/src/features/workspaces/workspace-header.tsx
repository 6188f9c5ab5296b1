import type { Workspace } from '@hangar/protocol';
import { useState } from 'react';
import { useWorkspaceAction } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { PresenceAvatars } from '../presence/presence-avatars';
import { DeleteWorkspace } from './delete-workspace';
import type { WorkspacePermissions } from './permissions';
import { RenameForm } from './rename-form';
import { NotIsolatedBadge, StateBadge } from './state-badge';
import { WorkspaceActions } from './workspace-actions';

interface HeaderProps {
  workspace: Workspace;
  permissions: WorkspacePermissions;
}

/** Name, state, warnings, and what can be done to the workspace as a whole. */
export function WorkspaceHeader({ workspace, permissions }: HeaderProps) {
  const [panel, setPanel] = useState<'none' | 'rename' | 'delete'>('none');
  const toggle = (next: 'rename' | 'delete') => setPanel(panel === next ? 'none' : next);

  return (
    <header className="workspace-head">
      <div className="workspace-title">
        <h1>{workspace.name}</h1>
        <StateBadge state={workspace.state} live />
        {workspace.isolated ? null : <NotIsolatedBadge />}
        <PresenceAvatars workspaceId={workspace.id} />
      </div>
      {workspace.isolated ? null : (
        <div className="alert alert-warning">
          <strong>Not isolated.</strong> This workspace uses the {workspace.driver} driver: commands run
          unconfined as the Hangar server's user, with everything that user can read, write and reach.
        </div>
      )}
      {workspace.state === 'stopped' && workspace.error ? (
        <div role="status" className="alert alert-warning">
          <strong>Stopped by Hangar.</strong> {workspace.error}
        </div>
      ) : null}
      {workspace.state === 'error' ? (
        <FailureBox workspace={workspace} canRetry={permissions.manage} />
      ) : null}
      <WorkspaceActions workspace={workspace} permissions={permissions} panel={panel} onToggle={toggle} />
      {panel === 'rename' ? <RenameForm workspace={workspace} onDone={() => setPanel('none')} /> : null}
      {panel === 'delete' ? (
        <DeleteWorkspace workspace={workspace} onCancel={() => setPanel('none')} />
      ) : null}
    </header>
  );
}

function FailureBox({ workspace, canRetry }: { workspace: Workspace; canRetry: boolean }) {
  const retry = useWorkspaceAction(workspace.id);
  return (
    <div role="alert" className="alert alert-error failure-box">
      <p>
        <strong>This workspace failed.</strong> {workspace.error ?? 'The server gave no reason.'}
      </p>
      {canRetry ? (
        <button
          type="button"
          className="button button-small"
          disabled={retry.isPending}
          onClick={() => retry.mutate('retry')}
        >
          Retry
        </button>
      ) : (
        <p className="small">Ask an owner of the workspace to retry.</p>
      )}
      <ErrorAlert error={retry.error} />
    </div>
  );
}
