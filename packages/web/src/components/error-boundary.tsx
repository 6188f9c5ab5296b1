import { Component, type ReactNode } from 'react';

interface State {
  error: unknown;
}

/**
 * Catches a page that failed to load or render. The usual cause is a new
 * deploy: the page's script chunk from the old build is gone, and a reload
 * fetches the new one.
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <section className="page">
        <h1>This page did not load</h1>
        <div role="alert" className="alert alert-error error-state">
          <span>Hangar may have been updated since this tab opened. Reloading fetches the new version.</span>
          <button type="button" className="button button-small" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </section>
    );
  }
}
