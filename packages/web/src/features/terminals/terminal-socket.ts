import { AckCounter, type ClientFrame, type ServerFrame } from '@hangar/protocol';
import { reconnectDelay } from './backoff';
import { encodeClientFrame, parseServerFrame, splitInput } from './frames';
import { Keepalive } from './keepalive';

/** Acknowledge a remainder under ACK_EVERY_BYTES once output has been quiet this long, in milliseconds. */
const ACK_IDLE_MS = 500;

/**
 * connecting: first attempt; connected: the snapshot arrived; reconnecting:
 * waiting to try again; ended: no more attempts (closed, exited, or refused).
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'ended';

export interface TerminalSocketEvents {
  /** Output bytes to render; call `done` once the terminal has processed them (flow control). */
  output(data: Uint8Array, done: () => void): void;
  /** Every text frame but pong, which the socket handles itself. */
  frame(frame: ServerFrame): void;
  status(status: ConnectionStatus): void;
}

/**
 * One terminal's WebSocket, kept open: reconnects with backoff when it drops
 * (the server answers every new connection with a snapshot), pings to notice
 * a dead network, and acknowledges output as it is processed. Knows nothing
 * of xterm.js.
 */
export class TerminalSocket {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private ended = false;
  private readonly acks = new AckCounter();
  private readonly keepalive = new Keepalive(
    (id) => this.send({ type: 'ping', id }),
    () => this.lost(),
  );

  constructor(
    private readonly url: string,
    private readonly events: TerminalSocketEvents,
  ) {}

  open(): void {
    this.connect();
  }

  /** Stops for good: closes the socket and cancels any reconnect. */
  close(): void {
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.drop();
  }

  /** Sends when connected; returns false (and drops the frame) otherwise. */
  send(frame: ClientFrame): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(encodeClientFrame(frame));
    return true;
  }

  input(data: string): void {
    for (const chunk of splitInput(data)) this.send({ type: 'input', data: chunk });
  }

  private connect(): void {
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.acks.reset();
    socket.onopen = () => this.keepalive.start();
    socket.onmessage = (event: MessageEvent<unknown>) => this.receive(socket, event.data);
    socket.onclose = () => this.lost();
  }

  private receive(socket: WebSocket, data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const ticket = this.acks.ticket();
      this.events.output(new Uint8Array(data), () => {
        if (this.socket === socket) this.processed(data.byteLength, ticket);
      });
      return;
    }
    if (typeof data !== 'string') return;
    const frame = parseServerFrame(data);
    if (!frame) {
      console.warn('Ignored a terminal frame this version does not understand', data.slice(0, 200));
      return;
    }
    if (frame.type === 'pong') return this.keepalive.pong();
    if (frame.type === 'snapshot') {
      // The server counts acknowledgements afresh from each snapshot.
      this.acks.reset();
      this.attempt = 0;
      if (frame.terminal.state === 'exited') this.ended = true;
      this.events.status('connected');
    }
    if (frame.type === 'exit' || (frame.type === 'error' && frame.fatal)) this.ended = true;
    this.events.frame(frame);
  }

  private processed(bytes: number, ticket: number): void {
    const now = this.acks.processed(bytes, ticket);
    if (now > 0) this.sendAck(now);
    else if (this.acks.pending > 0 && this.ackTimer === undefined) {
      this.ackTimer = setTimeout(() => this.sendAck(this.acks.flush()), ACK_IDLE_MS);
    }
  }

  private sendAck(bytes: number): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (bytes > 0) this.send({ type: 'ack', bytes });
  }

  /** The socket closed or stopped answering: try again later, unless there is nothing to go back to. */
  private lost(): void {
    this.drop();
    if (this.ended) {
      this.events.status('ended');
      return;
    }
    this.events.status('reconnecting');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), reconnectDelay(this.attempt));
    this.attempt += 1;
  }

  /** Detaches from the current socket, so nothing it does later reaches us, and closes it. */
  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.keepalive.stop();
    this.sendAck(0);
    if (!socket) return;
    socket.onopen = socket.onmessage = socket.onclose = null;
    if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) {
      socket.close(1000);
    }
  }
}
