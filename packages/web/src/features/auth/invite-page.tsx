import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useAcceptInvitation, useInvitationPreview } from '../../api/invitations';
import { Alert, ErrorAlert } from '../../components/alert';
import { DateTime } from '../../components/date-time';
import { usePageTitle } from '../../components/hooks';
import { Splash } from '../../components/splash';
import { focusFirstInvalid, hasErrors } from '../../components/validation';
import {
  emptyNewAccount,
  NewAccountFields,
  newAccountBody,
  validateNewAccount,
  type NewAccountErrors,
} from './new-account-fields';

/** Someone opened an invitation link: show what it grants, then let them create their account. */
export function InvitePage() {
  usePageTitle('Accept invitation');
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const preview = useInvitationPreview(token);

  return (
    <main className="auth-page">
      <div className="card auth-card">
        <p className="brand brand-large">Hangar</p>
        <h1>Join Hangar</h1>
        {token === '' ? (
          <Alert>This link has no invitation token. Open the full link you were sent.</Alert>
        ) : preview.isPending ? (
          <Splash label="Checking the invitation…" />
        ) : preview.isError ? (
          <>
            <ErrorAlert error={preview.error} />
            <p className="muted small">
              Already have an account? <Link to="/login">Log in</Link>
            </p>
          </>
        ) : (
          <>
            <p>
              You are invited to join as {preview.data.role === 'admin' ? 'an admin' : 'a member'}
              {preview.data.email ? ` (${preview.data.email})` : ''}. The invitation expires{' '}
              <DateTime value={preview.data.expiresAt} />.
            </p>
            <AcceptForm token={token} />
          </>
        )}
      </div>
    </main>
  );
}

function AcceptForm({ token }: { token: string }) {
  const navigate = useNavigate();
  const [values, setValues] = useState(emptyNewAccount);
  const [errors, setErrors] = useState<NewAccountErrors>({});
  const accept = useAcceptInvitation();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const found = validateNewAccount(values);
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    accept.mutate(
      { token, ...newAccountBody(values) },
      { onSuccess: () => void navigate('/', { replace: true }) },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="stack">
      <NewAccountFields values={values} errors={errors} onChange={setValues} />
      <ErrorAlert error={accept.error} />
      <button type="submit" className="button button-primary button-block" disabled={accept.isPending}>
        Create account
      </button>
    </form>
  );
}
