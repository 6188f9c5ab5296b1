import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeError } from './logger.js';

/** Milliseconds between comment lines that keep proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/** The `error` event a stream ends with when its producer fails: the same shape as an error response. */
export const SSE_FAILED = {
  id: 'stream_failed',
  message: 'The stream failed on the server; reconnect to resume where it stopped.',
} as const;

export interface SseStream {
  send(event: { id?: number | string; event?: string; data: unknown }): void;
  close(): void;
  /** Settles when the client goes away or close() is called. */
  readonly closed: Promise<void>;
  /** The Last-Event-ID header a reconnecting client sent (the id of the last event it saw), if any. */
  readonly lastEventId: string | undefined;
  /** Where a stream of numbered events resumes: Last-Event-ID when it is a number, else `fallback` (`?after=`), else 0. */
  resumeAfter(fallback?: number): number;
}

/** What fills a stream; it may keep sending after it returns (subscriptions end with `stream.closed`). */
export type SseProducer = (stream: SseStream) => unknown;

/**
 * Opens a server-sent-events response and runs `produce` on it. Event names with newlines are
 * refused (they would forge fields); data is JSON, one `data:` line per line of it. When the
 * producer throws (or rejects), the exception is logged without secrets, the client gets an
 * `error` event whose data is `{ error: SSE_FAILED }` (never the exception's text), and the
 * stream closes: EventSource then reconnects with Last-Event-ID.
 */
export function openSse(request: FastifyRequest, reply: FastifyReply, produce?: SseProducer): SseStream {
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
  const lastEventId = parseLastEventId(request.headers['last-event-id']);
  const stream: SseStream = {
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
    lastEventId,
    resumeAfter(fallback) {
      return lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : (fallback ?? 0);
    },
  };
  if (produce) {
    const fail = (error: unknown) => {
      request.log.error({ error: safeError(error), url: request.routeOptions.url }, 'event stream failed');
      stream.send({ event: 'error', data: { error: SSE_FAILED } });
      stream.close();
    };
    try {
      void Promise.resolve(produce(stream)).catch(fail);
    } catch (error) {
      fail(error);
    }
  }
  return stream;
}

/** The header's value, if it is one line of printable text (it is echoed into nothing, but compared). */
function parseLastEventId(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && value !== '' && value.length <= 200 ? value : undefined;
}
