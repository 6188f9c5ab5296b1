import type { Kysely } from 'kysely';
import { agentEvent, type AgentEvent, type StoredEvent } from '@hangar/protocol';
import { iso, type Clock } from '../services/clock.js';
import { KeyedLock } from '../services/keyed-lock.js';
import type { Database } from '../store/schema.js';

type Listener = (event: StoredEvent) => void;

/**
 * The append-only event log of agent sessions, with in-process fan-out to
 * live subscribers. Ids increase by one per session, so a client that
 * reconnects with the last id it saw misses nothing and sees nothing twice.
 */
export class EventLog {
  private readonly lock = new KeyedLock();
  private readonly lastSeq = new Map<string, number>();
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Validates and stores an event, then hands it to live subscribers. */
  async append(sessionId: string, event: AgentEvent): Promise<StoredEvent> {
    const parsed = agentEvent.parse(event);
    return this.lock.run(sessionId, async () => {
      const seq = (await this.last(sessionId)) + 1;
      const at = iso(this.clock.now());
      await this.db
        .insertInto('session_events')
        .values({ session_id: sessionId, seq, at, type: parsed.type, data: JSON.stringify(parsed) })
        .execute();
      this.lastSeq.set(sessionId, seq);
      const stored: StoredEvent = { id: seq, sessionId, at, event: parsed };
      for (const listener of this.listeners.get(sessionId) ?? []) listener(stored);
      return stored;
    });
  }

  /** Stored events after `afterId`, oldest first. */
  async read(sessionId: string, afterId = 0, limit = 10_000): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom('session_events')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('seq', '>', afterId)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: Number(r.seq),
      sessionId,
      at: r.at,
      event: agentEvent.parse(JSON.parse(r.data)),
    }));
  }

  /**
   * Replays what came after `afterId`, then streams live events, with no gap
   * and no duplicate between the two. Returns the unsubscribe function.
   */
  async follow(sessionId: string, afterId: number, listener: Listener): Promise<() => void> {
    let delivered = afterId;
    const buffered: StoredEvent[] = [];
    let replaying = true;
    const live: Listener = (event) => {
      if (replaying) buffered.push(event);
      else if (event.id > delivered) {
        delivered = event.id;
        listener(event);
      }
    };
    const set = this.listeners.get(sessionId) ?? new Set<Listener>();
    set.add(live);
    this.listeners.set(sessionId, set);
    for (;;) {
      const page = await this.read(sessionId, delivered, 1000);
      for (const event of page) {
        delivered = event.id;
        listener(event);
      }
      if (page.length < 1000) break;
    }
    replaying = false;
    for (const event of buffered.splice(0)) live(event);
    return () => {
      set.delete(live);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
  }

  private async last(sessionId: string): Promise<number> {
    const known = this.lastSeq.get(sessionId);
    if (known !== undefined) return known;
    const row = await this.db
      .selectFrom('session_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }
}
