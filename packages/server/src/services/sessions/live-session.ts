import {
  foldSessionState,
  initialSessionState,
  type SessionState,
  type SessionStatus,
  type StoredEvent,
} from '@hangar/protocol';
import type { AgentAdapter, AgentProcess } from '../../agents/adapter.js';
import type { AgentChild } from './agent-child.js';

/**
 * A session whose agent process runs in this server: the process, the messages waiting for
 * the running turn's end, the commands its adapter started, and the session's state as the
 * shared fold of the events it recorded since it started.
 */
export class LiveSession {
  /** Messages sent while a turn runs, for agents that cannot steer, with their author. */
  readonly queue: { text: string; by: string }[] = [];
  /** Permission requests being answered now (an answer goes to the agent once). */
  readonly answering = new Set<string>();
  stopping = false;
  /** Working with no event for longer than the stall time (reported once, cleared by the next event). */
  stalled = false;
  /** The status as last recorded (the row's), so streamed deltas need no read of the session row. */
  status: SessionStatus;
  /** The fold of the events recorded since the process started (status, pending permission requests). */
  state: SessionState;
  /** A run started and has not finished or failed yet. */
  running = false;
  /** The adapter ended the open run itself when its process ended (a RUN_ERROR with code agent_exited). */
  exitReported = false;
  /** When the last event arrived, and when last_event_at was last written (ms). */
  lastEventAt: number;
  lastEventWrittenAt = 0;
  /** Settles once the end of the agent's process was recorded. */
  readonly ended: Promise<void>;
  /** Called once the end of the agent's process was recorded. */
  readonly markEnded: () => void;

  constructor(
    readonly process: AgentProcess,
    readonly adapter: AgentAdapter,
    readonly workspaceId: string,
    /** Commands the adapter started; one whose wrapper exited while its tree lives can no longer be written to. */
    readonly children: AgentChild[],
    status: SessionStatus,
    now: number,
  ) {
    this.status = status;
    // A new process has no request of an earlier one to answer: the fold starts from the row's status.
    this.state = { ...initialSessionState, status };
    this.lastEventAt = now;
    let ended!: () => void;
    this.ended = new Promise((resolve) => (ended = resolve));
    this.markEnded = ended;
  }

  /** Folds a stored event of the session into its state. */
  fold(stored: StoredEvent): void {
    this.state = foldSessionState(this.state, stored);
  }

  /** Whether the request waits for an answer (and nobody is answering it now). */
  awaits(requestId: string): boolean {
    return this.state.pending.includes(requestId) && !this.answering.has(requestId);
  }

  /** Commands whose wrapper exited while their tree lives on: they can take no further message. */
  orphans(): AgentChild[] {
    return this.children.filter((child) => child.wrapperExited && child.exitCode === null);
  }
}
