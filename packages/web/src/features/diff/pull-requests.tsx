import { createPullRequestRequest, type PullRequestInfo } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useBranches, useCreatePull, usePullDraft, usePulls } from '../../api/git';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { checkBody, focusFirstInvalid, hasErrors } from '../../components/validation';
import { GitCredentialForm } from './git-credentials';

type PullDraft = NonNullable<ReturnType<typeof usePullDraft>['data']>;
type PullStatus = NonNullable<PullRequestInfo['status']>;
type CiState = PullStatus['ci']['state'];
type ReviewState = PullStatus['review']['state'];

const CI_TEXT: Record<CiState, [string, string]> = {
  success: ['checks passed', 'badge-ok'],
  failure: ['checks failed', 'badge-danger'],
  pending: ['checks running', 'badge-warn'],
  none: ['no checks', 'badge-muted'],
};
const REVIEW_TEXT: Record<ReviewState, [string, string]> = {
  approved: ['approved', 'badge-ok'],
  changes_requested: ['changes requested', 'badge-danger'],
  pending: ['review pending', 'badge-warn'],
  none: ['no reviews', 'badge-muted'],
};

/**
 * The branch's pull (or merge) requests with CI and review state, and the
 * form to open one. Both need a forge the server knows and a token of the
 * reader's for it; without one, the token form is offered right here.
 */
export function PullRequests({ workspaceId, canEdit }: { workspaceId: string; canEdit: boolean }) {
  // The branch bar's query (shared): whether there is an origin to ask a forge about at all.
  const branches = useBranches(workspaceId);
  const hasOrigin = branches.data?.remotes.some((remote) => remote.name === 'origin');
  const draft = usePullDraft(workspaceId, hasOrigin === true);
  const forge = draft.data?.forge ?? null;
  const pulls = usePulls(workspaceId, forge?.hasCredential === true);

  let body;
  if (branches.isPending) body = <p className="muted small">Loading…</p>;
  else if (!branches.data) body = <ErrorAlert error={branches.error} />;
  else if (!hasOrigin) {
    body = (
      <p className="muted small">
        This repository has no remote, so there are no pull requests. To open one, add the repository on
        GitHub or GitLab as its origin in a terminal (<code>git remote add origin URL</code>), then push the
        branch.
      </p>
    );
  } else if (draft.isPending) body = <p className="muted small">Loading…</p>;
  else if (!draft.data) body = <ErrorAlert error={draft.error} />;
  else if (!forge) {
    body = (
      <p className="muted small">
        The remote origin is not on a GitHub or GitLab host Hangar knows, so there are no pull requests to
        show. An admin can add the host to HANGAR_FORGES.
      </p>
    );
  } else if (!forge.hasCredential) {
    body = (
      <>
        <p className="muted small">
          Add your token for {forge.host} to see the pull requests of {forge.project}
          {canEdit ? ' and open one' : ''}.
        </p>
        <GitCredentialForm host={forge.host} />
      </>
    );
  } else {
    const open = pulls.data?.pulls.filter((pull) => pull.state === 'open') ?? [];
    body = (
      <>
        <ErrorAlert error={pulls.error} />
        {pulls.data && pulls.data.pulls.length === 0 ? (
          <p className="muted small">No pull requests from {pulls.data.branch ?? 'this branch'} yet.</p>
        ) : null}
        <ul className="diff-pulls">
          {pulls.data?.pulls.map((pull) => (
            <PullRow key={pull.number} pull={pull} />
          ))}
        </ul>
        {canEdit && pulls.data && open.length === 0 ? (
          <CreatePullForm workspaceId={workspaceId} draft={draft.data} />
        ) : null}
      </>
    );
  }

  return (
    <section className="diff-pull-requests" aria-labelledby="diff-pulls-heading">
      <h3 id="diff-pulls-heading">
        {forge?.kind === 'gitlab' ? 'Merge requests' : 'Pull requests'}
        {forge ? <span className="muted small"> · {forge.project}</span> : null}
      </h3>
      {body}
    </section>
  );
}

function PullRow({ pull }: { pull: PullRequestInfo }) {
  const ci = pull.status ? CI_TEXT[pull.status.ci.state] : null;
  const review = pull.status ? REVIEW_TEXT[pull.status.review.state] : null;
  return (
    <li className="diff-pull">
      <a href={pull.url} target="_blank" rel="noopener noreferrer">
        #{pull.number} {pull.title}
      </a>
      <span className={`badge ${pull.state === 'open' ? 'badge-ok' : 'badge-muted'}`}>
        {pull.draft ? 'draft' : pull.state}
      </span>
      {ci ? <span className={`badge ${ci[1]}`}>{ci[0]}</span> : null}
      {review ? <span className={`badge ${review[1]}`}>{review[0]}</span> : null}
      <span className="muted small">
        {' '}
        {pull.head} → {pull.base} · {pull.author}
      </span>
      {pull.status && pull.status.ci.checks.length > 0 ? (
        <ul className="diff-checks small">
          {pull.status.ci.checks.map((check) => (
            <li key={check.name}>
              <span className={`badge ${CI_TEXT[check.state][1]}`}>{check.state}</span>{' '}
              {check.url ? (
                <a href={check.url} target="_blank" rel="noopener noreferrer">
                  {check.name}
                </a>
              ) : (
                check.name
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** Starts from the server's draft: the agents' summary (or the commits) as the body. */
function CreatePullForm({ workspaceId, draft }: { workspaceId: string; draft: PullDraft }) {
  const [title, setTitle] = useState(draft.title);
  const [body, setBody] = useState(draft.body);
  const [base, setBase] = useState(draft.base ?? '');
  const [isDraft, setIsDraft] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const create = useCreatePull(workspaceId);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const request = { title, body, draft: isDraft, ...(base.trim() && { base: base.trim() }) };
    const found = checkBody(createPullRequestRequest, request);
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    create.mutate(request);
  }

  if (!draft.head) return <p className="muted small">Switch to a branch to open a pull request from it.</p>;
  return (
    <form onSubmit={submit} noValidate className="diff-pull-form" aria-label="Open a pull request">
      <Field
        label="Title"
        value={title}
        onChange={(event) => setTitle(event.target.value)}
        error={errors.title}
      />
      <div className="field">
        <label htmlFor="diff-pull-body">Description</label>
        <textarea
          id="diff-pull-body"
          rows={6}
          value={body}
          onChange={(event) => setBody(event.target.value)}
        />
        {draft.bodySource !== 'none' ? (
          <p className="field-hint">
            {draft.bodySource === 'agent'
              ? 'Prefilled with the agent’s summary of its work: edit it as you like.'
              : 'Prefilled from the branch’s commits.'}
          </p>
        ) : null}
      </div>
      <Field
        label="Base branch"
        value={base}
        onChange={(event) => setBase(event.target.value)}
        hint={`Merge ${draft.head} into this branch.`}
        className="mono"
        error={errors.base}
      />
      <label className="choice">
        <input type="checkbox" checked={isDraft} onChange={(event) => setIsDraft(event.target.checked)} />{' '}
        Open as a draft
      </label>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Open pull request
        </button>
      </div>
      {create.data ? (
        <Notice>
          Opened{' '}
          <a href={create.data.url} target="_blank" rel="noopener noreferrer">
            #{create.data.number}
          </a>
          .
        </Notice>
      ) : null}
      <ErrorAlert error={create.error} />
    </form>
  );
}
