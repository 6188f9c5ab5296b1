import { workspaceName, type Workspace } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useRenameWorkspace } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { check, focusFirstInvalid, serverBodyErrors } from '../../components/validation';

export function RenameForm({ workspace, onDone }: { workspace: Workspace; onDone: () => void }) {
  const rename = useRenameWorkspace(workspace.id);
  const [name, setName] = useState(workspace.name);
  const [error, setError] = useState<string | undefined>();
  const serverError = serverBodyErrors(rename.error).name;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const form = event.currentTarget;
    const next = name.trim();
    if (next === workspace.name) return onDone();
    const problem = check(workspaceName, next);
    setError(problem);
    if (problem) {
      rename.reset();
      focusFirstInvalid(form);
      return;
    }
    rename.mutate(next, { onSuccess: onDone, onError: () => focusFirstInvalid(form) });
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label="Rename workspace">
      <Field
        label="New name"
        name="newName"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        value={name}
        onChange={(event) => setName(event.target.value)}
        hint="Lowercase letters, digits and “-”."
        error={error ?? serverError}
      />
      <div className="inline-form-submit button-row">
        <button type="submit" className="button button-primary" disabled={rename.isPending}>
          Save
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {serverError ? null : <ErrorAlert error={rename.error} />}
    </form>
  );
}
