import { AckCounter, errorBody, serverFrame, type ClientFrame, type ServerFrame } from '@hangar/protocol';
import WebSocket from 'ws';
import { networkReason } from '../client/errors.js';
import { splitInput } from './flow.js';

/** Acknowledge a remainder once output has been quiet this long, in ms. */
const ACK_IDLE_MS = 500;
/** How often to ping, and how long to wait for the pong before reconnecting, in ms. */
const PING_EVERY_MS = 20_000;
const PONG_WITHIN_MS = 10_000;
/** Waits before reconnect attempts, in ms. */
const RECONNECT_MS = [500, 1000, 2000, 5000];
/** HTTP statuses of the fatal error ids, for the exit code. */
const FATAL_STATUS: Record<string, number> = {
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  invalid_state: 409,
};

export interface TerminalSocketEvents {
  /** Output bytes; call `done` once they are written (flow control). */
  output(data: Buffer, done: () => void): void;
  /** Every text frame but pong. */
  frame(frame: ServerFrame): void;
  /** The connection dropped and will be tried again in `inMs`. */
  reconnecting(reason: string, inMs: number): void;
  /** No more connections: after close(), an exit, a fatal error, or a refused upgrade. */
  ended(reason: { code: number; message: string }): void;
}

/**
 * One terminal's WebSocket from the CLI, the same protocol as the web app's
 * (packages/protocol/src/terminals.ts): JSON text frames up, output bytes
 * down with acknowledgements about every 5 KB, pings to notice a dead
 * network, and reconnection (the server answers with a fresh snapshot).
 */
export class TerminalSocket {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private ended = false;
  private connectedOnce = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private pongDeadline: NodeJS.Timeout | undefined;
  private pings = 0;
  private readonly acks = new AckCounter();

  constructor(
    private readonly url: () => string,
    private readonly headers: Record<string, string>,
    private readonly events: TerminalSocketEvents,
  ) {}

  open(): void {
    this.connect();
  }

  /** Stops for good. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.retryTimer);
    this.drop();
    this.events.ended({ code: 1000, message: 'closed' });
  }

  send(frame: ClientFrame): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  input(data: string): void {
    for (const chunk of splitInput(data)) this.send({ type: 'input', data: chunk });
  }

  private connect(): void {
    const socket = new WebSocket(this.url(), { headers: this.headers, handshakeTimeout: 15_000 });
    this.socket = socket;
    this.acks.reset();
    socket.on('open', () => this.startPinging());
    socket.on('message', (data: Buffer, isBinary: boolean) => this.receive(socket, data, isBinary));
    socket.on('unexpected-response', (_request, response) => {
      // The upgrade was refused with an HTTP answer (401, 404...): trying again would not help.
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => this.refused(response.statusCode ?? 0, body));
    });
    socket.on('error', (error) => {
      if (this.socket === socket) this.lost(networkReason(error));
    });
    socket.on('close', (code, reason) => {
      if (this.socket === socket) this.lost(reason.toString() || `connection closed (${code})`, code);
    });
  }

  private receive(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    if (this.socket !== socket) return;
    if (isBinary) {
      const ticket = this.acks.ticket();
      this.events.output(data, () => {
        if (this.socket === socket) this.processed(data.length, ticket);
      });
      return;
    }
    let parsed: ReturnType<typeof serverFrame.safeParse>;
    try {
      parsed = serverFrame.safeParse(JSON.parse(data.toString('utf8')));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const frame = parsed.data;
    if (frame.type === 'pong') {
      clearTimeout(this.pongDeadline);
      this.pongDeadline = undefined;
      return;
    }
    if (frame.type === 'snapshot') {
      this.acks.reset(); // the server counts afresh from each snapshot
      this.attempt = 0;
      this.connectedOnce = true;
    }
    this.events.frame(frame);
    if (frame.type === 'exit' || (frame.type === 'snapshot' && frame.terminal.state === 'exited')) {
      this.finish({ code: 0, message: 'exited' });
    } else if (frame.type === 'error' && frame.fatal) {
      this.finish({ code: FATAL_STATUS[frame.id] ?? 1, message: `${frame.message} [${frame.id}]` });
    }
  }

  private processed(bytes: number, ticket: number): void {
    const now = this.acks.processed(bytes, ticket);
    if (now > 0) this.sendAck(now);
    else if (this.acks.pending > 0 && this.ackTimer === undefined)
      this.ackTimer = setTimeout(() => this.sendAck(this.acks.flush()), ACK_IDLE_MS);
  }

  private sendAck(bytes: number): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (bytes > 0) this.send({ type: 'ack', bytes });
  }

  private startPinging(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      this.send({ type: 'ping', id: String(++this.pings) });
      this.pongDeadline ??= setTimeout(() => this.lost('no answer to a ping'), PONG_WITHIN_MS);
    }, PING_EVERY_MS);
  }

  private refused(status: number, body: string): void {
    let parsed: ReturnType<typeof errorBody.safeParse> | undefined;
    try {
      parsed = errorBody.safeParse(JSON.parse(body));
    } catch {
      parsed = undefined; // not JSON: the status says enough
    }
    const message = parsed?.success
      ? `${parsed.data.error.message} [${parsed.data.error.id}]`
      : `HTTP ${status}`;
    this.finish({ code: status, message });
  }

  private finish(reason: { code: number; message: string }): void {
    if (this.ended) return;
    this.ended = true;
    this.drop();
    this.events.ended(reason);
  }

  /** The socket dropped: reconnect with backoff, unless there is nothing to go back to. */
  private lost(reason: string, code?: number): void {
    if (this.ended) return;
    this.drop();
    // A close code 4000+status is the server refusing this attach (see terminal-socket.ts).
    if (code !== undefined && code >= 4400 && code < 4600)
      return this.finish({ code: code - 4000, message: reason });
    if (!this.connectedOnce && this.attempt >= 2) return this.finish({ code: -1, message: reason });
    const wait = RECONNECT_MS[Math.min(this.attempt, RECONNECT_MS.length - 1)]!;
    this.attempt += 1;
    this.events.reconnecting(reason, wait);
    this.retryTimer = setTimeout(() => this.connect(), wait);
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    clearInterval(this.pingTimer);
    clearTimeout(this.pongDeadline);
    this.pongDeadline = undefined;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (!socket) return;
    socket.removeAllListeners();
    socket.on('error', () => undefined);
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)
      socket.close(1000);
  }
}
