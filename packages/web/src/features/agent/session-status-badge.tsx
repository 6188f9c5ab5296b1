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

/** The status in words, not colour alone; `live` announces changes to screen readers. */
export function SessionStatusBadge({
  status,
  stalled = false,
  live = false,
}: {
  status: SessionStatus;
  stalled?: boolean;
  live?: boolean;
}) {
  return (
    <span className={`badge ${TONE[status]}`} role={live ? 'status' : undefined}>
      <span className="visually-hidden">Status: </span>
      {LABEL[status]}
      {stalled ? ' (stalled)' : null}
    </span>
  );
}
