import { StringDecoder } from 'node:string_decoder';
import { serverFrame, type ServerFrame } from '@hangar/protocol';
import xtermHeadless from '@xterm/headless';
import WebSocket from 'ws';
import type { TestClient } from './server.js';

const { Terminal } = xtermHeadless;

/** A terminal viewer as a browser would be: renders output, acknowledges it, answers with frames. */
export class TerminalClient {
  readonly frames: ServerFrame[] = [];
  /** Every output byte received after the first snapshot (for byte-exact comparisons). */
  readonly chunks: Buffer[] = [];
  text = '';
  bytes = 0;
  closed: { code: number; reason: string } | undefined;
  readonly screen = new Terminal({ cols: 80, rows: 24, scrollback: 5000, allowProposedApi: true });
  private readonly decoder = new StringDecoder('utf8');
  private unacked = 0;

  private constructor(
    readonly socket: WebSocket,
    private readonly options: { keepChunks: boolean; keepText: boolean; ack: boolean },
  ) {
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return this.output(data);
      const frame = serverFrame.parse(JSON.parse(data.toString('utf8')));
      this.frames.push(frame);
      if (frame.type === 'snapshot') {
        this.screen.reset();
        this.screen.resize(frame.cols, frame.rows);
        this.screen.write(frame.data);
        if (options.keepText) this.text += frame.data;
      }
    });
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static async open(
    client: TestClient,
    workspaceId: string,
    terminalId: string,
    options: Partial<{
      keepChunks: boolean;
      keepText: boolean;
      ack: boolean;
      origin: string;
      size: { cols: number; rows: number };
    }> = {},
  ): Promise<TerminalClient> {
    const url = new URL(`/api/workspaces/${workspaceId}/terminals/${terminalId}/ws`, client.baseUrl);
    if (options.size) {
      url.searchParams.set('cols', String(options.size.cols));
      url.searchParams.set('rows', String(options.size.rows));
    }
    url.protocol = 'ws:';
    const headers: Record<string, string> = {};
    if (client.cookie) headers.cookie = client.cookie;
    if (client.token) headers.authorization = `Bearer ${client.token}`;
    headers.origin = options.origin ?? client.baseUrl;
    const socket = new WebSocket(url, { headers });
    const opened = new TerminalClient(socket, { keepChunks: false, keepText: true, ack: true, ...options });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`handshake refused: ${res.statusCode}`)),
      );
      socket.once('error', reject);
    });
    await opened.waitFrame('snapshot');
    return opened;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  type(data: string): void {
    this.send({ type: 'input', data });
  }

  /** Waits until the rendered terminal (scrollback and screen) shows the text: tmux redraws, so bytes vary. */
  async waitFor(pattern: RegExp | string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rendered = await this.renderedText();
      if (typeof pattern === 'string' ? rendered.includes(pattern) : pattern.test(rendered)) return;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; screen:\n${rendered.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Every rendered line, scrollback included, joined with newlines. */
  async renderedText(): Promise<string> {
    await new Promise<void>((resolve) => this.screen.write('', resolve));
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
    return lines.join('\n');
  }

  async waitFrame<T extends ServerFrame['type']>(
    type: T,
    timeoutMs = 30_000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    await this.until(() => this.frames.some((f) => f.type === type), `a ${type} frame`, timeoutMs);
    return this.frames.find((f) => f.type === type) as Extract<ServerFrame, { type: T }>;
  }

  async waitClosed(timeoutMs = 30_000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== undefined, 'the socket to close', timeoutMs);
    return this.closed!;
  }

  /** The rendered screen, one string per row (trailing spaces trimmed). */
  async screenLines(): Promise<string[]> {
    await new Promise<void>((resolve) => this.screen.write('', resolve));
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.screen.rows; y++)
      lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return lines;
  }

  close(): void {
    this.socket.close();
    this.screen.dispose();
  }

  private output(data: Buffer): void {
    this.bytes += data.length;
    if (this.options.keepChunks) this.chunks.push(data);
    if (this.options.keepText) this.text += this.decoder.write(data);
    this.screen.write(data, () => {
      if (!this.options.ack) return;
      this.unacked += data.length;
      if (this.unacked >= 4096 && this.socket.readyState === WebSocket.OPEN) {
        this.send({ type: 'ack', bytes: this.unacked });
        this.unacked = 0;
      }
    });
  }

  private async until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got: ${this.text.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
