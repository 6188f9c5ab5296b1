import { groupName } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useCreateGroup, useGroups } from '../../api/groups';
import { useUsers } from '../../api/users';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { check, focusFirstInvalid } from '../../components/validation';
import { GroupCard } from './group-card';

export function GroupsSection() {
  const groups = useGroups();
  const users = useUsers();

  return (
    <section className="card" aria-labelledby="groups-heading">
      <h2 id="groups-heading">Groups</h2>
      <p className="muted small">
        Groups collect people so workspaces can be shared with all of them at once.
      </p>
      <CreateGroupForm />
      <ErrorAlert error={groups.error} />
      {groups.isPending ? <p className="muted">Loading groups…</p> : null}
      {groups.data?.length === 0 ? <p className="muted">No groups yet.</p> : null}
      <div className="group-list">
        {groups.data?.map((group) => (
          <GroupCard key={group.id} group={group} users={users.data ?? []} />
        ))}
      </div>
    </section>
  );
}

function CreateGroupForm() {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const create = useCreateGroup();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const problem = check(groupName, name.trim());
    setNameError(problem);
    if (problem) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    create.mutate(
      { name: name.trim(), description: description.trim() },
      {
        onSuccess: () => {
          setName('');
          setDescription('');
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label="Create a group">
      <Field
        label="Group name"
        name="groupName"
        autoComplete="off"
        autoCapitalize="none"
        spellCheck={false}
        value={name}
        onChange={(event) => setName(event.target.value)}
        hint="Lowercase letters, digits, “.”, “_” and “-”."
        error={nameError}
      />
      <Field
        label="Description"
        name="description"
        autoComplete="off"
        maxLength={500}
        value={description}
        onChange={(event) => setDescription(event.target.value)}
        hint="Optional."
      />
      <div className="inline-form-submit">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Create group
        </button>
      </div>
      <ErrorAlert error={create.error} />
    </form>
  );
}
