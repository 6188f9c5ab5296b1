import { EventType, HANGAR_EVENT, type StoredEvent } from '@hangar/protocol';
import type { Kysely } from 'kysely';
import type { EventLog } from '../../events/event-log.js';
import type { Database } from '../../store/schema.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import type { SessionRow } from '../sessions/session-service.js';
import type { WorkspaceRow } from '../workspaces/repository.js';

/** `approval_answered`: someone allowed or denied a tool call the agent asked about. */
export type SessionSignalKind = 'started' | 'awaiting_approval' | 'approval_answered' | 'finished' | 'failed';

/** Something people want to hear about an agent session. */
export interface SessionSignal {
  kind: SessionSignalKind;
  session: SessionRow;
  workspace: WorkspaceRow;
  /** Who started the session, for messages ("Ana started…"). */
  starter: { id: string; displayName: string } | null;
  /** Why it failed, for `failed`. */
  message?: string;
}

/** Which stored event means which signal (see SessionService: the first event is the status after launch). */
export function signalOf(stored: StoredEvent): { kind: SessionSignalKind; message?: string } | undefined {
  const { event } = stored;
  if (stored.id === 1) return { kind: 'started' };
  if (event.type === EventType.RUN_FINISHED) return { kind: 'finished' };
  // A turn a person's stop cut short did not fail.
  if (event.type === EventType.RUN_ERROR && event.code !== 'stopped')
    return { kind: 'failed', message: event.message };
  if (event.type === EventType.CUSTOM && event.name === HANGAR_EVENT.status) {
    const value = event.value as { status?: unknown } | undefined;
    if (value?.status === 'awaiting_approval') return { kind: 'awaiting_approval' };
  }
  if (event.type === EventType.CUSTOM && event.name === HANGAR_EVENT.permissionAnswer)
    return { kind: 'approval_answered' };
  return undefined;
}

/**
 * Watches every session's event log and turns the events that matter into
 * signals for chat, notifications and webhooks. The log's observer runs
 * inside its append: here it only queues work, one session at a time, in order.
 */
export class SessionWatcher {
  private readonly lock = new KeyedLock();
  private readonly subscribers = new Set<(signal: SessionSignal) => Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly stop: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    events: EventLog,
    private readonly onError: (error: unknown) => void,
  ) {
    this.stop = events.observe((stored) => {
      const signal = signalOf(stored);
      if (!signal) return;
      const task = this.lock
        .run(stored.sessionId, () => this.dispatch(stored.sessionId, signal))
        .catch(this.onError);
      this.pending.add(task);
      void task.finally(() => this.pending.delete(task));
    });
  }

  subscribe(subscriber: (signal: SessionSignal) => Promise<void>): void {
    this.subscribers.add(subscriber);
  }

  /** Waits for the signals queued so far (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    this.stop();
    await this.settle();
  }

  private async dispatch(sessionId: string, found: { kind: SessionSignalKind; message?: string }) {
    const session = await this.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!session) return;
    const workspace = await this.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', session.workspace_id)
      .executeTakeFirst();
    if (!workspace) return;
    const user = session.created_by
      ? await this.db
          .selectFrom('users')
          .select(['id', 'display_name'])
          .where('id', '=', session.created_by)
          .executeTakeFirst()
      : undefined;
    const signal: SessionSignal = {
      ...found,
      session,
      workspace,
      starter: user ? { id: user.id, displayName: user.display_name } : null,
    };
    for (const subscriber of this.subscribers) await subscriber(signal).catch(this.onError);
  }
}
