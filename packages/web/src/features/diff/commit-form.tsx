import { useState, type FormEvent } from 'react';
import { useBranches, useCommit, usePush } from '../../api/git';
import { ErrorAlert, Notice } from '../../components/alert';

interface CommitFormProps {
  workspaceId: string;
  /** The files ticked in the list. */
  files: readonly string[];
  /** How many files changed in all. */
  total: number;
}

/**
 * Commits the ticked files as the signed-in user, then pushes the branch.
 * Refusals (a protected branch, nothing to commit, a remote that wants a
 * token) come back from the server with what to do, and are shown as such.
 */
export function CommitForm({ workspaceId, files, total }: CommitFormProps) {
  const [message, setMessage] = useState('');
  const [messageError, setMessageError] = useState<string | undefined>();
  const commit = useCommit(workspaceId);
  const push = usePush(workspaceId);
  const branches = useBranches(workspaceId);
  const current = branches.data?.local.find((branch) => branch.current);
  const hasOrigin = branches.data?.remotes.some((remote) => remote.name === 'origin') ?? false;
  const unpushed = current ? current.upstream === null || current.ahead > 0 : false;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (message.trim() === '') {
      setMessageError('Write a commit message.');
      return;
    }
    setMessageError(undefined);
    push.reset();
    commit.mutate({ message, files: [...files] }, { onSuccess: () => setMessage('') });
  }

  return (
    <section className="diff-commit" aria-labelledby="diff-commit-heading">
      <h3 id="diff-commit-heading">Commit</h3>
      {total > 0 ? (
        <form onSubmit={submit} noValidate aria-label="Commit changes">
          <div className="field">
            <label htmlFor="diff-commit-message">Commit message</label>
            <textarea
              id="diff-commit-message"
              rows={3}
              value={message}
              onChange={(event) => setMessage(event.target.value)}
              aria-invalid={messageError ? true : undefined}
              placeholder="What changed, and why"
            />
            {messageError ? <p className="field-error">{messageError}</p> : null}
          </div>
          <div className="button-row">
            <button
              type="submit"
              className="button button-primary"
              disabled={commit.isPending || files.length === 0}
            >
              {files.length === total
                ? `Commit ${total === 1 ? 'the change' : `all ${total} files`}`
                : `Commit ${files.length} of ${total} files`}
            </button>
            {files.length === 0 ? <span className="muted small">Tick the files to commit.</span> : null}
          </div>
        </form>
      ) : (
        <p className="muted">Nothing to commit: the working tree matches HEAD.</p>
      )}
      {commit.data && !commit.isPending ? (
        <Notice>
          Committed <span className="mono">{commit.data.commit.sha.slice(0, 8)}</span> “
          {commit.data.commit.subject}”{commit.data.branch ? ` on ${commit.data.branch}` : ''} as{' '}
          {commit.data.commit.authorName}.
        </Notice>
      ) : null}
      <ErrorAlert error={commit.error} />
      {hasOrigin && current ? (
        <div className="button-row diff-push">
          <button
            type="button"
            className="button"
            disabled={push.isPending}
            onClick={() => push.mutate({ remote: 'origin' })}
          >
            Push {current.name}
          </button>
          <span className="muted small">
            {unpushed
              ? current.upstream
                ? `${current.ahead} commit${current.ahead === 1 ? '' : 's'} not on ${current.upstream}`
                : 'not on origin yet'
              : `level with ${current.upstream}`}
          </span>
        </div>
      ) : null}
      {push.data && !push.isPending ? (
        <Notice>
          Pushed {push.data.branch} to {push.data.remote}/{push.data.remoteBranch}
          {push.data.created ? ' (a new branch there)' : ''}.
        </Notice>
      ) : null}
      <ErrorAlert error={push.error} />
    </section>
  );
}
