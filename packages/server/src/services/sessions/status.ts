import { EventType, HANGAR_EVENT, type AgentEvent, type SessionStatus } from '@hangar/protocol';

/**
 * The session status an event implies, from the protocol alone: a run that
 * started is working, a permission request awaits approval, a finished run is
 * idle (waiting for a person), a run error is an error. Other events leave it.
 */
export function statusAfter(current: SessionStatus, event: AgentEvent): SessionStatus {
  switch (event.type) {
    case EventType.RUN_STARTED:
      return 'working';
    case EventType.RUN_FINISHED:
      return current === 'stopped' ? current : 'idle';
    case EventType.RUN_ERROR:
      return 'error';
    case EventType.CUSTOM:
      if (event.name === HANGAR_EVENT.permissionRequest) return 'awaiting_approval';
      if (event.name === HANGAR_EVENT.permissionAnswer && current === 'awaiting_approval') return 'working';
      return current;
    default:
      return current === 'awaiting_approval' || current === 'starting' || current === 'idle'
        ? current
        : 'working';
  }
}
