/**
 * One subscriber's reads from a table, one at a time: a kick while a read runs makes it run
 * again after, so a notice that arrives mid-read is never lost and reads never overlap (which
 * would deliver out of order). A read that fails is reported; the next kick reads again.
 */
export class CatchUp {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly read: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** True while a read runs or is due. */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Reads now, or again after the read that runs; resolves when no read is due. */
  kick(): Promise<void> {
    this.again = true;
    this.running ??= this.loop();
    return this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private async loop(): Promise<void> {
    try {
      while (this.again && !this.stopped) {
        this.again = false;
        try {
          await this.read();
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
