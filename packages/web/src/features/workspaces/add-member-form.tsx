import { workspaceRole, type Workspace, type WorkspaceRole } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useUserDirectory } from '../../api/users';
import { useSetMember } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { SelectField } from '../../components/field';

/** Adding is setting a role for someone who has none yet (PUT members/:userId). */
export function AddMemberForm({ workspace }: { workspace: Workspace }) {
  const directory = useUserDirectory();
  const add = useSetMember(workspace.id);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<WorkspaceRole>('editor');

  const memberIds = new Set(workspace.members.map((member) => member.userId));
  const candidates = (directory.data ?? []).filter((user) => !memberIds.has(user.id));

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (userId === '') return;
    add.mutate({ userId, role }, { onSuccess: () => setUserId('') });
  }

  if (directory.data && candidates.length === 0) {
    return <p className="muted small">Everyone with an account is already a member.</p>;
  }
  return (
    <form onSubmit={submit} className="add-member" aria-label="Add a member">
      <SelectField
        label="Add member"
        value={userId}
        disabled={!directory.data}
        onChange={(event) => setUserId(event.target.value)}
      >
        <option value="">{directory.isPending ? 'Loading people…' : 'Choose a person…'}</option>
        {candidates.map((user) => (
          <option key={user.id} value={user.id}>
            {user.displayName} ({user.username})
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Role"
        value={role}
        onChange={(event) => setRole(workspaceRole.parse(event.target.value))}
      >
        {workspaceRole.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </SelectField>
      <button type="submit" className="button" disabled={userId === '' || add.isPending}>
        Add
      </button>
      <ErrorAlert error={directory.error ?? add.error} />
    </form>
  );
}
