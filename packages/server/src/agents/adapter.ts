import type { SpawnedChild } from '../sandbox/spawner.js';
import type { AgentEvent, PermissionDecision } from '@hangar/protocol';

/** What an agent can do; the web app hides what it cannot. */
export interface AgentCapabilities {
  /** Text arrives as it is generated (TEXT_MESSAGE_CONTENT deltas). */
  streaming: boolean;
  reasoning: boolean;
  /** Tool calls can wait for a person's allow or deny. */
  approvals: boolean;
  interrupt: boolean;
  /** A session survives its process (and the server) through the agent's own resume. */
  resume: boolean;
  modelSwitch: boolean;
  /** A message sent while the agent works steers the running turn instead of waiting. */
  steering: boolean;
  perTurnDiff: boolean;
}

/** How much the agent may do without asking. */
export type PermissionMode = 'ask' | 'allow_edits' | 'allow_all';

/** Everything an adapter needs to run its CLI inside the workspace's sandbox. */
export interface AgentLaunch {
  sessionId: string;
  workspaceId: string;
  model: string;
  /** The models this session may switch to (the agent's allowed models, the session's own first). */
  models: readonly string[];
  permissionMode: PermissionMode;
  /** The CLI's own session or thread id from an earlier process, to resume it. */
  resumeId: string | null;
  /** The sandbox's environment: HOME, the workspace token and the LLM proxy's URLs. */
  env: Readonly<Record<string, string>>;
  /** Starts a process inside the sandbox, with pipes, in the sandbox user's home or the workspace. */
  spawn(command: string[], options?: { env?: Record<string, string>; cwd?: string }): Promise<SpawnedChild>;
  /** Writes a file under the sandbox user's $HOME (agent configs), owned by the sandbox user. */
  writeHomeFile(relativePath: string, content: string): Promise<void>;
  /** Hands a normalised event to the session (stored, streamed, and used for the status). */
  emit(event: AgentEvent): void;
  /** Remembers the CLI's own id, for resume after a restart. */
  setResumeId(id: string): void;
}

/** A running agent process of one session. */
export interface AgentProcess {
  /** Starts a turn with the person's text (the session queues it while a turn runs, unless the agent steers). */
  send(text: string): Promise<void>;
  /**
   * Adds the person's text to the running turn (agents whose capabilities say `steering`).
   * False when no turn was running any more: the session then sends it as a new turn.
   */
  steer?(text: string): Promise<boolean>;
  interrupt(): Promise<void>;
  answerPermission(requestId: string, decision: PermissionDecision, reason?: string): Promise<void>;
  /** Switches the model from the next model call on; without it the session restarts the agent with the model. */
  setModel?(model: string): Promise<void>;
  stop(): Promise<void>;
  /** Settles when the process ends, whatever the reason. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
}

/** One agent CLI: its capabilities, and how to start it. One folder per adapter. */
export interface AgentAdapter {
  readonly name: string;
  readonly label: string;
  readonly capabilities: AgentCapabilities;
  /** Behind a feature gate: listed only when the config enables it. */
  readonly experimental: boolean;
  /** Why it cannot run here (its CLI is not installed, say), or undefined. */
  unavailableReason(): Promise<string | undefined>;
  start(launch: AgentLaunch): Promise<AgentProcess>;
}
