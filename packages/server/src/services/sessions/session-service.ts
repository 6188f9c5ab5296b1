import type { Kysely, Selectable } from 'kysely';
import {
  EventType,
  HANGAR_EVENT,
  permissionMode,
  type AgentEvent,
  type PermissionDecision,
  type SessionStatus,
} from '@hangar/protocol';
import type { AgentAdapter, AgentProcess, PermissionMode } from '../../agents/adapter.js';
import type { AgentCatalog } from '../../agents/catalog.js';
import { errors } from '../../errors.js';
import type { EventLog } from '../../events/event-log.js';
import type { AgentSessionsTable, Database } from '../../store/schema.js';
import type { Principal } from '../auth.js';
import { iso, type Clock } from '../../common/clock.js';
import { newId } from '../../common/crypto.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import { startObserved, type TurnObserver } from '../diff/turn-observer.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { buildLaunch } from './launch.js';
import { statusAfter } from './status.js';

export type SessionRow = Selectable<AgentSessionsTable>;

/** What became of a message: sent as a new turn, queued behind the running one, or steering it. */
export type MessageDelivery = 'sent' | 'queued' | 'steered';

interface Live {
  process: AgentProcess;
  adapter: AgentAdapter;
  /** Messages sent while a turn runs, for agents that cannot steer, with their author. */
  queue: { text: string; by: string }[];
  pendingPermissions: Set<string>;
  stopping: boolean;
  /** Working with no event for longer than the stall time (reported once, cleared by the next event). */
  stalled: boolean;
  /** The status as last recorded, so streamed deltas need no read of the session row. */
  status: SessionStatus;
  /** A run started and has not finished or failed yet. */
  running: boolean;
  /** The adapter reported the end of its process itself (a RUN_ERROR with code agent_exited). */
  exitReported: boolean;
  /** When the last event arrived, and when last_event_at was last written (ms). */
  lastEventAt: number;
  lastEventWrittenAt: number;
}

/** Agent sessions: their processes, their event log, and a status derived from the protocol. */
export class SessionService {
  private readonly live = new Map<string, Live>();
  private readonly lock = new KeyedLock();
  /** Told before each turn and of every event (per-turn diffs); set once at wiring. */
  turnObserver: TurnObserver | undefined;
  private readonly stallTimer: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
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
    this.stallTimer = setInterval(() => void this.checkStalled(), Math.min(stalledMs / 2, 5_000));
    this.stallTimer.unref();
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
      await this.events.append(id, {
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
    await this.db.insertInto('agent_sessions').values(row).execute();
    await this.launch(row);
    if (input.prompt) await this.send(principal, row.id, input.prompt);
    return this.find(row.id);
  }

  async list(principal: Principal, workspaceId: string): Promise<SessionRow[]> {
    await this.workspaces.get(principal, workspaceId);
    return this.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** The session, if the principal may see its workspace. */
  async get(principal: Principal, id: string, action: 'read' | 'operate' = 'read'): Promise<SessionRow> {
    const row = await this.find(id);
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
    else if (restart) await this.shutdown(id, undefined);
    await this.db
      .updateTable('agent_sessions')
      .set({ model, updated_at: iso(this.clock.now()) })
      .where('id', '=', id)
      .execute();
    await this.emit(id, {
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.modelChange,
      value: { from: row.model, model, changedBy: principal.user.id },
    });
    if (restart) await this.launch({ ...row, model });
    return this.find(id);
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
    if (!live.pendingPermissions.delete(requestId)) throw errors.unknownPermissionRequest();
    await live.process.answerPermission(requestId, decision, reason);
    await this.emit(id, {
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.permissionAnswer,
      value: { requestId, decision, ...(reason !== undefined && { reason }), answeredBy: principal.user.id },
    });
  }

  async stop(principal: Principal, id: string): Promise<void> {
    await this.get(principal, id, 'operate');
    await this.shutdown(id, 'stopped');
  }

  /** Starts the agent again after an error, a stop or a server restart, resuming its own session. */
  async restart(principal: Principal, id: string): Promise<SessionRow> {
    const row = await this.get(principal, id, 'operate');
    if (this.live.has(id)) return row;
    await this.launch(row);
    return this.find(id);
  }

  /** After a server restart: sessions that were live resume through their agent's own resume. */
  async resumeAll(): Promise<void> {
    const rows = await this.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('status', 'not in', ['stopped', 'error'])
      .execute();
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
    await Promise.all([...this.live.keys()].map((id) => this.shutdown(id, undefined)));
  }

  private async launch(row: SessionRow): Promise<void> {
    await this.lock.run(row.id, async () => {
      if (this.live.has(row.id)) return;
      const adapter = this.adapter(row.agent);
      const workspace = await this.workspaces.repo.find(row.workspace_id);
      if (!workspace || workspace.state !== 'running')
        throw errors.invalidState(workspace?.name ?? '?', workspace?.state ?? 'gone', 'run agents');
      const launch = await buildLaunch(this.workspaces.lifecycle, {
        sessionId: row.id,
        workspace,
        model: row.model,
        permissionMode: permissionMode.parse(row.permission_mode),
        resumeId: row.agent_session_id,
        models: [...new Set([row.model, ...this.catalog.models(row.agent).map((m) => m.id)])],
        emit: (event) =>
          void this.fromAgent(row.id, event).catch((error: unknown) =>
            // An event that fails validation is dropped, not stored; the stream goes on.
            globalThis.process.emitWarning(
              `session ${row.id}: an agent event was dropped: ${(error as Error).message}`,
            ),
          ),
        setResumeId: (resumeId) =>
          void this.db
            .updateTable('agent_sessions')
            .set({ agent_session_id: resumeId })
            .where('id', '=', row.id)
            .execute(),
      });
      const process = await startObserved(adapter, launch, this.turnObserver, {
        sessionId: row.id,
        workspaceId: row.workspace_id,
      });
      const live: Live = {
        process,
        adapter,
        queue: [],
        pendingPermissions: new Set(),
        stopping: false,
        stalled: false,
        status: row.status,
        running: false,
        exitReported: false,
        lastEventAt: this.clock.now().getTime(),
        lastEventWrittenAt: 0,
      };
      this.live.set(row.id, live);
      await this.setStatus(row.id, 'idle');
      void process.exited.then(({ code, signal }) => this.exited(row.id, live, code, signal));
    });
  }

  /** An event from the agent: stored, streamed, and folded into the status. */
  private async fromAgent(id: string, event: AgentEvent): Promise<void> {
    const live = this.live.get(id);
    if (live && event.type === EventType.RUN_ERROR && event.code === 'agent_exited') live.exitReported = true;
    if (event.type === EventType.CUSTOM && event.name === HANGAR_EVENT.permissionRequest) {
      const value = event.value as { requestId?: unknown };
      if (typeof value?.requestId === 'string') live?.pendingPermissions.add(value.requestId);
    }
    // The session's usage events are the LLM proxy's records (tokens and cost charged, llm/session-usage.ts);
    // what the agent itself reports is kept under another name, so that nothing is counted twice.
    const own = event.type === EventType.CUSTOM && event.name === HANGAR_EVENT.usage;
    await this.emit(id, own ? { ...event, name: HANGAR_EVENT.agentUsage } : event);
    if (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR) {
      live?.pendingPermissions.clear();
      const next = live?.queue.shift();
      if (next !== undefined) {
        await this.actingPerson(id, next.by);
        await live?.process.send(next.text);
      }
    }
  }

  private async emit(id: string, event: AgentEvent): Promise<void> {
    // One at a time per session, in call order: agents emit without waiting, and the status is read-modify-write.
    await this.lock.run(`events:${id}`, () => this.record(id, event));
  }

  private async record(id: string, event: AgentEvent): Promise<void> {
    // A run ends after the usage events of its model calls (the agent may finish reading a call's
    // stream a moment before the proxy has recorded it).
    if (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR)
      await this.llmCalls?.settled(id);
    await this.events.append(id, event);
    const live = this.live.get(id);
    if (live?.stalled) {
      live.stalled = false;
      await this.events.append(id, {
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.status,
        value: { status: 'working', stalled: false },
      });
    }
    const current = live?.status ?? (await this.find(id)).status;
    const status = statusAfter(current, event);
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
      await this.db
        .updateTable('agent_sessions')
        .set({ last_event_at: iso(new Date(now)), updated_at: iso(new Date(now)) })
        .where('id', '=', id)
        .execute();
    }
    if (status !== current) {
      const message = event.type === EventType.RUN_ERROR ? event.message : undefined;
      await this.setStatus(id, status, message);
    }
  }

  /** Model calls of the session are charged to this person from now on (llm/charge.ts). */
  private async actingPerson(id: string, userId: string): Promise<void> {
    await this.db
      .updateTable('agent_sessions')
      .set({ acting_user_id: userId })
      .where('id', '=', id)
      .execute();
  }

  private async setStatus(id: string, status: SessionStatus, message?: string): Promise<void> {
    const live = this.live.get(id);
    if (live) live.status = status;
    await this.db
      .updateTable('agent_sessions')
      .set({
        status,
        updated_at: iso(this.clock.now()),
        ...(status === 'error' && { error: message ?? null }),
      })
      .where('id', '=', id)
      .execute();
    await this.events.append(id, {
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.status,
      value: { status, stalled: false, ...(message !== undefined && { message }) },
    });
  }

  private async exited(id: string, live: Live, code: number | null, signal: string | null): Promise<void> {
    if (this.live.get(id) === live) this.live.delete(id);
    if (live.stopping) return;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const message = `The agent process ended unexpectedly (${how}); send a message to start it again, resuming the session.`;
    // After the adapter's own events (it may have reported the end already): one RUN_ERROR, then the status.
    await this.lock.run(`events:${id}`, async () => {
      if (!live.exitReported)
        await this.events.append(id, { type: EventType.RUN_ERROR, message, code: 'agent_exited' });
      await this.setStatus(id, 'error', message);
    });
  }

  private async shutdown(id: string, status: SessionStatus | undefined): Promise<void> {
    const live = this.live.get(id);
    if (live) {
      live.stopping = true;
      this.live.delete(id);
      await live.process.stop().catch(() => undefined);
    }
    if (status) await this.setStatus(id, status);
  }

  private requireLive(row: SessionRow): Live {
    const live = this.live.get(row.id);
    if (!live) throw errors.sessionNotLive(row.status);
    return live;
  }

  private adapter(name: string): AgentAdapter {
    const adapter = this.adapters.get(name);
    if (!adapter) throw errors.unknownAgent(name, [...this.adapters.keys()]);
    return adapter;
  }

  private async find(id: string): Promise<SessionRow> {
    const row = await this.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw errors.notFound('The session');
    return row;
  }
}
