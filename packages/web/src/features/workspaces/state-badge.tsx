import type { WorkspaceState } from '@hangar/protocol';

const TONE: Record<WorkspaceState, string> = {
  running: 'badge-ok',
  stopped: 'badge-muted',
  archived: 'badge-muted',
  error: 'badge-danger',
  creating: 'badge-warn',
  deleting: 'badge-warn',
};

/**
 * The state in words, not colour alone. `live` makes it a status region, so
 * a screen reader hears the change when a polled workspace becomes running.
 */
export function StateBadge({ state, live = false }: { state: WorkspaceState; live?: boolean }) {
  return (
    <span className={`badge ${TONE[state]}`} role={live ? 'status' : undefined}>
      <span className="visually-hidden">State: </span>
      {state}
      {state === 'creating' || state === 'deleting' ? '…' : null}
    </span>
  );
}

export function NotIsolatedBadge() {
  return (
    <span className="badge badge-danger" title="Commands run unconfined as the Hangar server's user">
      not isolated
    </span>
  );
}
