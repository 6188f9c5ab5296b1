import { createGitCredentialRequest } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useDeleteGitCredential, useGitCredentials, useSetGitCredential } from '../../api/git';
import { ErrorAlert, Notice } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime } from '../../components/date-time';
import { Field } from '../../components/field';
import { checkBody, focusFirstInvalid, hasErrors } from '../../components/validation';

/**
 * Stores a token for a git host (GitHub, GitLab, any https remote). Hangar
 * seals it and hands it to git only for the call; it is never shown again.
 */
export function GitCredentialForm({ host: fixedHost }: { host?: string }) {
  const [host, setHost] = useState(fixedHost ?? '');
  const [username, setUsername] = useState('');
  const [token, setToken] = useState('');
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const save = useSetGitCredential();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const body = { host: fixedHost ?? host, username, token };
    const found = checkBody(createGitCredentialRequest, body);
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    save.mutate(body, { onSuccess: () => setToken('') });
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      className="inline-form"
      aria-label={fixedHost ? `Add a token for ${fixedHost}` : 'Add a git credential'}
    >
      {fixedHost ? null : (
        <Field
          label="Host"
          value={host}
          onChange={(event) => setHost(event.target.value)}
          placeholder="github.com"
          autoComplete="off"
          error={errors.host}
        />
      )}
      <Field
        label="Username"
        value={username}
        onChange={(event) => setUsername(event.target.value)}
        hint="GitHub takes any name with a token; GitLab: oauth2 or your user."
        autoComplete="off"
        error={errors.username}
      />
      <Field
        label="Token"
        type="password"
        value={token}
        onChange={(event) => setToken(event.target.value)}
        autoComplete="off"
        hint="A personal access token with repository access."
        error={errors.token}
      />
      <div className="inline-form-submit">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save token
        </button>
      </div>
      {save.data && !save.isPending ? <Notice>Token saved for {save.data.host}.</Notice> : null}
      <ErrorAlert error={save.error} />
    </form>
  );
}

/** The account page's list of git credentials (never their tokens) and the form to add one. */
export function GitCredentialsSection() {
  const credentials = useGitCredentials();
  const remove = useDeleteGitCredential();
  return (
    <section className="card" aria-labelledby="git-credentials-heading">
      <h2 id="git-credentials-heading">Git credentials</h2>
      <p className="muted small">
        Tokens for git remotes and pull requests, one per host. Git gets them only for a fetch, pull or push;
        they are never written into a workspace.
      </p>
      <GitCredentialForm />
      <ErrorAlert error={credentials.error ?? remove.error} />
      {credentials.data && credentials.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">Username</th>
                <th scope="col">Added</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {credentials.data.map((credential) => (
                <tr key={credential.id}>
                  <th scope="row" className="mono">
                    {credential.host}
                  </th>
                  <td>{credential.username}</td>
                  <td>
                    <DateTime value={credential.createdAt} />
                  </td>
                  <td>
                    <DateTime value={credential.lastUsedAt} fallback="Never" />
                  </td>
                  <td className="actions">
                    <ConfirmButton
                      label="Delete"
                      prompt={`Delete the token for ${credential.host}?`}
                      confirmLabel="Confirm delete"
                      disabled={remove.isPending}
                      onConfirm={() => remove.mutate(credential.id)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : credentials.data ? (
        <p className="muted">No git credentials yet.</p>
      ) : null}
    </section>
  );
}
