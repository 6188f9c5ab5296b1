/** Acknowledge output about this often, in bytes (the server pauses a terminal ~100 KB behind). */
export const ACK_EVERY_BYTES = 5 * 1024;

/**
 * Counts output bytes the terminal has processed and says when to acknowledge
 * them. Output is written asynchronously, so each write gets a ticket: bytes
 * written before a reset (a new connection, or a snapshot, after which the
 * server counts from zero) are never acknowledged afterwards.
 */
export class AckCounter {
  private generation = 0;
  private unacked = 0;

  constructor(private readonly every = ACK_EVERY_BYTES) {}

  /** The ticket to pass to `processed` for output written now. */
  ticket(): number {
    return this.generation;
  }

  /** Records processed bytes; returns how many to acknowledge now, or 0 to wait for more. */
  processed(bytes: number, ticket: number): number {
    if (ticket !== this.generation) return 0;
    this.unacked += bytes;
    return this.unacked >= this.every ? this.flush() : 0;
  }

  /** Processed bytes not acknowledged yet. */
  get pending(): number {
    return this.unacked;
  }

  /** Everything processed and not yet acknowledged (to send when output goes quiet). */
  flush(): number {
    const bytes = this.unacked;
    this.unacked = 0;
    return bytes;
  }

  /** Forgets all counts, and makes outstanding tickets stale. */
  reset(): void {
    this.generation += 1;
    this.unacked = 0;
  }
}
