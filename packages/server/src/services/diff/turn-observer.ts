import type { AgentEvent } from '@hangar/protocol';
import type { AgentAdapter, AgentLaunch, AgentProcess } from '../../agents/adapter.js';

export interface SessionRef {
  sessionId: string;
  workspaceId: string;
}

/**
 * What the session service tells about turns. `beforeTurn` is awaited before
 * a message goes to the agent as a new turn (the tree is recorded first);
 * RUN_STARTED, RUN_FINISHED and RUN_ERROR events open and close the turn.
 */
export interface TurnObserver {
  beforeTurn(session: SessionRef): Promise<void>;
  onEvent(session: SessionRef, event: AgentEvent): void;
}

/**
 * Starts an agent with its turns observed: each `send` (a new turn; steering
 * is not one) waits for `beforeTurn`, and the observer sees every event.
 */
export async function startObserved(
  adapter: AgentAdapter,
  launch: AgentLaunch,
  observer: TurnObserver | undefined,
  session: SessionRef,
): Promise<AgentProcess> {
  if (!observer) return adapter.start(launch);
  const emit = (event: AgentEvent) => {
    observer.onEvent(session, event);
    launch.emit(event);
  };
  const process = await adapter.start({ ...launch, emit });
  const send = process.send.bind(process);
  process.send = async (text) => {
    await observer.beforeTurn(session);
    return send(text);
  };
  return process;
}
