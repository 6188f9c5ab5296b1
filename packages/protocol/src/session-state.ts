import { EventType } from '@ag-ui/core';
import {
  HANGAR_EVENT,
  permissionAnswerValue,
  permissionRequestValue,
  statusValue,
  usageValue,
  type AgentEvent,
  type SessionStatus,
  type StoredEvent,
} from './sessions.js';

/**
 * What a session's stored events say about it now: its status, what it cost,
 * which permission requests wait for an answer, and the run it is in. One pure
 * fold, used by the server (the session row caches its status), the web app,
 * the CLI and the chat bridge, so that they all agree.
 */
export interface SessionUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  /** How many `hangar.usage` events (model calls the LLM proxy metered) were summed. */
  calls: number;
}

export interface SessionState {
  /** Null until an event said anything about the status (the session row then knows: `starting`). */
  status: SessionStatus | null;
  /** Working, but no event for longer than the server's stall time. */
  stalled: boolean;
  /** Said with the status: why it is in `error`, how it stopped. */
  message: string | null;
  /** For `stopped`: who stopped it (null: Hangar itself, or not known). */
  stoppedBy: string | null;
  /** For `stopped`: it stopped with its workspace (and resumes when the workspace starts). */
  withWorkspace: boolean;
  /** Summed over the `hangar.usage` events (the proxy's records; `hangar.agent_usage` is not summed). */
  usage: SessionUsage;
  /** Permission requests asked and not answered yet, oldest first (a run's end drops them). */
  pending: readonly string[];
  /** Requests answered before their request was folded in (out of order), so they never become pending. */
  answered: readonly string[];
  /** The open run (RUN_STARTED without its RUN_FINISHED or RUN_ERROR yet), or null. */
  runId: string | null;
  /** The last event folded in: events up to it are ignored when folded again. */
  lastEventId: number;
}

export const emptyUsage: SessionUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
  calls: 0,
};

export const initialSessionState: SessionState = {
  status: null,
  stalled: false,
  message: null,
  stoppedBy: null,
  withWorkspace: false,
  usage: emptyUsage,
  pending: [],
  answered: [],
  runId: null,
  lastEventId: 0,
};

/**
 * Folds one stored event into the state. Events at or before `lastEventId` are
 * ignored (a replay, or a snapshot and a live stream that overlap), so folding
 * a stream twice gives what folding it once gives. Returns `state` itself when
 * nothing changed.
 */
export function foldSessionState(state: SessionState, stored: StoredEvent): SessionState {
  if (stored.id <= state.lastEventId) return state;
  const next = applyEvent(state, stored.event);
  return { ...next, lastEventId: stored.id };
}

/** Folds events in order (see foldSessionState). */
export function foldSessionEvents(state: SessionState, events: readonly StoredEvent[]): SessionState {
  return events.reduce(foldSessionState, state);
}

/**
 * The status an event implies, from the protocol alone: a run that started is working, a
 * permission request awaits approval (until the last pending one is answered), a finished run is
 * idle (waiting for a person), a run error is an error (a stop's `stopped` status follows its
 * RUN_ERROR and says so itself). Hangar's `hangar.status` events say the status outright.
 */
function applyEvent(state: SessionState, event: AgentEvent): SessionState {
  const current = state.status;
  switch (event.type) {
    case EventType.RUN_STARTED:
      return { ...working(state), runId: event.runId, pending: [] };
    case EventType.RUN_FINISHED:
      return {
        ...(current === 'stopped' ? state : settled(state, 'idle', null)),
        runId: null,
        pending: [],
      };
    case EventType.RUN_ERROR:
      return {
        ...(event.code === 'stopped' ? state : settled(state, 'error', event.message)),
        runId: null,
        pending: [],
      };
    case EventType.CUSTOM:
      return applyCustom(state, event.name, event.value);
    default:
      return current === 'awaiting_approval' || current === 'starting' || current === 'idle'
        ? state
        : working(state);
  }
}

function applyCustom(state: SessionState, name: string, value: unknown): SessionState {
  switch (name) {
    case HANGAR_EVENT.status: {
      const parsed = statusValue.safeParse(value);
      if (!parsed.success) return state;
      const { status, stalled, message, stoppedBy, withWorkspace } = parsed.data;
      return {
        ...state,
        status,
        stalled,
        message: message ?? null,
        stoppedBy: status === 'stopped' ? (stoppedBy ?? null) : null,
        withWorkspace: status === 'stopped' && withWorkspace === true,
      };
    }
    case HANGAR_EVENT.permissionRequest: {
      const parsed = permissionRequestValue.safeParse(value);
      if (!parsed.success) return state;
      const { requestId } = parsed.data;
      if (state.answered.includes(requestId))
        return { ...state, answered: state.answered.filter((id) => id !== requestId) };
      const pending = state.pending.includes(requestId) ? state.pending : [...state.pending, requestId];
      return { ...settled(state, 'awaiting_approval', null), pending };
    }
    case HANGAR_EVENT.permissionAnswer: {
      const parsed = permissionAnswerValue.safeParse(value);
      if (!parsed.success) return state;
      const { requestId } = parsed.data;
      if (!state.pending.includes(requestId))
        return state.answered.includes(requestId)
          ? state
          : { ...state, answered: [...state.answered, requestId] };
      const pending = state.pending.filter((id) => id !== requestId);
      const resumed = state.status === 'awaiting_approval' && pending.length === 0;
      return { ...(resumed ? working(state) : state), pending };
    }
    case HANGAR_EVENT.usage: {
      const parsed = usageValue.safeParse(value);
      if (!parsed.success) return state;
      const u = parsed.data;
      const before = state.usage;
      return {
        ...state,
        usage: {
          inputTokens: before.inputTokens + u.inputTokens,
          outputTokens: before.outputTokens + u.outputTokens,
          cacheReadTokens: before.cacheReadTokens + u.cacheReadTokens,
          cacheWriteTokens: before.cacheWriteTokens + u.cacheWriteTokens,
          costUsd: before.costUsd + u.costUsd,
          calls: before.calls + 1,
        },
      };
    }
    default:
      return state;
  }
}

function working(state: SessionState): SessionState {
  return state.status === 'working' ? state : settled(state, 'working', null);
}

function settled(state: SessionState, status: SessionStatus, message: string | null): SessionState {
  return { ...state, status, stalled: false, message, stoppedBy: null, withWorkspace: false };
}
