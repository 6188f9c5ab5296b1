import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../../store/database.js';
import type { Database } from '../../store/schema.js';

/** The lease of the replica that runs the singletons (reconciler, idle stop, archive expiry). */
export const LEADER_LEASE = 'leader';
/** How long a lease lasts unless renewed; renewed every third of it. */
export const LEASE_MS = 5_000;

/**
 * Which replica runs the periodic work that must run once across the replicas sharing a database.
 * On PostgreSQL a lease row (`cluster_leases`): its holder renews it every LEASE_MS / 3 and it
 * expires by the database's clock, so the replicas' own clocks never compare; when the holder dies
 * or loses the database, another replica takes the row over once it has expired. A row (rather
 * than `pg_try_advisory_lock` on a connection held open) survives connection poolers in
 * transaction mode and needs no connection of its own. On SQLite, which only one process may
 * serve (store/single-process.ts), this replica is always the leader.
 */
export interface Leadership {
  readonly replicaId: string;
  /**
   * True while this replica holds the lease; false as soon as the lease may have expired, even
   * when the database could not be asked (a holder cut off from it stops first, then is replaced).
   */
  isLeader(): boolean;
  /** Called with true when this replica becomes the leader, with false when it stops being it. */
  onChange(listener: (leader: boolean) => void): () => void;
  /** The replica holding an unexpired lease, as the database says now. */
  holder(): Promise<string | undefined>;
  /** Tries once to take the lease (so the first replica leads before its first pass), then keeps trying. */
  start(): Promise<void>;
  /** Stops renewing and gives the lease up, so that another replica takes it at its next try. */
  stop(): Promise<void>;
}

export function createLeadership(
  db: Kysely<Database>,
  dialect: Dialect,
  replicaId: string,
  options: { leaseMs?: number; onError?: (error: unknown) => void } = {},
): Leadership {
  if (dialect === 'sqlite') return new SoleLeader(replicaId);
  return new LeaseLeadership(
    db,
    replicaId,
    options.leaseMs ?? LEASE_MS,
    options.onError ?? (() => undefined),
  );
}

class SoleLeader implements Leadership {
  constructor(readonly replicaId: string) {}
  isLeader = () => true;
  onChange = () => () => undefined;
  holder = async () => this.replicaId;
  start = async () => undefined;
  stop = async () => undefined;
}

/** Milliseconds since the epoch by PostgreSQL's clock. */
const dbNow = sql<string>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

class LeaseLeadership implements Leadership {
  private leader = false;
  /** performance.now() until which the lease certainly holds (counted from before the renewal was sent). */
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private stopped = false;
  private readonly listeners = new Set<(leader: boolean) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    readonly replicaId: string,
    private readonly leaseMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  isLeader(): boolean {
    return this.leader && performance.now() < this.validUntil;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async holder(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('cluster_leases')
      .select('holder')
      .where('name', '=', LEADER_LEASE)
      .where('expires_at', '>=', dbNow)
      .executeTakeFirst();
    return row?.holder;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.renew();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.renewing;
    const was = this.leader;
    this.set(false);
    if (was)
      await this.db
        .deleteFrom('cluster_leases')
        .where('name', '=', LEADER_LEASE)
        .where('holder', '=', this.replicaId)
        .execute()
        .catch(this.onError);
  }

  private renew(): Promise<void> {
    this.renewing = this.tryAcquire()
      .then(
        (held) => this.set(held),
        (error: unknown) => {
          this.onError(error);
          this.set(this.isLeader()); // unknown: the lease counts until it may have expired
        },
      )
      .finally(() => {
        this.renewing = undefined;
        if (this.stopped) return;
        // Next try at a third of the lease, or at its local end when that comes first (to step down).
        const untilEnd = this.leader ? this.validUntil - performance.now() : Infinity;
        const wait = Math.max(0, Math.min(this.leaseMs / 3, untilEnd));
        this.timer = setTimeout(() => void this.renew(), wait);
        this.timer.unref();
      });
    return this.renewing;
  }

  /** Takes or renews the lease when it is free, expired or ours; true when this replica holds it. */
  private async tryAcquire(): Promise<boolean> {
    const sent = performance.now();
    const now = new Date().toISOString();
    const row = await this.db
      .insertInto('cluster_leases')
      .values({
        name: LEADER_LEASE,
        holder: this.replicaId,
        expires_at: sql<string>`${dbNow} + ${this.leaseMs}`,
        acquired_at: now,
      })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({
            holder: (eb) => eb.ref('excluded.holder'),
            expires_at: (eb) => eb.ref('excluded.expires_at'),
            acquired_at: sql<string>`case when cluster_leases.holder = excluded.holder
              then cluster_leases.acquired_at else excluded.acquired_at end`,
          })
          .where((eb) =>
            eb.or([
              eb('cluster_leases.holder', '=', eb.ref('excluded.holder')),
              eb('cluster_leases.expires_at', '<', dbNow),
            ]),
          ),
      )
      .returning('holder')
      .executeTakeFirst();
    const held = row?.holder === this.replicaId;
    if (held) this.validUntil = sent + this.leaseMs;
    return held;
  }

  private set(leader: boolean): void {
    if (this.stopped) leader = false;
    if (leader === this.leader) return;
    this.leader = leader;
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
