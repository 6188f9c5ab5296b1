import { workspaceRole, type Workspace, type WorkspaceMember } from '@hangar/protocol';
import { useRemoveMember, useSetMember } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { useSession } from '../auth/session';
import { AddMemberForm } from './add-member-form';
import { Avatar } from './member-avatars';
import type { WorkspacePermissions } from './permissions';

export const ROLE_HINTS = {
  owner: 'everything, including members and delete',
  editor: 'start, stop and run commands',
  viewer: 'read only',
} as const;

interface PanelProps {
  workspace: Workspace;
  permissions: WorkspacePermissions;
}

export function MembersPanel({ workspace, permissions }: PanelProps) {
  const setMember = useSetMember(workspace.id);
  const remove = useRemoveMember(workspace.id);
  const { user: me } = useSession();
  const owners = workspace.members.filter((member) => member.role === 'owner').length;
  const busy = setMember.isPending || remove.isPending;

  // The server refuses to leave a workspace without an owner; say why here instead.
  const isLastOwner = (member: WorkspaceMember) => member.role === 'owner' && owners <= 1;

  return (
    <section className="card" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <ul className="member-list">
        {workspace.members.map((member) => (
          <li key={member.userId} className="member">
            <Avatar name={member.displayName} />
            <span className="member-name">
              {member.displayName}
              {member.userId === me.id ? <span className="badge badge-muted">you</span> : null}
              <span className="muted small mono"> {member.username}</span>
            </span>
            {permissions.manage ? (
              <span className="member-controls">
                <select
                  aria-label={`Role of ${member.displayName}`}
                  value={member.role}
                  disabled={busy || isLastOwner(member)}
                  title={isLastOwner(member) ? 'A workspace needs at least one owner.' : undefined}
                  onChange={(event) =>
                    setMember.mutate({
                      userId: member.userId,
                      role: workspaceRole.parse(event.target.value),
                    })
                  }
                >
                  {workspaceRole.options.map((role) => (
                    <option key={role} value={role}>
                      {role}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="button button-small button-danger-quiet"
                  aria-label={`Remove ${member.displayName}`}
                  disabled={busy || isLastOwner(member)}
                  onClick={() => remove.mutate(member.userId)}
                >
                  Remove
                </button>
              </span>
            ) : (
              <span className="badge">{member.role}</span>
            )}
          </li>
        ))}
      </ul>
      <ErrorAlert error={setMember.error ?? remove.error} />
      {permissions.manage ? <AddMemberForm workspace={workspace} /> : null}
      <p className="muted small">
        Owners: {ROLE_HINTS.owner}. Editors: {ROLE_HINTS.editor}. Viewers: {ROLE_HINTS.viewer}.
      </p>
    </section>
  );
}
