import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useAuthStatus, useLogin, useMe } from '../../api/auth';
import { isApiError } from '../../api/client';
import { Alert, errorMessage } from '../../components/alert';
import { Field } from '../../components/field';
import { useCountdown, usePageTitle } from '../../components/hooks';
import { Splash } from '../../components/splash';
import { safeNextPath } from './next-path';

const loginMessages: Partial<Record<string, string>> = {
  invalid_credentials: 'Wrong username or password.',
  account_locked:
    'This account is locked for a while after too many failed logins; try later, or ask an admin.',
  account_disabled: 'This account is disabled; ask an admin to enable it.',
};

/** Used when a 429 arrives without a retry time, in seconds. */
const defaultRetryAfter = 60;

export function LoginPage() {
  usePageTitle('Log in');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNextPath(params.get('next'));
  const status = useAuthStatus();
  const noAuth = status.data?.authMode === 'none';
  const me = useMe(!noAuth);
  const login = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState(false);
  const [retryAt, setRetryAt] = useState<number | null>(null);
  const secondsLeft = useCountdown(retryAt);

  if (noAuth || me.data) return <Navigate to={next} replace />;
  if (me.isPending) return <Splash />;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const incomplete = username.trim() === '' || password === '';
    setMissing(incomplete);
    if (incomplete) return;
    login.mutate(
      { username: username.trim(), password },
      {
        onSuccess: () => void navigate(next, { replace: true }),
        onError: (error) => {
          if (isApiError(error, 'login_throttled')) {
            setRetryAt(Date.now() + (error.retryAfter ?? defaultRetryAfter) * 1000);
          }
          setPassword('');
        },
      },
    );
  }

  return (
    <main className="auth-page">
      <div className="card auth-card">
        <p className="brand brand-large">Hangar</p>
        <h1>Log in</h1>
        <form onSubmit={submit} noValidate className="stack">
          <Field
            label="Username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            autoFocus
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
          {missing ? (
            <Alert>Enter your username and password.</Alert>
          ) : (
            <LoginError error={login.error} secondsLeft={secondsLeft} />
          )}
          <button type="submit" className="button button-primary button-block" disabled={login.isPending}>
            Log in
          </button>
        </form>
        <p className="muted small">No account? Ask an admin of this Hangar for an invitation link.</p>
      </div>
    </main>
  );
}

function LoginError({ error, secondsLeft }: { error: unknown; secondsLeft: number }) {
  if (!error) return null;
  if (isApiError(error, 'login_throttled')) {
    // Once the wait is over the alert goes away: the next attempt is allowed.
    if (secondsLeft === 0) return null;
    const unit = secondsLeft === 1 ? 'second' : 'seconds';
    return <Alert>{`Too many failed attempts. Try again in ${secondsLeft} ${unit}.`}</Alert>;
  }
  return <Alert>{errorMessage(error, loginMessages)}</Alert>;
}
