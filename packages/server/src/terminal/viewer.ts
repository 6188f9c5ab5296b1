import type { ServerFrame } from '@hangar/protocol';

/** Output bytes a viewer may have unacknowledged before the terminal pauses for it. */
export const PAUSE_ABOVE_BYTES = 100 * 1024;
/** The terminal resumes once every live viewer is within this many bytes. */
export const RESUME_BELOW_BYTES = 5 * 1024;
/** A viewer this far behind, or silent this long while behind, stops getting live output. */
export const STALL_BYTES = 1024 * 1024;
export const STALL_MS = 5_000;

/** The transport a viewer is reached through (a WebSocket, or a test double). */
export interface ViewerChannel {
  sendFrame(frame: ServerFrame): void;
  sendOutput(data: Buffer): void;
  close(code: number, reason: string): void;
}

/** One connection watching a terminal, with its flow-control counters. */
export class Viewer {
  /** Output bytes sent and acknowledged since the last snapshot. */
  sent = 0;
  acked = 0;
  /** False in snapshot mode: too far behind for live output. */
  live = true;
  lastAckAt = Date.now();
  cols: number;
  rows: number;

  constructor(
    readonly channel: ViewerChannel,
    readonly canType: boolean,
    size: { cols: number; rows: number },
  ) {
    this.cols = size.cols;
    this.rows = size.rows;
  }

  get backlog(): number {
    return this.sent - this.acked;
  }

  stalled(now: number): boolean {
    return (
      this.backlog > STALL_BYTES || (this.backlog > PAUSE_ABOVE_BYTES && now - this.lastAckAt > STALL_MS)
    );
  }

  /** Restarts counting after a snapshot. */
  resync(): void {
    this.sent = 0;
    this.acked = 0;
    this.live = true;
    this.lastAckAt = Date.now();
  }
}
