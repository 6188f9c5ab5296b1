import type { SessionStatus } from '@hangar/protocol';

const TONE: Record<SessionStatus, string> = {
  starting: 'badge-warn',
  working: 'badge-ok',
  awaiting_approval: 'badge-warn',
  idle: 'badge-muted',
  error: 'badge-danger',
  stopped: 'badge-muted',
};

const LABEL: Record<SessionStatus, string> = {
  starting: 'starting',
  working: 'working',
  awaiting_approval: 'awaiting approval',
  idle: 'idle',
  error: 'error',
  stopped: 'stopped',
};

/**
 * The status in words, not colour alone; `live` announces changes to screen readers. A stop
 * says who stopped it ("Stopped with the workspace by Ada."), and is never shown as an error.
 */
export function SessionStatusBadge({
  status,
  stalled = false,
  live = false,
  message = null,
}: {
  status: SessionStatus;
  stalled?: boolean;
  live?: boolean;
  /** The server's word on the status; shown for a stop (an error's is shown beside the transcript). */
  message?: string | null;
}) {
  const said = status === 'stopped' && message ? message : null;
  return (
    <span className={`badge ${TONE[status]}`} role={live ? 'status' : undefined} title={said ?? undefined}>
      <span className="visually-hidden">Status: </span>
      {LABEL[status]}
      {stalled ? ' (stalled)' : null}
      {said ? <span className="visually-hidden"> — {said}</span> : null}
    </span>
  );
}
