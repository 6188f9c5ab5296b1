import type { Workspace } from '@hangar/protocol';
import { Link } from 'react-router-dom';
import { formatBytes } from '../../components/format';
import { MemberAvatars } from './member-avatars';
import { NotIsolatedBadge, StateBadge } from './state-badge';

export function workspaceUrl(id: string): string {
  return `/workspaces/${encodeURIComponent(id)}`;
}

export function diskUse(bytes: number | null): string {
  return bytes === null ? 'not measured yet' : formatBytes(bytes);
}

/** One card per workspace: a list rather than a table so it reads well on a phone. */
export function WorkspaceList({
  workspaces,
  totalDiskBytes,
}: {
  workspaces: Workspace[];
  totalDiskBytes: number;
}) {
  return (
    <>
      <p className="muted small">
        {workspaces.length === 1 ? '1 workspace' : `${workspaces.length} workspaces`} ·{' '}
        {formatBytes(totalDiskBytes)} on disk in total
      </p>
      <ul className="workspace-list">
        {workspaces.map((workspace) => (
          <WorkspaceItem key={workspace.id} workspace={workspace} />
        ))}
      </ul>
    </>
  );
}

function WorkspaceItem({ workspace }: { workspace: Workspace }) {
  return (
    <li className="card workspace-item">
      <div className="workspace-item-head">
        <h2 className="workspace-item-name">
          <Link to={workspaceUrl(workspace.id)}>{workspace.name}</Link>
        </h2>
        <StateBadge state={workspace.state} />
        {workspace.isolated ? null : <NotIsolatedBadge />}
      </div>
      <dl className="workspace-item-facts">
        <div>
          <dt>Template</dt>
          <dd>
            {workspace.template} <span className="muted">({workspace.driver})</span>
          </dd>
        </div>
        <div>
          <dt>Disk use</dt>
          <dd>{diskUse(workspace.diskBytes)}</dd>
        </div>
        <div>
          <dt>Members</dt>
          <dd>
            <MemberAvatars members={workspace.members} />
          </dd>
        </div>
      </dl>
      {workspace.state === 'error' && workspace.error ? (
        <p className="field-error workspace-item-error">{workspace.error}</p>
      ) : null}
    </li>
  );
}
