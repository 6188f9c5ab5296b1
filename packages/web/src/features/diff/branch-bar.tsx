import { gitBranchName, type GitBranches } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useBranches, useCreateBranch, useFetchRemote, usePull, useSwitchBranch } from '../../api/git';
import { ErrorAlert } from '../../components/alert';
import { check } from '../../components/validation';

/** "↑2 ↓1 origin/main", "not pushed yet", or nothing when the branch is level with its upstream. */
function tracking(branches: GitBranches): string {
  const current = branches.local.find((branch) => branch.current);
  if (!current) return '';
  if (!current.upstream) return 'not pushed yet';
  const parts = [
    current.ahead > 0 ? `↑${current.ahead}` : '',
    current.behind > 0 ? `↓${current.behind}` : '',
  ];
  const counts = parts.filter(Boolean).join(' ');
  return counts ? `${counts} ${current.upstream}` : `up to date with ${current.upstream}`;
}

/** The checked-out branch with its upstream; editors switch, create, fetch and pull here. */
export function BranchBar({ workspaceId, canEdit }: { workspaceId: string; canEdit: boolean }) {
  const branches = useBranches(workspaceId);
  const switchTo = useSwitchBranch(workspaceId);
  const create = useCreateBranch(workspaceId);
  const fetchRemote = useFetchRemote(workspaceId);
  const pull = usePull(workspaceId);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();

  if (branches.isPending) return <p className="muted small">Loading branches…</p>;
  if (!branches.data) return <ErrorAlert error={branches.error} />;
  const data = branches.data;
  const local = new Set(data.local.map((branch) => branch.name));
  const remoteOnly = data.remote.filter(
    (branch) => branch.name !== 'HEAD' && !local.has(branch.name) && branch.remote === 'origin',
  );
  const busy = switchTo.isPending || create.isPending || fetchRemote.isPending || pull.isPending;
  const hasOrigin = data.remotes.some((remote) => remote.name === 'origin');

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const error = check(gitBranchName, name.trim());
    setNameError(error);
    if (error) return;
    create.mutate({ name: name.trim() }, { onSuccess: () => setName('') });
  }

  return (
    <div className="diff-branch-bar">
      <p className="diff-branch" aria-live="polite">
        <span className="muted">Branch</span>{' '}
        {data.current ? (
          <strong className="mono" data-testid="current-branch">
            {data.current}
          </strong>
        ) : (
          <span className="mono">
            {data.head ? `detached at ${data.head.slice(0, 8)}` : 'no commits yet'}
          </span>
        )}{' '}
        <span className="muted small">{tracking(data)}</span>
      </p>
      {canEdit ? (
        <div className="diff-branch-actions">
          {data.local.length > 0 || remoteOnly.length > 0 ? (
            <label className="diff-inline-label">
              <span className="visually-hidden">Switch branch</span>
              <select
                value={data.current ?? ''}
                disabled={busy}
                onChange={(event) => switchTo.mutate(event.target.value)}
                aria-label="Switch branch"
              >
                {data.current ? null : <option value="">(detached)</option>}
                {data.local.map((branch) => (
                  <option key={branch.name} value={branch.name}>
                    {branch.name}
                  </option>
                ))}
                {remoteOnly.map((branch) => (
                  <option key={`${branch.remote}/${branch.name}`} value={branch.name}>
                    {branch.name} (from {branch.remote})
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <form className="diff-new-branch" onSubmit={submit} noValidate aria-label="Create a branch">
            <input
              aria-label="New branch name"
              placeholder="new-branch"
              value={name}
              onChange={(event) => setName(event.target.value)}
              aria-invalid={nameError ? true : undefined}
              className="mono"
            />
            <button type="submit" className="button button-small" disabled={busy}>
              Create branch
            </button>
          </form>
          {hasOrigin ? (
            <>
              <button
                type="button"
                className="button button-small"
                disabled={busy}
                onClick={() => fetchRemote.mutate('origin')}
              >
                Fetch
              </button>
              <button
                type="button"
                className="button button-small"
                disabled={busy}
                onClick={() => pull.mutate({})}
              >
                Pull
              </button>
            </>
          ) : null}
        </div>
      ) : null}
      {nameError ? <p className="field-error">{nameError}</p> : null}
      <ErrorAlert error={switchTo.error ?? create.error ?? fetchRemote.error ?? pull.error} />
    </div>
  );
}
