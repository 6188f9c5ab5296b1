import { Alert, errorMessage } from './alert';

export function Splash({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="splash" role="status">
      {label}
    </div>
  );
}

/** Shown when the app cannot start, e.g. the server is down. */
export function FatalError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <main className="auth-page">
      <div className="card auth-card">
        <h1>Hangar is not reachable</h1>
        <Alert>{errorMessage(error)}</Alert>
        <button type="button" className="button button-primary" onClick={onRetry}>
          Try again
        </button>
      </div>
    </main>
  );
}
