import type { Group, User } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useAddGroupMember, useDeleteGroup, useRemoveGroupMember } from '../../api/groups';
import { ErrorAlert } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { SelectField } from '../../components/field';
import { useToast } from '../../components/toast';

/** One group as a named region, so its buttons can be told apart from other groups'. */
export function GroupCard({ group, users }: { group: Group; users: User[] }) {
  const add = useAddGroupMember();
  const remove = useRemoveGroupMember();
  const destroy = useDeleteGroup();
  const toast = useToast();
  const [candidate, setCandidate] = useState('');
  const headingId = `group-${group.id}`;

  const members = group.memberIds.map(
    (id) => users.find((user) => user.id === id) ?? { id, username: id, displayName: id },
  );
  const nonMembers = users.filter((user) => !group.memberIds.includes(user.id));

  function addMember(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (candidate === '') return;
    add.mutate({ groupId: group.id, userId: candidate }, { onSuccess: () => setCandidate('') });
  }

  return (
    <section className="group-card" aria-labelledby={headingId}>
      <div className="group-head">
        <h3 id={headingId} className="mono">
          {group.name}
        </h3>
        <ConfirmButton
          label="Delete group"
          prompt={`Delete group ${group.name}?`}
          confirmLabel="Confirm delete"
          disabled={destroy.isPending}
          onConfirm={() =>
            destroy.mutate(group.id, { onSuccess: () => toast(`Group “${group.name}” deleted.`) })
          }
        />
      </div>
      {group.description ? <p className="muted small">{group.description}</p> : null}
      {members.length === 0 ? (
        <p className="muted small">No members.</p>
      ) : (
        <ul className="chips" aria-label={`Members of ${group.name}`}>
          {members.map((member) => (
            <li key={member.id} className="chip">
              <span title={member.username}>{member.displayName}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${member.username} from ${group.name}`}
                disabled={remove.isPending}
                onClick={() => remove.mutate({ groupId: group.id, userId: member.id })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {nonMembers.length > 0 ? (
        <form onSubmit={addMember} className="inline-form">
          <SelectField
            label="Add member"
            value={candidate}
            onChange={(event) => setCandidate(event.target.value)}
          >
            <option value="">Choose a person…</option>
            {nonMembers.map((user) => (
              <option key={user.id} value={user.id}>
                {user.displayName} ({user.username})
              </option>
            ))}
          </SelectField>
          <div className="inline-form-submit">
            <button type="submit" className="button" disabled={candidate === '' || add.isPending}>
              Add
            </button>
          </div>
        </form>
      ) : null}
      <ErrorAlert error={add.error ?? remove.error ?? destroy.error} />
    </section>
  );
}
