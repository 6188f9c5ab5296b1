import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { useSetup } from '../../api/auth';
import { isApiError } from '../../api/client';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { usePageTitle } from '../../components/hooks';
import { focusFirstInvalid, hasErrors } from '../../components/validation';
import {
  emptyNewAccount,
  NewAccountFields,
  newAccountBody,
  validateNewAccount,
  type NewAccountErrors,
} from './new-account-fields';

/** First run: whoever holds the setup link printed by `hangar serve` creates the first admin. */
export function SetupPage() {
  usePageTitle('Set up');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const tokenFromUrl = params.get('token') ?? '';
  const [setupToken, setSetupToken] = useState(tokenFromUrl);
  const [values, setValues] = useState(emptyNewAccount);
  const [errors, setErrors] = useState<NewAccountErrors & { setupToken?: string }>({});
  const setup = useSetup();

  // The token field is hidden when the link carried one, unless the server turns it down.
  const showTokenField = tokenFromUrl === '' || isApiError(setup.error, 'invalid_setup_token');

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const found = {
      ...validateNewAccount(values),
      setupToken: setupToken.trim() === '' ? 'Paste the setup token.' : undefined,
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    setup.mutate(
      { setupToken: setupToken.trim(), ...newAccountBody(values) },
      { onSuccess: () => void navigate('/', { replace: true }) },
    );
  }

  return (
    <main className="auth-page">
      <div className="card auth-card">
        <p className="brand brand-large">Hangar</p>
        <h1>Set up Hangar</h1>
        <p className="muted">Create the first admin account. You can invite others afterwards.</p>
        <form onSubmit={submit} noValidate className="stack">
          {showTokenField ? (
            <Field
              label="Setup token"
              name="setupToken"
              autoComplete="off"
              spellCheck={false}
              className="mono"
              value={setupToken}
              onChange={(event) => setSetupToken(event.target.value)}
              hint={
                <>
                  Open the setup link printed by <code>hangar serve</code>, or paste the token from it.
                </>
              }
              error={errors.setupToken}
            />
          ) : null}
          <NewAccountFields values={values} errors={errors} onChange={setValues} />
          <ErrorAlert error={setup.error} />
          <button type="submit" className="button button-primary button-block" disabled={setup.isPending}>
            Create admin account
          </button>
        </form>
      </div>
    </main>
  );
}
