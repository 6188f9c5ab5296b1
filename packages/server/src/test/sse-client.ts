import type { TestClient } from './server.js';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests assert field by field
  /** performance.now() when it arrived. */
  at: number;
}

/** A server-sent-events reader over fetch, with the client's cookie (tests only). */
export class SseTestClient {
  readonly events: SseEvent[] = [];
  private waiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  status = 0;

  static async open(client: TestClient, path: string, headers: Record<string, string> = {}) {
    const sse = new SseTestClient();
    const response = await fetch(new URL(path, client.baseUrl), {
      headers: { ...(client.cookie && { cookie: client.cookie }), ...headers },
      signal: sse.abort.signal,
    });
    sse.status = response.status;
    if (response.ok && response.body) void sse.read(response.body);
    else sse.body = await response.text();
    return sse;
  }

  body = '';

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      const reader = body.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        buffer += decoder.decode(next.value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.parse(block);
        }
      }
    } catch {
      // aborted
    }
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const [field, ...rest] = line.split(':');
      const value = rest.join(':').replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    this.events.push({ id, event, data: JSON.parse(data.join('\n')), at: performance.now() });
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The first event after index `from` that satisfies `match`. */
  async waitFor(match: (e: SseEvent) => boolean, from = 0, timeoutMs = 30_000): Promise<SseEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`no matching event; got ${JSON.stringify(this.events.map((e) => e.event))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.abort.abort();
  }
}
