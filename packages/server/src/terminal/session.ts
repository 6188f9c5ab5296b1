import type { Terminal as TerminalRow } from '@hangar/protocol';
import xtermHeadless from '@xterm/headless';
import { SerializeAddon } from '@xterm/addon-serialize';
import type { IPty } from 'node-pty';
import { PAUSE_ABOVE_BYTES, RESUME_BELOW_BYTES, STALL_MS, Viewer, type ViewerChannel } from './viewer.js';

const { Terminal } = xtermHeadless;

/** Lines of scrollback the server keeps per terminal, for late joiners. */
export const MIRROR_SCROLLBACK = 5000;
/** Longest wait for tmux to draw after attaching, in ms. */
const ATTACH_TIMEOUT_MS = 3_000;
/** Output queued for the mirror before the terminal pauses, in bytes. */
const MIRROR_QUEUE_BYTES = 1024 * 1024;
/**
 * While output streams, frames go out at most this often, in ms. The first
 * read after a quiet spell goes out at once, so a keystroke's echo is never held.
 */
export const FRAME_INTERVAL_MS = 4;
/** A frame goes out at once when its gathered reads reach this size, in bytes. */
export const FRAME_MAX_BYTES = 64 * 1024;

export interface SessionOptions {
  cols: number;
  rows: number;
  /** Opens the PTY attached to the terminal's tmux session (output as Buffers). */
  openPty(cols: number, rows: number): Promise<IPty>;
  /** Called when the attached PTY ends without close() (the session ended, or the sandbox stopped). */
  onEnded(): void;
  describe(): TerminalRow;
}

/**
 * One attached terminal shared by its viewers: a PTY running `tmux attach`, a
 * headless mirror that can restore the screen for anyone, and flow control so
 * the slowest active viewer, not server memory, sets the pace.
 */
export class TerminalSession {
  private pty: IPty | undefined;
  private readonly mirror: InstanceType<typeof Terminal>;
  private readonly serializer = new SerializeAddon();
  private readonly viewers = new Set<Viewer>();
  private mirrorQueued = 0;
  private paused = false;
  private closed = false;
  /**
   * Whose size the terminal has: the first viewer who may type, until another
   * asks for it with fit(). Typing never moves it: a phone that types into a
   * desktop's terminal must not shrink it for the desktop (the phone scrolls).
   */
  private sizeOwner: Viewer | undefined;
  private lastViewerLeftAt = Date.now();
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly gathered: Buffer[] = [];
  private gatheredBytes = 0;
  /** Cancels the flush collect() scheduled, while one is. */
  private cancelFlush: (() => void) | undefined;
  private lastFlushAt = 0;
  /** True while collect() holds the PTY to gather a frame. */
  private gathering = false;
  /** Viewers being given their snapshot; output waits meanwhile. */
  private joining = 0;

  constructor(private readonly options: SessionOptions) {
    this.mirror = new Terminal({
      cols: options.cols,
      rows: options.rows,
      scrollback: MIRROR_SCROLLBACK,
      allowProposedApi: true,
    });
    this.mirror.loadAddon(this.serializer);
  }

  async attach(): Promise<void> {
    const pty = await this.options.openPty(this.mirror.cols, this.mirror.rows);
    this.pty = pty;
    // tmux discards input that arrives before it switches the terminal to raw
    // mode, so the session is ready only once tmux has drawn the screen.
    let ready: () => void = () => undefined;
    const drawn = new Promise<void>((resolve) => (ready = resolve));
    pty.onData((data: string | Buffer) => {
      ready();
      this.collect(typeof data === 'string' ? Buffer.from(data) : data);
    });
    pty.onExit(() => {
      ready();
      if (this.pty !== pty) return;
      this.pty = undefined;
      if (!this.closed) this.options.onEnded();
    });
    await Promise.race([drawn, new Promise((resolve) => setTimeout(resolve, ATTACH_TIMEOUT_MS))]);
  }

  get attached(): boolean {
    return this.pty !== undefined;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  get idleSince(): number | undefined {
    return this.viewers.size === 0 ? this.lastViewerLeftAt : undefined;
  }

  /** Adds a viewer: it gets the exact current screen and scrollback, then live output. */
  async join(
    channel: ViewerChannel,
    canType: boolean,
    size: { cols: number; rows: number },
  ): Promise<Viewer> {
    const viewer = new Viewer(channel, canType, size);
    // Hold output while the mirror catches up, so the snapshot and the live stream meet exactly.
    this.joining++;
    this.updateReading();
    try {
      this.flush();
      await this.drainMirror();
      this.sendSnapshot(viewer);
      this.viewers.add(viewer);
    } finally {
      this.joining--;
      this.updatePause();
    }
    if (canType && (!this.sizeOwner || !this.sizeOwner.canType)) this.claimSize(viewer);
    return viewer;
  }

  leave(viewer: Viewer): void {
    this.viewers.delete(viewer);
    if (this.sizeOwner === viewer) {
      const next = this.widestTypist();
      if (next) this.claimSize(next);
      else this.sizeOwner = undefined;
    }
    if (this.viewers.size === 0) this.lastViewerLeftAt = Date.now();
    this.updatePause();
  }

  input(viewer: Viewer, data: string): void {
    if (!viewer.canType) throw new Error('read-only viewer');
    this.pty?.write(data);
  }

  /** The size that fits this viewer's screen; the terminal follows it while the viewer holds its size. */
  resize(viewer: Viewer, cols: number, rows: number): void {
    viewer.cols = cols;
    viewer.rows = rows;
    if (!viewer.canType) return; // watchers never change the size for the people typing
    if (!this.sizeOwner || this.sizeOwner === viewer || !this.sizeOwner.canType) this.claimSize(viewer);
  }

  /** "Fit to me": this viewer's size becomes the terminal's, for everyone. */
  fit(viewer: Viewer, cols: number, rows: number): void {
    if (!viewer.canType) throw new Error('read-only viewer');
    viewer.cols = cols;
    viewer.rows = rows;
    this.claimSize(viewer);
  }

  ack(viewer: Viewer, bytes: number): void {
    viewer.acked = Math.min(viewer.sent, viewer.acked + bytes);
    viewer.lastAckAt = Date.now();
    if (!viewer.live && viewer.backlog <= RESUME_BELOW_BYTES) {
      // Back from snapshot mode: a fresh screen, then live output again.
      void this.drainMirror().then(() => this.viewers.has(viewer) && this.sendSnapshot(viewer));
    }
    this.updatePause();
  }

  /** Detaches from tmux (the terminal keeps running there) and drops every viewer. */
  close(code = 1001, reason = 'terminal closed'): void {
    this.closed = true;
    for (const viewer of this.viewers) viewer.channel.close(code, reason);
    this.viewers.clear();
    clearTimeout(this.stallTimer);
    this.cancelFlush?.();
    this.pty?.kill();
    this.pty = undefined;
    this.mirror.dispose();
  }

  /** Tells every viewer the terminal ended, then closes them. */
  ended(exitCode: number | null): void {
    for (const viewer of this.viewers) viewer.channel.sendFrame({ type: 'exit', exitCode });
    this.close(1000, 'terminal exited');
  }

  /**
   * Gathers PTY reads into frames: tmux writes many tiny pieces (mostly cursor
   * moves), and each frame costs a WebSocket write per viewer and a mirror
   * write. Reads of one event-loop turn always share a frame; while output
   * keeps coming, one frame per FRAME_INTERVAL_MS.
   */
  private collect(chunk: Buffer): void {
    this.gathered.push(chunk);
    this.gatheredBytes += chunk.length;
    if (this.gatheredBytes >= FRAME_MAX_BYTES) return this.flush();
    if (this.cancelFlush) return;
    const wait = this.lastFlushAt + FRAME_INTERVAL_MS - performance.now();
    if (wait <= 0) {
      const immediate = setImmediate(() => this.flush());
      this.cancelFlush = () => clearImmediate(immediate);
    } else {
      // Output is streaming: let the PTY fill up until the frame is due, so it is read in fewer, larger reads.
      const timer = setTimeout(() => this.flush(), wait);
      this.cancelFlush = () => clearTimeout(timer);
      this.gathering = true;
      this.updateReading();
    }
  }

  /** Sends what collect() gathered now. */
  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    this.lastFlushAt = performance.now();
    if (this.gathering) {
      this.gathering = false;
      this.updateReading();
    }
    if (this.gathered.length === 0) return;
    const chunk = this.gathered.length === 1 ? this.gathered[0]! : Buffer.concat(this.gathered);
    this.gathered.length = 0;
    this.gatheredBytes = 0;
    this.output(chunk);
  }

  private output(chunk: Buffer): void {
    if (this.closed) return;
    this.mirrorQueued += chunk.length;
    this.mirror.write(chunk, () => {
      this.mirrorQueued -= chunk.length;
      if (this.paused) this.updatePause();
    });
    const now = Date.now();
    for (const viewer of this.viewers) {
      if (!viewer.live) continue;
      if (viewer.stalled(now)) {
        viewer.live = false; // it catches up later from a snapshot instead of holding everyone
        continue;
      }
      viewer.channel.sendOutput(chunk);
      viewer.sent += chunk.length;
    }
    this.updatePause();
  }

  /** Pauses the PTY while the mirror or the slowest live viewer is too far behind. */
  private updatePause(): void {
    if (!this.pty) return;
    let slowest = 0;
    for (const viewer of this.viewers) if (viewer.live) slowest = Math.max(slowest, viewer.backlog);
    const behind = this.mirrorQueued > MIRROR_QUEUE_BYTES || slowest > PAUSE_ABOVE_BYTES;
    const caughtUp = this.mirrorQueued <= MIRROR_QUEUE_BYTES / 2 && slowest <= RESUME_BELOW_BYTES;
    if (!this.paused && behind) {
      this.paused = true;
      // A viewer that stops acknowledging must not hold the others for long.
      this.stallTimer ??= setTimeout(() => {
        this.stallTimer = undefined;
        this.dropStalled();
      }, STALL_MS + 100);
    } else if (this.paused && caughtUp) {
      this.paused = false;
    }
    this.updateReading();
  }

  /**
   * Reads the PTY unless flow control, a joining viewer or a frame being
   * gathered holds it. While it is not read, tmux keeps the pane's latest
   * screen and redraws it once reading resumes, rather than queueing output.
   */
  private updateReading(): void {
    if (!this.pty) return;
    if (this.paused || this.joining > 0 || this.gathering) this.pty.pause();
    else this.pty.resume();
  }

  private dropStalled(): void {
    const now = Date.now();
    for (const viewer of this.viewers) if (viewer.live && viewer.stalled(now)) viewer.live = false;
    this.updatePause();
  }

  private sendSnapshot(viewer: Viewer): void {
    viewer.resync();
    viewer.channel.sendFrame({
      type: 'snapshot',
      data: this.serializer.serialize({ scrollback: MIRROR_SCROLLBACK }),
      cols: this.mirror.cols,
      rows: this.mirror.rows,
      readOnly: !viewer.canType,
      terminal: this.options.describe(),
    });
  }

  /** Who takes the size when its holder leaves: the widest screen left that may type, so nobody is clipped. */
  private widestTypist(): Viewer | undefined {
    let widest: Viewer | undefined;
    for (const viewer of this.viewers)
      if (viewer.canType && (!widest || viewer.cols > widest.cols)) widest = viewer;
    return widest;
  }

  private claimSize(viewer: Viewer): void {
    this.sizeOwner = viewer;
    if (viewer.cols === this.mirror.cols && viewer.rows === this.mirror.rows) return;
    this.mirror.resize(viewer.cols, viewer.rows);
    this.pty?.resize(viewer.cols, viewer.rows);
    for (const other of this.viewers)
      other.channel.sendFrame({ type: 'resize', cols: viewer.cols, rows: viewer.rows });
  }

  private drainMirror(): Promise<void> {
    return new Promise((resolve) => this.mirror.write('', resolve));
  }
}
