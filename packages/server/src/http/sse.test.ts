import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loggerOptions } from './logger.js';
import { openSse, SSE_FAILED, type SseProducer } from './sse.js';

// Credentials of several shapes, each in the text of an exception a producer throws.
const SECRETS = ['hunter2', 'hgr_' + 'A'.repeat(43), 'sk-ant-' + 'b'.repeat(24), 'tok3n-value'];
const LEAKY_MESSAGE = `fetch https://ada:${SECRETS[0]}@example.test/x?token=${SECRETS[3]} failed with ${SECRETS[1]}, key ${SECRETS[2]}`;

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** A real server with one SSE route whose producer is `produce`; its log lines land in `logs`. */
async function serve(produce: SseProducer) {
  const logs: string[] = [];
  const app = Fastify({
    logger: {
      ...loggerOptions({ logLevel: 'info' }, { write: () => undefined }),
      stream: { write: (line: string) => logs.push(line) },
    },
  });
  apps.push(app);
  app.get('/events', async (request, reply) => {
    openSse(request, reply, produce);
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${url}/events`, logs };
}

/** The whole response body: resolves only once the server ends the stream. */
async function readAll(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { headers });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return response.text();
}

describe('openSse', () => {
  for (const [how, produce] of [
    [
      'throws',
      (() => {
        throw new Error(LEAKY_MESSAGE);
      }) as SseProducer,
    ],
    [
      'rejects after sending',
      (async (stream) => {
        stream.send({ id: 1, event: 'hello', data: { n: 1 } });
        await new Promise((resolve) => setImmediate(resolve));
        throw Object.assign(new Error(LEAKY_MESSAGE), { headers: { authorization: `Bearer ${SECRETS[3]}` } });
      }) as SseProducer,
    ],
  ] as const)
    it(`ends with a generic error event when its producer ${how}, and logs the failure without secrets`, async () => {
      const { url, logs } = await serve(produce);
      const body = await readAll(url);
      const blocks = body
        .split('\n\n')
        .filter((block) => block.startsWith('event:') || block.startsWith('id:'));
      expect(blocks.at(-1)).toBe(`event: error\ndata: ${JSON.stringify({ error: SSE_FAILED })}`);
      expect(body).not.toContain('fetch');
      for (const secret of SECRETS) expect(body).not.toContain(secret);
      const failure = logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((l) => l.msg === 'event stream failed');
      expect(failure).toMatchObject({ level: 50, url: '/events', error: { type: 'Error' } });
      expect(JSON.stringify(failure)).toContain('example.test');
      for (const secret of SECRETS) expect(logs.join('\n')).not.toContain(secret);
    });

  it('leaves a stream whose producer returned open for what it sends later', async () => {
    let later: (() => void) | undefined;
    const { url } = await serve((stream) => {
      stream.send({ id: 1, data: 'first' });
      later = () => {
        stream.send({ id: 2, data: 'second' });
        stream.close();
      };
    });
    const reading = readAll(url);
    while (!later) await new Promise((resolve) => setTimeout(resolve, 10));
    later();
    expect(await reading).toBe(': connected\n\nid: 1\ndata: "first"\n\nid: 2\ndata: "second"\n\n');
  });

  it('reads Last-Event-ID for the producer: a numeric one wins over ?after=, anything else falls back', async () => {
    const { url } = await serve((stream) => {
      stream.send({ data: { lastEventId: stream.lastEventId ?? null, after: stream.resumeAfter(7) } });
      stream.close();
    });
    const seen = async (headers: Record<string, string>) =>
      JSON.parse(/^data: (.*)$/m.exec(await readAll(url, headers))?.[1] ?? 'null') as unknown;
    expect(await seen({ 'last-event-id': '42' })).toEqual({ lastEventId: '42', after: 42 });
    expect(await seen({})).toEqual({ lastEventId: null, after: 7 });
    expect(await seen({ 'last-event-id': '-3' })).toEqual({ lastEventId: '-3', after: 7 });
    expect(await seen({ 'last-event-id': 'etag-1f' })).toEqual({ lastEventId: 'etag-1f', after: 7 });
  });
});
