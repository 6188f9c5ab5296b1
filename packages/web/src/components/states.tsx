import type { ReactNode } from 'react';
import { errorMessage } from './alert';

/**
 * The three states every page and panel shares: nothing yet (with what to do
 * about it), loading, and failed (with a way to try again).
 */
export function EmptyState({
  title,
  children,
  action,
  headingLevel = 2,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div className="card empty-state">
      <Heading>{title}</Heading>
      {children ? <div className="muted">{children}</div> : null}
      {action ? <div className="empty-state-action">{action}</div> : null}
    </div>
  );
}

/** A polite "Loading …" with a spinner that stops for people who ask for less motion. */
export function LoadingState({ label }: { label: string }) {
  return (
    <p className="loading-state" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function ErrorState({
  error,
  onRetry,
  overrides,
}: {
  error: unknown;
  onRetry?: () => void;
  overrides?: Partial<Record<string, string>>;
}) {
  return (
    <div role="alert" className="alert alert-error error-state">
      <span>{errorMessage(error, overrides)}</span>
      {onRetry ? (
        <button type="button" className="button button-small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
