/** How often to ping, and how long to wait for the pong before giving the connection up, in milliseconds. */
export const PING_EVERY_MS = 20_000;
export const PONG_WITHIN_MS = 10_000;

/**
 * Pings on a timer and calls `onTimeout` when a pong is late: a socket can
 * stay "open" for minutes after the network under it went away.
 */
export class Keepalive {
  private interval: ReturnType<typeof setInterval> | undefined;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private sent = 0;

  constructor(
    private readonly ping: (id: string) => void,
    private readonly onTimeout: () => void,
    private readonly everyMs = PING_EVERY_MS,
    private readonly withinMs = PONG_WITHIN_MS,
  ) {}

  start(): void {
    this.stop();
    this.interval = setInterval(() => {
      this.sent += 1;
      this.ping(String(this.sent));
      this.deadline ??= setTimeout(() => {
        this.stop();
        this.onTimeout();
      }, this.withinMs);
    }, this.everyMs);
  }

  /** Any pong proves the connection alive. */
  pong(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  stop(): void {
    clearInterval(this.interval);
    this.interval = undefined;
    this.pong();
  }
}
