import type { Kysely } from 'kysely';
import {
  EventType,
  HANGAR_EVENT,
  foldSessionState,
  initialSessionState,
  permissionMode,
  type AgentEvent,
  type PermissionDecision,
  type SessionStatus,
} from '@hangar/protocol';
import type { AgentAdapter, PermissionMode } from '../../agents/adapter.js';
import type { AgentCatalog } from '../../agents/catalog.js';
import { errors } from '../../errors.js';
import type { EventLog } from '../../events/event-log.js';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../auth.js';
import { iso, type Clock } from '../../common/clock.js';
import { newId } from '../../common/crypto.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import { startObserved, type TurnObserver } from '../diff/turn-observer.js';
import type { WorkspaceRow } from '../workspaces/repository.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import type { AgentChild } from './agent-child.js';
import { buildLaunch } from './launch.js';
import { LiveSession } from './live-session.js';
import { SessionStore, type SessionRow } from './session-store.js';

export type { SessionRow } from './session-store.js';

/** What became of a message: sent as a new turn, queued behind the running one, or steering it. */
export type MessageDelivery = 'sent' | 'queued' | 'steered';

/** Who stopped a session, and whether its workspace stopped with it (it then resumes on the workspace's start). */
interface StopCause {
  by: string | null;
  withWorkspace: boolean;
}

/**
 * Agent sessions: who may do what with them, and the orchestration of their storage
 * (SessionStore), their live agent processes (LiveSession) and the status the shared fold of
 * their events derives.
 */
export class SessionService {
  private readonly live = new Map<string, LiveSession>();
  private readonly store: SessionStore;
  private readonly lock = new KeyedLock();
  /** Told before each turn and of every event (per-turn diffs); set once at wiring. */
  turnObserver: TurnObserver | undefined;
  private readonly stallTimer: NodeJS.Timeout;
  /** Resumes started with a workspace's start, awaited by close(). */
  private readonly background = new Set<Promise<void>>();

  constructor(
    db: Kysely<Database>,
    readonly events: EventLog,
    private readonly workspaces: WorkspaceService,
    private readonly adapters: ReadonlyMap<string, AgentAdapter>,
    private readonly catalog: Pick<AgentCatalog, 'models'>,
    private readonly clock: Clock,
    /** Milliseconds working without an event before a session is flagged stalled. */
    private readonly stalledMs = 5 * 60_000,
    /** The LLM proxy's calls of each session not recorded yet: a run ends after their usage events. */
    private readonly llmCalls?: { settled(sessionId: string): Promise<void> },
  ) {
    this.store = new SessionStore(db, events, clock);
    this.stallTimer = setInterval(() => void this.checkStalled(), Math.min(stalledMs / 2, 5_000));
    this.stallTimer.unref();
    workspaces.lifecycle.onStopping((workspace, by) => this.stopWithWorkspace(workspace.id, by));
    workspaces.lifecycle.onStarted((workspace) =>
      this.inBackground(() => this.resumeWithWorkspace(workspace)),
    );
  }

  /** Whether a live session is flagged stalled now. */
  isStalled(id: string): boolean {
    return this.live.get(id)?.stalled ?? false;
  }

  private async checkStalled(): Promise<void> {
    const now = this.clock.now().getTime();
    for (const [id, live] of this.live) {
      if (live.stalled || live.status !== 'working' || now - live.lastEventAt < this.stalledMs) continue;
      live.stalled = true;
      await this.append(id, live, {
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.status,
        value: {
          status: 'working',
          stalled: true,
          message: `No event for ${Math.round(this.stalledMs / 1000)} s`,
        },
      });
    }
  }

  async create(
    principal: Principal,
    input: {
      workspaceId: string;
      agent: string;
      model: string;
      prompt?: string | undefined;
      permissionMode: PermissionMode;
    },
  ): Promise<SessionRow> {
    const { row: workspace } = await this.workspaces.get(principal, input.workspaceId, 'operate');
    if (workspace.state !== 'running')
      throw errors.invalidState(workspace.name, workspace.state, 'run agents');
    const adapter = this.adapter(input.agent);
    const unavailable = await adapter.unavailableReason();
    if (unavailable) throw errors.agentUnavailable(adapter.label, unavailable);
    const now = iso(this.clock.now());
    const row: SessionRow = {
      id: newId(),
      workspace_id: workspace.id,
      agent: adapter.name,
      model: input.model,
      status: 'starting',
      title: (input.prompt ?? `${adapter.label} session`).slice(0, 80),
      permission_mode: input.permissionMode,
      agent_session_id: null,
      error: null,
      created_by: principal.user.id,
      acting_user_id: principal.user.id,
      created_at: now,
      updated_at: now,
      last_event_at: now,
    };
    await this.store.insert(row);
    await this.launch(row);
    if (input.prompt) await this.send(principal, row.id, input.prompt);
    return this.store.find(row.id);
  }

  async list(principal: Principal, workspaceId: string): Promise<SessionRow[]> {
    await this.workspaces.get(principal, workspaceId);
    return this.store.list(workspaceId);
  }

  /** The session, if the principal may see its workspace. */
  async get(principal: Principal, id: string, action: 'read' | 'operate' = 'read'): Promise<SessionRow> {
    const row = await this.store.find(id);
    await this.workspaces.get(principal, row.workspace_id, action);
    return row;
  }

  /**
   * Sends a person's message. While a turn runs it steers that turn where the agent can, else it
   * waits for the turn's end. A session whose agent process ended (an error, a stop, a server
   * restart) is started again first, through the agent's own resume.
   */
  async send(principal: Principal, id: string, text: string): Promise<MessageDelivery> {
    const row = await this.get(principal, id, 'operate');
    await this.endOrphaned(id);
    if (!this.live.has(id)) await this.launch(row);
    const live = this.requireLive(row);
    await this.emit(id, {
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.userMessage,
      value: { messageId: newId(), text, authorId: principal.user.id },
    });
    if (live.status === 'working' && live.adapter.capabilities.steering && live.process.steer) {
      await this.actingPerson(id, principal.user.id);
      // The turn may end just before the steer arrives: then the message starts the next turn.
      if (await live.process.steer(text)) return 'steered';
    } else if (
      live.status === 'working' ||
      live.status === 'awaiting_approval' ||
      live.status === 'starting'
    ) {
      live.queue.push({ text, by: principal.user.id });
      return 'queued';
    }
    await this.actingPerson(id, principal.user.id);
    await live.process.send(text);
    return 'sent';
  }

  /** Switches the session's model, through the agent's own mechanism (from its next model call on). */
  async setModel(principal: Principal, id: string, model: string): Promise<SessionRow> {
    const row = await this.get(principal, id, 'operate');
    const adapter = this.adapter(row.agent);
    if (!adapter.capabilities.modelSwitch) throw errors.modelSwitchUnsupported(adapter.label);
    const allowed = this.catalog.models(row.agent).map((m) => m.id);
    if (!allowed.includes(model)) throw errors.unknownModel(model, adapter.label, allowed);
    if (model === row.model) return row;
    const live = this.live.get(id);
    const restart = live !== undefined && !live.process.setModel;
    if (live?.process.setModel)
      await live.process.setModel(model).catch((error: unknown) => {
        throw errors.modelSwitchFailed(adapter.label, (error as Error).message);
      });
    else if (restart) await this.shutdown(id);
    await this.store.setModel(id, model);
    await this.emit(id, {
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.modelChange,
      value: { from: row.model, model, changedBy: principal.user.id },
    });
    if (restart) await this.launch({ ...row, model });
    return this.store.find(id);
  }

  async interrupt(principal: Principal, id: string): Promise<void> {
    const row = await this.get(principal, id, 'operate');
    const live = this.requireLive(row);
    live.queue.length = 0;
    await live.process.interrupt();
  }

  async answer(
    principal: Principal,
    id: string,
    requestId: string,
    decision: PermissionDecision,
    reason?: string,
  ): Promise<void> {
    const row = await this.get(principal, id, 'operate');
    const live = this.requireLive(row);
    if (!live.awaits(requestId)) throw errors.unknownPermissionRequest();
    live.answering.add(requestId);
    try {
      await live.process.answerPermission(requestId, decision, reason);
      await this.emit(id, {
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.permissionAnswer,
        value: {
          requestId,
          decision,
          ...(reason !== undefined && { reason }),
          answeredBy: principal.user.id,
        },
      });
    } finally {
      live.answering.delete(requestId);
    }
  }

  async stop(principal: Principal, id: string): Promise<void> {
    await this.get(principal, id, 'operate');
    await this.shutdown(id, { by: principal.user.id, withWorkspace: false });
  }

  /** Starts the agent again after an error, a stop or a server restart, resuming its own session. */
  async restart(principal: Principal, id: string): Promise<SessionRow> {
    const row = await this.get(principal, id, 'operate');
    if (this.live.has(id)) return row;
    await this.launch(row);
    return this.store.find(id);
  }

  /** After a server restart: sessions that were live resume through their agent's own resume. */
  async resumeAll(): Promise<void> {
    const rows = await this.store.unfinished();
    for (const row of rows) {
      // A turn the server was following when it went away is over: its agent process went with it.
      if (row.status === 'working' || row.status === 'awaiting_approval')
        await this.emit(row.id, {
          type: EventType.RUN_ERROR,
          message:
            'The Hangar server restarted during this turn; the agent resumed its session: send a message to go on.',
          code: 'server_restarted',
        });
      await this.launch(row).catch(async (error: unknown) => {
        await this.setStatus(row.id, 'error', `could not resume: ${(error as Error).message}`);
      });
    }
  }

  /** Stops every agent process of this server (they resume on the next start). */
  async close(): Promise<void> {
    clearInterval(this.stallTimer);
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    await Promise.all([...this.live.keys()].map((id) => this.shutdown(id)));
  }

  /**
   * Before a workspace's sandbox stops: its sessions stop as a stop (status `stopped`, saying
   * who), not as agents that died, and they resume when the workspace starts again.
   */
  private async stopWithWorkspace(workspaceId: string, by: string | null): Promise<void> {
    const rows = await this.store.unfinished(workspaceId);
    const ids = new Set(rows.map((row) => row.id));
    for (const [id, live] of this.live) if (live.workspaceId === workspaceId) ids.add(id);
    await Promise.all([...ids].map((id) => this.shutdown(id, { by, withWorkspace: true })));
  }

  /** After a workspace's sandbox started: the sessions that stopped with it start again, resuming. */
  private async resumeWithWorkspace(workspace: WorkspaceRow): Promise<void> {
    const rows = await this.store.stopped(workspace.id);
    for (const row of rows) {
      if (!(await this.store.stoppedWithWorkspace(row.id))) continue;
      await this.launch(row, workspace).catch(async (error: unknown) => {
        await this.setStatus(row.id, 'error', `could not resume: ${(error as Error).message}`);
      });
    }
  }

  private inBackground(task: () => Promise<void>): void {
    const running = task().catch((error: unknown) =>
      globalThis.process.emitWarning(`agent sessions: ${(error as Error).message}`),
    );
    this.background.add(running);
    void running.finally(() => this.background.delete(running));
  }

  /** Starts the session's agent; `started` is a workspace whose sandbox just started (its row not yet `running`). */
  private async launch(row: SessionRow, started?: WorkspaceRow): Promise<void> {
    await this.lock.run(row.id, async () => {
      if (this.live.has(row.id)) return;
      const adapter = this.adapter(row.agent);
      const workspace = started ?? (await this.workspaces.repo.find(row.workspace_id));
      if (!workspace || (!started && workspace.state !== 'running'))
        throw errors.invalidState(workspace?.name ?? '?', workspace?.state ?? 'gone', 'run agents');
      // Bound once the agent runs; events and process ends before that have no live session yet.
      const bound: { live?: LiveSession } = {};
      const children: AgentChild[] = [];
      const launch = await buildLaunch(this.workspaces.lifecycle, {
        sessionId: row.id,
        workspace,
        model: row.model,
        permissionMode: permissionMode.parse(row.permission_mode),
        resumeId: row.agent_session_id,
        models: [...new Set([row.model, ...this.catalog.models(row.agent).map((m) => m.id)])],
        emit: (event) =>
          void this.fromAgent(row.id, bound.live, event).catch((error: unknown) =>
            // An event that fails validation is dropped, not stored; the stream goes on.
            globalThis.process.emitWarning(
              `session ${row.id}: an agent event was dropped: ${(error as Error).message}`,
            ),
          ),
        setResumeId: (resumeId) => void this.store.setResumeId(row.id, resumeId),
        spawned: (child) => children.push(child),
        // Between turns nothing is lost: the tree ends now. In a turn, the agent finishes it first.
        orphaned: (child) => {
          if (!bound.live?.running) child.endTree();
        },
      });
      const process = await startObserved(adapter, launch, this.turnObserver, {
        sessionId: row.id,
        workspaceId: row.workspace_id,
      });
      const live = new LiveSession(
        process,
        adapter,
        row.workspace_id,
        children,
        row.status,
        this.clock.now().getTime(),
      );
      bound.live = live;
      this.live.set(row.id, live);
      await this.setStatus(row.id, 'idle');
      void process.exited
        .then(({ code, signal }) => this.exited(row.id, live, code, signal))
        .finally(live.markEnded);
    });
  }

  /**
   * Before a message goes to the agent: a tree whose wrapper exited cannot be written to any more
   * (its input went with the wrapper), so it is ended and its end awaited; the message then starts
   * the agent again.
   */
  private async endOrphaned(id: string): Promise<void> {
    const live = this.live.get(id);
    const orphans = live?.orphans() ?? [];
    if (!live || orphans.length === 0) return;
    for (const child of orphans) child.endTree();
    await live.ended;
  }

  /** An event from the agent: stored, streamed, and folded into the status. */
  private async fromAgent(id: string, live: LiveSession | undefined, event: AgentEvent): Promise<void> {
    const ended = event.type === EventType.RUN_ERROR && event.code === 'agent_exited';
    // A process being stopped ends as a stop: the stop closes the run it cut, once.
    if (ended && live?.stopping) return;
    if (live && ended) live.exitReported = true;
    // The session's usage events are the LLM proxy's records (tokens and cost charged, llm/session-usage.ts);
    // what the agent itself reports is kept under another name, so that nothing is counted twice.
    const own = event.type === EventType.CUSTOM && event.name === HANGAR_EVENT.usage;
    await this.emit(id, own ? { ...event, name: HANGAR_EVENT.agentUsage } : event, live);
    if (live && (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR)) {
      // A tree whose wrapper is gone can take no further message: the turn it finished was its last.
      const orphans = live.orphans();
      for (const child of orphans) child.endTree();
      const next = orphans.length === 0 ? live.queue.shift() : undefined;
      if (next !== undefined) {
        await this.actingPerson(id, next.by);
        await live.process.send(next.text);
      }
    }
  }

  private async emit(id: string, event: AgentEvent, live = this.live.get(id)): Promise<void> {
    // One at a time per session, in call order: agents emit without waiting, and the status is read-modify-write.
    await this.lock.run(`events:${id}`, () => this.record(id, event, live));
  }

  private async record(id: string, event: AgentEvent, live: LiveSession | undefined): Promise<void> {
    // A run ends after the usage events of its model calls (the agent may finish reading a call's
    // stream a moment before the proxy has recorded it).
    if (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR)
      await this.llmCalls?.settled(id);
    const stored = await this.append(id, live, event);
    const current = live?.status ?? (await this.store.find(id)).status;
    // The status the shared fold of the events gives (@hangar/protocol's foldSessionState).
    const folded = live
      ? live.state.status
      : foldSessionState({ ...initialSessionState, status: current }, stored).status;
    if (live?.stalled) {
      live.stalled = false;
      await this.append(id, live, {
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.status,
        value: { status: 'working', stalled: false },
      });
    }
    // The end of the agent's process is recorded once, with its status, when the whole tree ended.
    const processEnd =
      live !== undefined && event.type === EventType.RUN_ERROR && event.code === 'agent_exited';
    const status = processEnd ? current : (folded ?? current);
    const now = this.clock.now().getTime();
    if (live) {
      live.lastEventAt = now;
      if (event.type === EventType.RUN_STARTED) live.running = true;
      else if (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR)
        live.running = false;
    }
    // last_event_at is for lists and restarts: written at most once a second, not per streamed delta.
    if (!live || now - live.lastEventWrittenAt >= 1000) {
      if (live) live.lastEventWrittenAt = now;
      await this.store.touch(id, new Date(now));
    }
    if (status !== current) {
      const message = event.type === EventType.RUN_ERROR ? event.message : undefined;
      await this.setStatus(id, status, message);
    }
  }

  /** Model calls of the session are charged to this person from now on (llm/charge.ts). */
  private async actingPerson(id: string, userId: string): Promise<void> {
    await this.store.setActingPerson(id, userId);
  }

  /** Appends an event of the session; a live session folds it into its state. */
  private async append(id: string, live: LiveSession | undefined, event: AgentEvent) {
    const stored = await this.events.append(id, event);
    live?.fold(stored);
    return stored;
  }

  private async setStatus(
    id: string,
    status: SessionStatus,
    message?: string,
    stop?: StopCause,
  ): Promise<void> {
    const live = this.live.get(id);
    if (live) live.status = status;
    await this.store.writeStatus(id, status, message);
    await this.append(id, live, {
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.status,
      value: {
        status,
        stalled: false,
        ...(message !== undefined && { message }),
        ...(stop && { stoppedBy: stop.by, withWorkspace: stop.withWorkspace }),
      },
    });
  }

  /**
   * The agent's whole process tree ended (not only a wrapper), and nobody stopped it. A turn it
   * cut ends with one RUN_ERROR (the adapter's, or this one) and one `error` status. Between
   * turns nothing was lost: the status the protocol left stands, and the next message starts
   * the agent again, resuming its session.
   */
  private async exited(
    id: string,
    live: LiveSession,
    code: number | null,
    signal: string | null,
  ): Promise<void> {
    if (this.live.get(id) === live) this.live.delete(id);
    if (live.stopping) return;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const message = `The agent process ended unexpectedly (${how}); send a message to start it again, resuming the session.`;
    // After the adapter's own events, in order.
    await this.lock.run(`events:${id}`, async () => {
      const cut = live.running || live.exitReported;
      if (live.running) {
        live.running = false;
        await this.append(id, live, { type: EventType.RUN_ERROR, message, code: 'agent_exited' });
      }
      if (
        cut ||
        live.status === 'starting' ||
        live.status === 'working' ||
        live.status === 'awaiting_approval'
      )
        await this.setStatus(id, 'error', message);
    });
  }

  /**
   * Ends the agent's process. With a cause it is a stop: a turn it cut ends with one RUN_ERROR
   * (code `stopped`), and the status says `stopped` and who stopped it. Without one (a server
   * shutdown, a restart for a model switch) nothing is recorded.
   */
  private async shutdown(id: string, cause?: StopCause): Promise<void> {
    const live = this.live.get(id);
    if (live) {
      live.stopping = true;
      this.live.delete(id);
      await live.process.stop().catch(() => undefined);
    }
    if (!cause) return;
    const message = await this.stopMessage(cause);
    await this.lock.run(`events:${id}`, async () => {
      if (live?.running) {
        live.running = false;
        await this.append(id, live, { type: EventType.RUN_ERROR, message, code: 'stopped' });
      }
      await this.setStatus(id, 'stopped', message, cause);
    });
  }

  private async stopMessage(cause: StopCause): Promise<string> {
    const name = cause.by ? await this.store.displayName(cause.by) : undefined;
    const by = name ? ` by ${name}` : '';
    return cause.withWorkspace ? `Stopped with the workspace${by}.` : `Stopped${by}.`;
  }

  private requireLive(row: SessionRow): LiveSession {
    const live = this.live.get(row.id);
    if (!live) throw errors.sessionNotLive(row.status);
    return live;
  }

  private adapter(name: string): AgentAdapter {
    const adapter = this.adapters.get(name);
    if (!adapter) throw errors.unknownAgent(name, [...this.adapters.keys()]);
    return adapter;
  }
}
