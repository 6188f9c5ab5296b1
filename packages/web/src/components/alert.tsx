import type { ReactNode } from 'react';
import { ApiError } from '../api/client';

export function Alert({ children, tone = 'error' }: { children: ReactNode; tone?: 'error' | 'warning' }) {
  return (
    <div role="alert" className={`alert alert-${tone}`}>
      {children}
    </div>
  );
}

/** A polite announcement for things that went well ("Password changed."). */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <div role="status" className="alert alert-success">
      {children}
    </div>
  );
}

/** What to tell a person about a failed request; `overrides` rewords known error ids. */
export function errorMessage(error: unknown, overrides: Partial<Record<string, string>> = {}): string {
  if (error instanceof ApiError) return overrides[error.id] ?? error.message;
  return 'Something went wrong. Try again, or reload the page.';
}

export function ErrorAlert({
  error,
  overrides,
}: {
  error: unknown;
  overrides?: Partial<Record<string, string>>;
}) {
  if (!error) return null;
  return <Alert>{errorMessage(error, overrides)}</Alert>;
}
