import type { Workspace } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useDeleteWorkspace } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';

/** Deleting destroys files for good, so the name must be typed, as the API also requires. */
export function DeleteWorkspace({ workspace, onCancel }: { workspace: Workspace; onCancel: () => void }) {
  const destroy = useDeleteWorkspace(workspace.id);
  const navigate = useNavigate();
  const [typed, setTyped] = useState('');
  const matches = typed.trim() === workspace.name;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (!matches) return;
    destroy.mutate(workspace.name, { onSuccess: () => void navigate('/', { replace: true }) });
  }

  return (
    <form onSubmit={submit} noValidate className="danger-zone" aria-label="Delete workspace">
      <p>
        <strong>Delete {workspace.name}?</strong> Its sandbox, files and home directory are removed for good
        {workspace.source.type === 'local' ? ', and so is its worktree' : ''}. This cannot be undone.
      </p>
      <Field
        label="Type the workspace name to confirm"
        name="confirmName"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        value={typed}
        onChange={(event) => setTyped(event.target.value)}
        hint={
          <>
            Type <code>{workspace.name}</code>.
          </>
        }
      />
      <div className="button-row">
        <button type="submit" className="button button-danger" disabled={!matches || destroy.isPending}>
          Delete workspace
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <ErrorAlert error={destroy.error} />
    </form>
  );
}
