import {
  MAX_CLIENT_FRAME_BYTES,
  clientFrame,
  terminalParams,
  terminalSize,
  type ServerFrame,
} from '@hangar/protocol';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { HangarError } from '../../errors.js';
import type { TerminalSession } from '../../terminal/session.js';
import type { Viewer, ViewerChannel } from '../../terminal/viewer.js';
import { principalOf, stillAuthenticated } from '../auth.js';
import type { App, AppContext } from '../types.js';

/** Seconds between keepalive pings; a socket that misses one is dropped. */
const KEEPALIVE_MS = 25_000;
/** How long a typing permission check stays valid, in ms. */
const ROLE_CACHE_MS = 2_000;

/** Query values arrive as text: `?cols=120&rows=40`. */
const socketQuery = z.strictObject({
  cols: z.coerce.number().pipe(terminalSize.cols).optional(),
  rows: z.coerce.number().pipe(terminalSize.rows).optional(),
});

/** The terminal stream: see packages/protocol/src/terminals.ts for the frames. */
export function terminalSocket(app: App, ctx: AppContext): void {
  app.get(
    '/api/workspaces/:id/terminals/:terminalId/ws',
    {
      websocket: true,
      config: { stream: true },
      schema: { tags: ['terminals'], params: terminalParams, querystring: socketQuery },
    },
    (socket, request) => {
      const { id, terminalId } = request.params;
      new TerminalConnection(ctx, socket, request, id, terminalId).start(
        request.query.cols,
        request.query.rows,
      );
    },
  );
}

class TerminalConnection {
  private viewer: Viewer | undefined;
  private session: TerminalSession | undefined;
  private readonly queued: [Buffer, boolean][] = [];
  private typingCheckedAt = 0;
  private typingAllowed = false;
  private alive = true;
  private keepalive: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly socket: WebSocket,
    private readonly request: FastifyRequest,
    private readonly workspaceId: string,
    private readonly terminalId: string,
  ) {}

  start(cols = 80, rows = 24): void {
    // Handlers first: frames that arrive while we attach are queued, not lost.
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.viewer) this.handle(data, isBinary);
      else this.queued.push([data, isBinary]);
    });
    this.socket.on('close', () => this.cleanup());
    this.socket.on('error', () => this.cleanup());
    this.socket.on('pong', () => (this.alive = true));
    this.keepalive = setInterval(() => void this.checkAlive(), KEEPALIVE_MS);
    void this.join(cols, rows);
  }

  private async join(cols: number, rows: number): Promise<void> {
    const channel: ViewerChannel = {
      sendFrame: (frame) => this.send(frame),
      sendOutput: (data) =>
        this.socket.readyState === this.socket.OPEN && this.socket.send(data, { binary: true }),
      close: (code, reason) => this.socket.close(code, reason),
    };
    try {
      const { session, canType } = await this.ctx.services.terminals.session(
        principalOf(this.request),
        this.workspaceId,
        this.terminalId,
      );
      if (this.socket.readyState !== this.socket.OPEN) return;
      this.session = session;
      this.typingAllowed = canType;
      this.typingCheckedAt = Date.now();
      this.viewer = await session.join(channel, canType, { cols, rows });
      for (const [data, isBinary] of this.queued.splice(0)) this.handle(data, isBinary);
    } catch (error) {
      const known = error instanceof HangarError ? error : undefined;
      if (!known) this.request.log.error({ err: error }, 'terminal attach failed');
      this.fail(
        known?.id ?? 'internal_error',
        known?.message ?? 'The terminal could not be attached.',
        known ? 4000 + known.status : 1011,
      );
    }
  }

  private handle(data: Buffer, isBinary: boolean): void {
    const viewer = this.viewer!;
    const session = this.session!;
    if (isBinary) return this.fail('bad_frame', 'Send JSON text frames; see the terminal protocol.', 1003);
    if (data.length > MAX_CLIENT_FRAME_BYTES) {
      return this.fail('frame_too_large', `Frames may have at most ${MAX_CLIENT_FRAME_BYTES} bytes.`, 1009);
    }
    let parsed: ReturnType<typeof clientFrame.safeParse>;
    try {
      parsed = clientFrame.safeParse(JSON.parse(data.toString('utf8')));
    } catch {
      return this.fail('bad_frame', 'The frame is not valid JSON.', 1007);
    }
    if (!parsed.success)
      return this.fail('bad_frame', `The frame is not valid: ${parsed.error.issues[0]?.message ?? ''}`, 1008);
    const frame = parsed.data;
    switch (frame.type) {
      case 'input':
        void this.asTypist(viewer, () => session.input(viewer, frame.data));
        return;
      case 'fit':
        void this.asTypist(viewer, () => session.fit(viewer, frame.cols, frame.rows));
        return;
      case 'resize':
        return session.resize(viewer, frame.cols, frame.rows);
      case 'ack':
        return session.ack(viewer, frame.bytes);
      case 'ping':
        return this.send({ type: 'pong', ...(frame.id !== undefined && { id: frame.id }) });
    }
  }

  /** Every input and fit frame is authorised: a viewer's, or a demoted editor's, is refused and never applied. */
  private async asTypist(viewer: Viewer, apply: () => void): Promise<void> {
    if (Date.now() - this.typingCheckedAt > ROLE_CACHE_MS) {
      this.typingAllowed =
        viewer.canType &&
        (await this.ctx.services.terminals.canType(principalOf(this.request), this.workspaceId));
      this.typingCheckedAt = Date.now();
    }
    if (!this.typingAllowed) {
      this.send({
        type: 'error',
        id: 'read_only',
        message: 'You can watch this terminal but not type in it.',
        fatal: false,
      });
      return;
    }
    apply();
  }

  /** Keepalive and re-authentication: a logged-out or revoked client is dropped. */
  private async checkAlive(): Promise<void> {
    if (!this.alive) return void this.socket.terminate();
    this.alive = false;
    this.socket.ping();
    if (!(await stillAuthenticated(this.ctx, this.request)))
      this.fail('unauthenticated', 'Your session ended: log in again.', 4401);
  }

  private send(frame: ServerFrame): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  /** An error frame, then this socket (only) closes. */
  private fail(id: string, message: string, code: number): void {
    this.send({ type: 'error', id, message, fatal: true });
    this.socket.close(code, id.slice(0, 100));
  }

  private cleanup(): void {
    clearInterval(this.keepalive);
    if (this.viewer) this.session?.leave(this.viewer);
    this.viewer = undefined;
  }
}
