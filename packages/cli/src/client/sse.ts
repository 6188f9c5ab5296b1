import { storedEvent, type StoredEvent } from '@hangar/protocol';
import type { ApiClient } from './api.js';
import { CliError, EXIT } from './errors.js';

/** Waits between reconnects of a dropped event stream, in ms. */
const RECONNECT_MS = [250, 500, 1000, 2000, 5000];

export interface FollowOptions {
  /** Events with an id above this one (0: from the start). */
  after: number;
  signal: AbortSignal;
  /** Told when the stream dropped and is being resumed. */
  onReconnect?: (error: CliError) => void;
}

/**
 * A session's events over server-sent events, in order, for as long as the
 * signal allows: a dropped connection is resumed with Last-Event-ID, so no
 * event is missed or repeated. Refusals (401, 403, 404) end it with an error.
 */
export async function* followSession(
  client: ApiClient,
  sessionId: string,
  options: FollowOptions,
): AsyncGenerator<StoredEvent> {
  let last = options.after;
  let failures = 0;
  while (!options.signal.aborted) {
    let response: Response;
    try {
      response = await client.send('GET', `/api/sessions/${encodeURIComponent(sessionId)}/events`, {
        headers: { accept: 'text/event-stream', 'last-event-id': String(last) },
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal.aborted) return;
      if (!(error instanceof CliError) || error.exitCode !== EXIT.unreachable) throw error;
      options.onReconnect?.(error);
      await sleep(RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)]!, options.signal);
      continue;
    }
    try {
      for await (const message of sseMessages(response)) {
        failures = 0;
        if (message.event === 'error') {
          // The server's stream failed and it closes it (openSse's `stream_failed`): follow again
          // from the last event, as after a drop, saying why.
          const said = safeJson(message.data) as { error?: { message?: unknown } } | undefined;
          const why = typeof said?.error?.message === 'string' ? said.error.message : 'no reason given';
          options.onReconnect?.(new CliError(`the server ended the event stream: ${why}`, EXIT.unreachable));
          break;
        }
        const parsed = storedEvent.safeParse(safeJson(message.data));
        if (!parsed.success) {
          process.emitWarning(`skipped an event this CLI does not understand: ${message.data.slice(0, 200)}`);
          if (message.id) last = Number(message.id) || last;
          continue;
        }
        last = parsed.data.id;
        yield parsed.data;
      }
    } catch (error) {
      if (options.signal.aborted) return;
      options.onReconnect?.(
        new CliError(`the event stream dropped: ${(error as Error).message}`, EXIT.unreachable),
      );
    }
    if (options.signal.aborted) return;
    await sleep(RECONNECT_MS[Math.min(failures++, RECONNECT_MS.length - 1)]!, options.signal);
  }
}

interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** Parses a text/event-stream body (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export async function* sseMessages(response: Response): AsyncGenerator<SseMessage> {
  if (!response.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event: string | undefined;
  let data: string[] = [];
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { id, event, data: data.join('\n') };
        event = undefined;
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'event') event = value;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
