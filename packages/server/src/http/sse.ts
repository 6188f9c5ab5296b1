import type { FastifyReply, FastifyRequest } from 'fastify';

/** Seconds between comment lines that keep proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export interface SseStream {
  send(event: { id?: number | string; event?: string; data: unknown }): void;
  close(): void;
  /** Settles when the client goes away or close() is called. */
  readonly closed: Promise<void>;
}

/**
 * Opens a server-sent-events response. Event names with newlines are refused
 * (they would forge fields); data is JSON, one `data:` line per line of it.
 */
export function openSse(request: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': connected\n\n');
  let done = false;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  const keepalive = setInterval(() => raw.write(': keepalive\n\n'), KEEPALIVE_MS);
  const finish = () => {
    if (done) return;
    done = true;
    clearInterval(keepalive);
    resolveClosed();
  };
  request.raw.once('close', finish);
  return {
    send({ id, event, data }) {
      if (done) return;
      if (event !== undefined && /[\r\n]/.test(event))
        throw new Error('SSE event names cannot contain newlines');
      const lines = JSON.stringify(data)
        .split('\n')
        .map((line) => `data: ${line}`)
        .join('\n');
      raw.write(
        `${id !== undefined ? `id: ${id}\n` : ''}${event !== undefined ? `event: ${event}\n` : ''}${lines}\n\n`,
      );
    },
    close() {
      finish();
      raw.end();
    },
    closed,
  };
}
