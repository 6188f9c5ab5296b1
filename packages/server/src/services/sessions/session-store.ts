import type { Kysely, Selectable } from 'kysely';
import {
  EventType,
  HANGAR_EVENT,
  foldSessionState,
  initialSessionState,
  statusValue,
  type SessionState,
  type SessionStatus,
} from '@hangar/protocol';
import { errors } from '../../errors.js';
import type { EventLog } from '../../events/event-log.js';
import type { AgentSessionsTable, Database } from '../../store/schema.js';
import { iso, type Clock } from '../../common/clock.js';

export type SessionRow = Selectable<AgentSessionsTable>;

/** Statuses of a session whose agent should run (it resumes after a restart). */
const ENDED: SessionStatus[] = ['stopped', 'error'];

/**
 * Agent sessions' storage: their rows, and their events (the log). The row caches what lists
 * need (the status and why it is in `error`), written as the status changes; the events are
 * the truth, and `state` folds them with the shared fold of @hangar/protocol.
 */
export class SessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly events: EventLog,
    private readonly clock: Clock,
  ) {}

  async insert(row: SessionRow): Promise<void> {
    await this.db.insertInto('agent_sessions').values(row).execute();
  }

  async find(id: string): Promise<SessionRow> {
    const row = await this.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw errors.notFound('The session');
    return row;
  }

  async list(workspaceId: string): Promise<SessionRow[]> {
    return this.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at', 'desc')
      .execute();
  }

  /** Sessions whose agent should run, of every workspace or of one. */
  async unfinished(workspaceId?: string): Promise<SessionRow[]> {
    let query = this.db.selectFrom('agent_sessions').selectAll().where('status', 'not in', ENDED);
    if (workspaceId !== undefined) query = query.where('workspace_id', '=', workspaceId);
    return query.execute();
  }

  async stopped(workspaceId: string): Promise<SessionRow[]> {
    return this.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('status', '=', 'stopped')
      .execute();
  }

  async setModel(id: string, model: string): Promise<void> {
    await this.db
      .updateTable('agent_sessions')
      .set({ model, updated_at: iso(this.clock.now()) })
      .where('id', '=', id)
      .execute();
  }

  /** Model calls of the session are charged to this person from now on (llm/charge.ts). */
  async setActingPerson(id: string, userId: string): Promise<void> {
    await this.db
      .updateTable('agent_sessions')
      .set({ acting_user_id: userId })
      .where('id', '=', id)
      .execute();
  }

  async setResumeId(id: string, resumeId: string): Promise<void> {
    await this.db
      .updateTable('agent_sessions')
      .set({ agent_session_id: resumeId })
      .where('id', '=', id)
      .execute();
  }

  /** last_event_at, for lists and restarts. */
  async touch(id: string, at: Date): Promise<void> {
    await this.db
      .updateTable('agent_sessions')
      .set({ last_event_at: iso(at), updated_at: iso(at) })
      .where('id', '=', id)
      .execute();
  }

  /** The row's cached status (and, for `error`, why). */
  async writeStatus(id: string, status: SessionStatus, message?: string): Promise<void> {
    await this.db
      .updateTable('agent_sessions')
      .set({
        status,
        updated_at: iso(this.clock.now()),
        ...(status === 'error' && { error: message ?? null }),
      })
      .where('id', '=', id)
      .execute();
  }

  /** Whether the session's last status says it stopped with its workspace. */
  async stoppedWithWorkspace(id: string): Promise<boolean> {
    const rows = await this.db
      .selectFrom('session_events')
      .select('data')
      .where('session_id', '=', id)
      .where('type', '=', EventType.CUSTOM)
      .orderBy('seq', 'desc')
      .limit(20)
      .execute();
    for (const { data } of rows) {
      const event = JSON.parse(data) as { name?: unknown; value?: unknown };
      if (event.name === HANGAR_EVENT.status)
        return statusValue.safeParse(event.value).data?.withWorkspace === true;
    }
    return false;
  }

  async displayName(userId: string): Promise<string | undefined> {
    const user = await this.db
      .selectFrom('users')
      .select('display_name')
      .where('id', '=', userId)
      .executeTakeFirst();
    return user?.display_name;
  }

  /** The shared fold of all the session's stored events. */
  async state(id: string): Promise<SessionState> {
    let state = initialSessionState;
    for (;;) {
      const page = await this.events.read(id, state.lastEventId, 1000);
      for (const stored of page) state = foldSessionState(state, stored);
      if (page.length < 1000) return state;
    }
  }
}
