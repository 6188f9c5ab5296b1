import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { createWorkspace } from '../workspaces.js';

const SEED = Number(process.env.HANGAR_FUZZ_SEED ?? Date.now() % 1_000_000);
const ANSWER_WITHIN_MS = 10_000;
const MiB = 1024 * 1024;

type Api = 'anthropic' | 'openai';
/** How the broken provider answers one request, by the request's user text. */
type Behaviour = (res: ServerResponse, api: Api) => void;

const sse = (res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
const anthropicStart = (usage: unknown) =>
  `event: message_start\ndata: ${JSON.stringify({
    type: 'message_start',
    message: { id: 'm1', type: 'message', role: 'assistant', model: 'fuzz-1', content: [], usage },
  })}\n\n`;
const openaiChunk = (usage: unknown) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'fuzz-1', choices: [], usage })}\n\n`;
const usageEvent = (api: Api, usage: unknown) =>
  api === 'anthropic' ? anthropicStart(usage) : openaiChunk(usage);

/** Usage numbers no provider should send; the meter must record something sane (finite, non-negative). */
const HOSTILE_USAGE: unknown[] = [
  { input_tokens: -5, output_tokens: 'many', prompt_tokens: -1, completion_tokens: 'x' },
  { input_tokens: 1e308, output_tokens: 2 ** 63, prompt_tokens: 1e308, completion_tokens: 2 ** 63 },
  { input_tokens: 1.5, output_tokens: null, prompt_tokens: 0.25, total_tokens: {} },
  { __proto__: { polluted: 'yes' }, input_tokens: [1], prompt_tokens: [1] },
  'not an object',
  null,
];

const BEHAVIOURS: Record<string, Behaviour> = {
  'not JSON in data lines': (res) => {
    sse(res);
    res.end('data: {not json\n\ndata: \n\ndata: [DONE\n\nevent: \n\n: comment only\n\n');
  },
  'no blank lines between events': (res, api) => {
    sse(res);
    res.end(`${usageEvent(api, { input_tokens: 3 }).replaceAll('\n\n', '\n')}data: {}\ndata: {}\n`);
  },
  'invalid UTF-8 in an event': (res) => {
    sse(res);
    res.write('data: {"type":"content_block_delta","delta":{"text":"');
    res.write(Buffer.from([0xff, 0xfe, 0xc3]));
    res.end('"}}\n\n');
  },
  'a 12 MiB event': (res, api) => {
    sse(res);
    res.write(usageEvent(api, { input_tokens: 7, output_tokens: 1 }));
    res.write(
      `data: ${JSON.stringify({ type: 'content_block_delta', delta: { text: 'x'.repeat(12 * MiB) } })}\n\n`,
    );
    res.end();
  },
  'chunked encoding cut mid-stream': (res, api) => {
    sse(res);
    res.write(usageEvent(api, { input_tokens: 11 }));
    res.write('data: {"type":"content_block_delta","delta":{"te', () => res.socket?.destroy());
  },
  'content-length longer than the body': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"id":"m1","usage":{"input_tokens":', () => res.socket?.destroy());
  },
  'garbage JSON answer': (res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{{{"usage":');
  },
  'gzip announced, plain sent': (res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end('{"usage":{"input_tokens":1}}');
  },
  'HTML error page': (res) => {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end('<html><body>Bad gateway</body></html>');
  },
  '429 with a nonsense retry-after': (res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': 'soonish' });
    res.end('{"error":{"type":"rate_limit_error"}}');
  },
  'headers then nothing, then closed': (res) => {
    sse(res);
    res.flushHeaders();
    setTimeout(() => res.socket?.destroy(), 300);
  },
  'connection reset before headers': (res) => res.socket?.destroy(),
};
/** The behaviours whose answer is not an event stream. */
const PLAIN_BEHAVIOURS = Object.fromEntries(
  [
    'content-length longer than the body',
    'garbage JSON answer',
    'gzip announced, plain sent',
    'HTML error page',
    '429 with a nonsense retry-after',
    'connection reset before headers',
  ].map((name) => [name, BEHAVIOURS[name]]),
);
HOSTILE_USAGE.forEach((usage, i) => {
  BEHAVIOURS[`hostile usage #${i}`] = (res, api) => {
    sse(res);
    res.end(`${usageEvent(api, usage)}${api === 'openai' ? 'data: [DONE]\n\n' : ''}`);
  };
});

/**
 * The LLM proxy between clients and a provider that misbehaves in every way
 * it can on the wire: each call is answered or its stream ends cleanly
 * within ANSWER_WITHIN_MS, the server stays up, and every call's usage is
 * recorded with finite, non-negative numbers.
 */
describe('hostile LLM provider streams through the proxy', () => {
  let provider: Server;
  let server: TestServer;
  let admin: TestClient;
  let token: string;
  let tried = 0;
  const errorLogs: string[] = [];

  beforeAll(async () => {
    provider = createServer((req, res) => void answer(req, res));
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(provider.address() as { port: number }).port}`;
    server = await startTestServer({
      env: {
        HANGAR_PROVIDERS: JSON.stringify({
          anthropic: { kind: 'anthropic', baseUrl: url },
          openai: { kind: 'openai', baseUrl: url },
        }),
        HANGAR_PRICING: JSON.stringify({ 'fuzz-*': { input: 2, output: 10, cacheRead: 0.5, cacheWrite: 3 } }),
        HANGAR_TEMPLATES: JSON.stringify({ plain: { driver: 'host', network: 'full' } }),
        HANGAR_DEFAULT_TEMPLATE: 'plain',
      },
      logStream: (line) => {
        if (/"level":(50|60)/.test(line)) errorLogs.push(line.slice(0, 1000));
      },
    });
    admin = await setupAdmin(server);
    for (const name of ['anthropic', 'openai']) {
      const put = await admin.request('PUT', `/api/admin/providers/${name}/key`, {
        key: 'sk-fuzz-0123456789',
      });
      expect(put.status).toBe(200);
    }
    const ws = await createWorkspace(admin, { name: 'llm-fuzz' });
    const exec = await admin.post(`/api/workspaces/${ws.body.id}/exec`, {
      command: ['printenv', 'HANGAR_TOKEN'],
    });
    token = exec.body.stdout.trim();
    expect(token).toMatch(/^hws_/);
  }, 60_000);

  afterAll(async () => {
    console.log(`fuzz cases tried: ${tried} (LLM provider streams, seed ${SEED})`);
    await server?.stop();
    await new Promise((resolve) => provider?.close(resolve));
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const api: Api = req.url?.includes('chat/completions') ? 'openai' : 'anthropic';
    const text = (JSON.parse(body) as { messages: { content: string }[] }).messages[0]!.content;
    const behaviour = BEHAVIOURS[text];
    if (behaviour) return behaviour(res, api);
    // fast-check: random bytes as an event stream.
    sse(res);
    res.end(Buffer.from(text, 'base64'));
  }

  const call = async (api: Api, text: string, stream: boolean) => {
    const path = api === 'anthropic' ? '/llm/anthropic/v1/messages' : '/llm/openai/v1/chat/completions';
    const started = performance.now();
    const response = await fetch(new URL(path, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-api-key': token },
      body: JSON.stringify({
        model: 'fuzz-1',
        max_tokens: 10,
        stream,
        messages: [{ role: 'user', content: text }],
      }),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    // A stream may end early (the provider cut it): that ends the body with an error, which is clean.
    const ended = await response.arrayBuffer().then(
      () => 'complete',
      (error: Error) => (error.name === 'TimeoutError' ? 'hung' : 'cut'),
    );
    return { status: response.status, ended, ms: performance.now() - started };
  };

  it('answers or ends every call cleanly, and records sane usage for each', async () => {
    const before = await countCalls(server);
    const random = fc
      .sample(fc.uint8Array({ maxLength: 2000 }), { numRuns: 12, seed: SEED })
      .map((bytes) => Buffer.from(bytes).toString('base64'));
    const texts = [...Object.keys(BEHAVIOURS), ...random];
    const failures: string[] = [];
    const timings: [string, number][] = [];
    for (const api of ['anthropic', 'openai'] as const) {
      for (const stream of [true, false]) {
        // Not streamed: the request's flag changes little (the proxy goes by the answer's type), so the
        // answers that are not event streams, and a few random ones.
        const plain = [...Object.keys(PLAIN_BEHAVIOURS), ...random.slice(0, 3)];
        for (const text of stream ? texts : plain) {
          const label = `${api} ${stream ? 'stream' : 'plain'}: ${text.slice(0, 40)}`;
          try {
            const outcome = await call(api, text, stream);
            timings.push([label, outcome.ms]);
            if (outcome.ended === 'hung') failures.push(`${label}: the answer hung`);
            if (outcome.status === 500) failures.push(`${label}: 500 from the proxy itself`);
          } catch (error) {
            // fetch rejects before headers only when the proxy closed without answering.
            failures.push(`${label}: ${(error as Error).name} ${(error as Error).message}`);
          }
          tried++;
        }
      }
    }
    const slow = timings.sort((a, b) => b[1] - a[1]).slice(0, 4);
    console.log(`slowest: ${slow.map(([label, ms]) => `${label} ${Math.round(ms)} ms`).join('; ')}`);
    expect((await server.client().get('/api/health')).status).toBe(200);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const rows = await server.store.db
      .selectFrom('llm_calls')
      .select(['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'cost_usd'])
      .execute();
    // Calls refused before the provider (none here) are not metered; every forwarded one is.
    // A provider that resets the connection before any header is unreachable: that call is not metered.
    const unreachable = 4; // 'connection reset before headers', for each API, streamed and not
    expect(rows.length - before).toBe(tried - unreachable);
    for (const row of rows) {
      for (const value of Object.values(row).map(Number)) {
        expect(Number.isFinite(value) && value >= 0, JSON.stringify(row)).toBe(true);
      }
    }
    if (errorLogs.length > 0)
      console.log(`error log lines: ${errorLogs.length}\n${errorLogs.slice(0, 3).join('\n')}`);
  }, 180_000);
});

async function countCalls(server: TestServer): Promise<number> {
  const row = await server.store.db
    .selectFrom('llm_calls')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
