import { PostgresAdapter, type Kysely } from 'kysely';
import { iso, type Clock } from '../../common/clock.js';
import type { Database } from '../../store/schema.js';
import { teamDb, type TeamDb } from '../chat/tables.js';

/** How often every replica looks for due deliveries nobody has scheduled (their replica died). */
const SWEEP_MS = 5_000;
/** Deliveries claimed per sweep. */
const SWEEP_BATCH = 20;

/** Makes one attempt of a delivery this replica claimed until `claimedUntil` (ISO time). */
export type Attempt = (id: string, claimedUntil: string) => Promise<void>;

/**
 * The webhook deliveries as a queue in the database that every replica works. An attempt is made
 * only by the replica that claimed it: one statement moves the row's `next_attempt_at` past the
 * attempt's end (`claimMs`) while the row is pending and due, so of replicas racing for an attempt
 * exactly one wins and each attempt is sent once. Each replica keeps a timer for the deliveries it
 * knows of; a sweep every SWEEP_MS on every replica claims due rows nobody took (PostgreSQL:
 * `FOR UPDATE SKIP LOCKED`, so replicas claim different rows without waiting on each other),
 * which also picks up those of a replica that died, once their claim ran out.
 */
export class DeliveryQueue {
  private readonly db: TeamDb;
  private readonly postgres: boolean;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly claimMs: number,
    private readonly attempt: Attempt,
    private readonly onError: (error: unknown) => void,
  ) {
    this.db = teamDb(db);
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** Tries the delivery in `delayMs`, if no replica has claimed it by then. */
  schedule(id: string, delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.track(this.claimAndAttempt(id));
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Schedules every pending delivery for when it is due (safe on every replica), and starts sweeping. */
  async resumePending(): Promise<void> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'next_attempt_at'])
      .where('status', '=', 'pending')
      .execute();
    const now = this.clock.now().getTime();
    for (const row of rows)
      this.schedule(row.id, Math.max(0, Date.parse(row.next_attempt_at ?? '') - now || 0));
    if (this.closed || this.sweeper) return;
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch(this.onError)
        .finally(() => (this.sweeping = undefined));
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  /** An update of a delivery still claimed by the attempt (not yet taken over after its claim ran out). */
  ownedBy(id: string, claimedUntil: string) {
    return this.db
      .updateTable('webhook_deliveries')
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '=', claimedUntil);
  }

  /** Waits for the attempts under way on this replica (a sweep's included). */
  async settle(): Promise<void> {
    await this.sweeping;
    await Promise.all([...this.inFlight]);
  }

  /** Stops scheduling and sweeping, and waits for the attempts under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.settle();
  }

  private track(attempt: Promise<void>): void {
    const task = attempt.catch(this.onError);
    this.inFlight.add(task);
    void task.finally(() => this.inFlight.delete(task));
  }

  private async claimAndAttempt(id: string): Promise<void> {
    const now = this.clock.now();
    const until = iso(new Date(now.getTime() + this.claimMs));
    const claimed = await this.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', iso(now))]))
      .returning('id')
      .executeTakeFirst();
    if (claimed) await this.attempt(id, until);
  }

  /** Claims the due pending deliveries nobody holds, and makes their attempts. */
  private async sweep(): Promise<void> {
    const now = iso(this.clock.now());
    const until = iso(new Date(this.clock.now().getTime() + this.claimMs));
    const due = this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(SWEEP_BATCH);
    const claimable = this.postgres ? due.forUpdate().skipLocked() : due;
    const claimed = await this.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: until })
      .where('id', 'in', claimable)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .returning('id')
      .execute();
    for (const { id } of claimed) this.track(this.attempt(id, until));
  }
}
