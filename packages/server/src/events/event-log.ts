import type SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { agentEvent, type AgentEvent, type StoredEvent } from '@hangar/protocol';
import { iso, type Clock } from '../common/clock.js';
import { KeyedLock } from '../common/keyed-lock.js';
import type { Database } from '../store/schema.js';
import { CatchUp } from './catch-up.js';
import { LocalPubSub, type PubSub, type Topic } from './pubsub.js';

type Listener = (event: StoredEvent) => void;

/** New events of one session (the key), up to id `last`; this replica's subscribers get the events too. */
export interface SessionEventsMessage {
  last: number;
  events?: StoredEvent[];
}

export const SESSION_EVENTS: Topic<SessionEventsMessage> = {
  name: 'session_events',
  notice: ({ last }) => ({ last }),
  fromNotice: (notice) => ({ last: Number((notice as { last?: unknown }).last) || 0 }),
};

interface EventRow {
  session_id: string;
  seq: number;
  at: string;
  type: string;
  data: string;
}

/** Most rows one INSERT carries (5 values each: far below SQLite's and PostgreSQL's parameter limits). */
const MAX_BATCH_ROWS = 500;

interface Pending {
  stored: StoredEvent;
  resolve(stored: StoredEvent): void;
  reject(error: unknown): void;
}

/**
 * The append-only event log of agent sessions, with fan-out to live
 * subscribers on every replica through the pub/sub (a replica that did not
 * write an event reads it from the table). Ids increase by one per session, so
 * a client that reconnects with the last id it saw misses nothing and sees
 * nothing twice.
 *
 * Appends made in the same turn of the event loop (many sessions streaming at
 * once) are written by one multi-row INSERT, then handed to subscribers: an
 * event reaches a client only once it is stored, at the cost of one query per
 * loop turn rather than one per event.
 */
export class EventLog {
  private readonly lock = new KeyedLock();
  private readonly lastSeq = new Map<string, number>();
  private readonly observers = new Set<Listener>();
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  /** SQLite only: one prepared INSERT kept for every batch, run in one transaction per batch. */
  private readonly insertBatch: ((rows: EventRow[]) => void) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly sqlite?: SQLite.Database,
    private readonly pubsub: PubSub = new LocalPubSub(),
  ) {
    if (sqlite) {
      const insert = sqlite.prepare<[string, number, string, string, string]>(
        'INSERT INTO session_events (session_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)',
      );
      const batch = sqlite.transaction((rows: EventRow[]) => {
        for (const row of rows) insert.run(row.session_id, row.seq, row.at, row.type, row.data);
      });
      this.insertBatch = (rows) => batch(rows);
    }
  }

  /** Validates and stores an event, then hands it to live subscribers. */
  async append(sessionId: string, event: AgentEvent): Promise<StoredEvent> {
    const parsed = agentEvent.parse(event);
    return new Promise((resolve, reject) => {
      const enqueue = (last: number) => {
        // Ids are handed out in call order, and queued in that order.
        const stored: StoredEvent = { id: last + 1, sessionId, at: iso(this.clock.now()), event: parsed };
        this.lastSeq.set(sessionId, stored.id);
        this.pending.push({ stored, resolve, reject });
        this.flushing ??= new Promise((done) => setImmediate(() => void this.flush().finally(done)));
      };
      const known = this.lastSeq.get(sessionId);
      // Only a session's first append (in this process) reads the store for its last id.
      if (known !== undefined) enqueue(known);
      else this.lock.run(sessionId, async () => enqueue(await this.last(sessionId))).catch(reject);
    });
  }

  /** Writes what was appended since the last flush, then tells subscribers, in append order. */
  private async flush(): Promise<void> {
    try {
      await this.flushPending();
    } finally {
      this.flushing = undefined;
    }
  }

  private async flushPending(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH_ROWS);
      // A session's events in id order (a first append that waited for the store may come late).
      batch.sort((a, b) => a.stored.id - b.stored.id);
      const rows = batch.map(({ stored }) => ({
        session_id: stored.sessionId,
        seq: stored.id,
        at: stored.at,
        type: stored.event.type,
        data: JSON.stringify(stored.event),
      }));
      const bySession = new Map<string, StoredEvent[]>();
      for (const { stored } of batch) {
        const events = bySession.get(stored.sessionId) ?? [];
        events.push(stored);
        bySession.set(stored.sessionId, events);
      }
      let deliver: (() => void)[] = [];
      try {
        // A Kysely transaction holds the one SQLite connection across awaits: writing beside it would
        // put these rows in it. Then the query below waits its turn instead.
        if (this.insertBatch && !this.sqlite?.inTransaction) this.insertBatch(rows);
        else if (this.sqlite) await this.db.insertInto('session_events').values(rows).execute();
        else {
          // PostgreSQL: the other replicas' notices are sent when (and only if) the rows commit.
          deliver = await this.db.transaction().execute(async (trx) => {
            await trx.insertInto('session_events').values(rows).execute();
            const after: (() => void)[] = [];
            for (const [sessionId, events] of bySession)
              after.push(
                await this.pubsub.publishWithin(trx, SESSION_EVENTS, sessionId, {
                  last: events.at(-1)!.id,
                  events,
                }),
              );
            return after;
          });
        }
      } catch (error) {
        // Nothing of the batch is stored: its sessions number on from what the store holds.
        for (const { stored, reject } of batch) {
          this.lastSeq.delete(stored.sessionId);
          reject(error);
        }
        continue;
      }
      if (this.sqlite)
        for (const [sessionId, events] of bySession)
          void this.pubsub.publish(SESSION_EVENTS, sessionId, { last: events.at(-1)!.id, events });
      else for (const delivery of deliver) delivery();
      for (const { stored, resolve } of batch) {
        for (const observer of this.observers) tell(observer, stored);
        resolve(stored);
      }
    }
  }

  /**
   * Every event of every session as this replica stores it (chat, notifications, webhooks: work
   * done once, by the writer); returns the unsubscribe function.
   */
  observe(observer: Listener): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
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
   * Replays what came after `afterId`, then streams live events, whichever replica wrote them,
   * with no gap and no duplicate between the two. Returns the unsubscribe function.
   */
  async follow(sessionId: string, afterId: number, listener: Listener): Promise<() => void> {
    let delivered = afterId;
    let replaying = true;
    let missed = false;
    const deliver = (event: StoredEvent) => {
      if (catchUp.isStopped || event.id <= delivered) return;
      delivered = event.id;
      tell(listener, event);
    };
    const readOn = async () => {
      for (;;) {
        const page = await this.read(sessionId, delivered, 1000);
        for (const event of page) deliver(event);
        if (page.length < 1000 || catchUp.isStopped) break;
      }
    };
    const catchUp = new CatchUp(readOn, (error) =>
      process.emitWarning(`reading session ${sessionId}'s events failed: ${(error as Error).message}`),
    );
    const unsubscribe = this.pubsub.subscribe(SESSION_EVENTS, sessionId, (message) => {
      if (replaying) missed = true;
      else if (message && message.last <= delivered) return;
      // This replica's own events come whole: handed on without a read when they follow on.
      else if (message?.events && !catchUp.busy && message.events[0]!.id <= delivered + 1)
        message.events.forEach(deliver);
      else void catchUp.kick();
    });
    try {
      await readOn();
    } catch (error) {
      unsubscribe();
      throw error;
    }
    replaying = false;
    if (missed) void catchUp.kick();
    return () => {
      catchUp.stop();
      unsubscribe();
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

/** A subscriber that throws is reported, and the others (and the rest of the batch) still hear of the event. */
function tell(listener: Listener, stored: StoredEvent): void {
  try {
    listener(stored);
  } catch (error) {
    process.emitWarning(
      `a subscriber of session ${stored.sessionId}'s events failed: ${(error as Error).message}`,
    );
  }
}
