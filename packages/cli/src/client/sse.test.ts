import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient } from './api.js';
import { followSession } from './sse.js';

const SESSION = 'sess_1';
const event = (id: number) => ({
  id,
  sessionId: SESSION,
  at: new Date(0).toISOString(),
  event: { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm', delta: `part ${id}` },
});

describe('following a session over SSE', () => {
  let server: Server;
  const asked: string[] = [];

  beforeAll(async () => {
    // A server whose first stream fails after one event (as openSse says it: an `error` event,
    // then the end), and whose second stream goes on from Last-Event-ID.
    server = createServer((req, res) => {
      const last = String(req.headers['last-event-id'] ?? '0');
      asked.push(last);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (last === '0') {
        res.write(`id: 1\ndata: ${JSON.stringify(event(1))}\n\n`);
        res.end(
          `event: error\ndata: ${JSON.stringify({ error: { id: 'stream_failed', message: 'The stream failed.' } })}\n\n`,
        );
      } else {
        res.write(`id: 2\ndata: ${JSON.stringify(event(2))}\n\n`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('takes a failed stream for a drop: says why, follows again from the last event, warns of nothing', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new ApiClient({ url, token: 't', source: 'HANGAR_URL' });
    const controller = new AbortController();
    const reconnects: string[] = [];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const seen: number[] = [];
    try {
      for await (const stored of followSession(client, SESSION, {
        after: 0,
        signal: controller.signal,
        onReconnect: (error) => reconnects.push(error.message),
      })) {
        seen.push(stored.id);
        if (stored.id === 2) controller.abort();
      }
    } finally {
      warn.mockRestore();
    }
    expect(seen).toEqual([1, 2]);
    expect(asked).toEqual(['0', '1']);
    expect(reconnects).toEqual(['the server ended the event stream: The stream failed.']);
    expect(warn).not.toHaveBeenCalled();
  });
});
