// One suite, run through every API's official SDK: what a scenario says must
// reach an SDK client intact, streamed or not.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startScriptedProvider, type ScriptedProvider } from '../http/server.js';
import type { ScenarioInput } from '../scenario/schema.js';
import { SDK_CLIENTS } from '../test/clients.js';
import { textOnly, type Exchange, type SdkClient } from '../test/exchange.js';

const FAST = { chunkChars: 8, intervalMs: 0 };
const USAGE = { input: 120, output: 45, cacheRead: 30, cacheWrite: 7, reasoning: 12 };

const scenario: ScenarioInput = {
  model: 'scripted-default',
  pace: FAST,
  turns: [
    {
      match: { lastUserText: 'say hello' },
      reply: { text: 'Hello there, from the scripted provider!', usage: USAGE },
    },
    {
      match: { lastUserText: 'think first' },
      reply: { reasoning: 'Let me consider this carefully before I answer.', text: 'Forty-two.' },
    },
    {
      match: { lastUserText: 'use tools', toolResult: false },
      reply: {
        text: 'Running two tools.',
        toolCalls: [
          { name: 'shell', input: { command: 'ls -la', cwd: '/work' }, id: 'call_fixed_1' },
          { name: 'write_file', input: { path: 'a.txt', content: 'line one\nline "two" ✓' } },
        ],
      },
    },
    { match: { lastUserText: 'use tools', toolResult: true, step: 2 }, reply: { text: 'Both tools ran.' } },
    { match: { lastUserText: '/^count (\\d+)$/', turn: 2 }, reply: { text: 'second turn' } },
    { match: { lastUserText: '/^count/' }, reply: { text: 'another turn' } },
    {
      match: { lastUserText: 'paced' },
      reply: { text: 'abcdefghijklmnopqrst', pace: { chunkChars: 4, intervalMs: 100 } },
    },
    { match: { lastUserText: 'truncate' }, reply: { text: 'cut short', stopReason: 'max_tokens' } },
    { match: { lastUserText: 'rate limit' }, error: { status: 429, retryAfter: 3 } },
    { match: { lastUserText: 'server error' }, error: { status: 500, message: 'scripted boom' } },
    { match: { lastUserText: 'overloaded' }, error: { status: 529 } },
    {
      match: { lastUserText: 'fail midway' },
      reply: { text: 'this answer will not finish', pace: { chunkChars: 4, intervalMs: 0 } },
      error: { status: 529, afterChunks: 2 },
    },
    { match: { lastUserText: 'cut' }, reply: { text: 'a stream that is cut off', cutAfterChunks: 2 } },
  ],
};

const toolConversation = (api: string): Exchange[] => [
  { role: 'user', text: 'use tools' },
  {
    role: 'assistant',
    text: 'Running.',
    toolCall: { id: `call_${api.replace(/-/g, '_')}`, name: 'shell', input: { command: 'ls' } },
  },
  { role: 'tool', callId: `call_${api.replace(/-/g, '_')}`, name: 'shell', output: 'a.txt\nb.txt' },
];

let provider: ScriptedProvider;
beforeAll(async () => {
  provider = await startScriptedProvider({ scenario });
});
afterAll(() => provider.close());
beforeEach(() => provider.clearRequests());

describe.each(SDK_CLIENTS)('$api through its official SDK', ({ api, create }) => {
  let client: SdkClient;
  beforeAll(() => {
    client = create(provider.url, `key-for-${api}`);
  });

  describe.each(['complete', 'stream'] as const)('%s', (mode) => {
    const ask = (conversation: Exchange[]) =>
      mode === 'complete' ? client.complete(conversation) : client.stream(conversation);

    it('answers with the scripted text and reports the scripted usage', async () => {
      const answer = await ask(textOnly('say hello'));
      expect(answer.text).toBe('Hello there, from the scripted provider!');
      expect(answer.stopReason).toBe('end_turn');
      const expected = client.reportsCacheWrite
        ? USAGE
        : { ...USAGE, input: USAGE.input + USAGE.cacheWrite, cacheWrite: 0 };
      expect(answer.usage).toEqual(expected);
    });

    it('streams reasoning before the text', async () => {
      const answer = await ask(textOnly('think first'));
      expect(answer.reasoning).toBe('Let me consider this carefully before I answer.');
      expect(answer.text).toBe('Forty-two.');
      // No usage scripted: about 4 characters per token.
      expect(answer.usage.reasoning).toBe(Math.ceil(answer.reasoning.length / 4));
      expect(answer.usage.output).toBeGreaterThan(answer.usage.reasoning);
      expect(answer.usage.input).toBeGreaterThan(0);
    });

    it('renders tool calls natively, with their ids and inputs', async () => {
      const answer = await ask(textOnly('use tools'));
      expect(answer.text).toBe('Running two tools.');
      expect(answer.stopReason).toBe('tool_use');
      expect(answer.toolCalls).toHaveLength(2);
      expect(answer.toolCalls[0]).toEqual({
        id: 'call_fixed_1',
        name: 'shell',
        input: { command: 'ls -la', cwd: '/work' },
      });
      expect(answer.toolCalls[1]).toMatchObject({
        name: 'write_file',
        input: { path: 'a.txt', content: 'line one\nline "two" ✓' },
      });
      if (api !== 'gemini') expect(answer.toolCalls[1]?.id).toMatch(/\w{8,}/);
    });

    it('matches a turn on a tool result in the native conversation', async () => {
      const answer = await ask(toolConversation(api));
      expect(answer.text).toBe('Both tools ran.');
      const [recorded] = provider.requests;
      expect(recorded?.turn).toEqual({ index: 3, name: null });
    });

    it('matches on the turn number', async () => {
      const second: Exchange[] = [
        { role: 'user', text: 'count 1' },
        { role: 'assistant', text: 'one' },
        { role: 'user', text: 'count 2' },
      ];
      expect((await ask(second)).text).toBe('second turn');
      expect((await ask(textOnly('count 1'))).text).toBe('another turn');
    });

    it('maps max_tokens to the API stop reason', async () => {
      expect((await ask(textOnly('truncate'))).stopReason).toBe('max_tokens');
    });

    it.each([
      [429, 'rate limit', 'RateLimitError'],
      [500, 'server error', 'InternalServerError'],
      [529, 'overloaded', 'OverloadedError'],
    ])('reports a scripted %i as the SDK error for it', async (status, prompt, className) => {
      const err: unknown = await ask(textOnly(prompt)).then(
        () => null,
        (e: unknown) => e,
      );
      const info = client.describeError(err);
      expect(info.status).toBe(status);
      if (api === 'anthropic' || (api.startsWith('openai') && status !== 529))
        expect(info.className).toBe(className);
      if (api === 'gemini') expect(info.className).toBe('ApiError');
      if (status === 500) expect(info.message).toContain('scripted boom');
      expect(provider.requests.at(-1)).toMatchObject({ status, outcome: 'error' });
    });

    it('records the request with the key the client sent', async () => {
      await ask(textOnly('say hello'));
      const [recorded] = provider.requests;
      expect(recorded).toMatchObject({
        api,
        apiKey: `key-for-${api}`,
        stream: mode === 'stream',
        status: 200,
        outcome: 'reply',
      });
      expect(recorded?.turn).toEqual({ index: 0, name: null });
    });
  });

  describe('streaming only', () => {
    it('sends the first chunk long before the last one', async () => {
      const arrivals: number[] = [];
      const start = performance.now();
      const answer = await client.stream(textOnly('paced'), (at) => arrivals.push(at));
      const end = performance.now();
      expect(answer.text).toBe('abcdefghijklmnopqrst');
      // 5 chunks, 100 ms apart: the first arrives at once, the last about 400 ms later.
      expect(arrivals).toHaveLength(5);
      expect((arrivals[0] ?? Infinity) - start).toBeLessThan(250);
      expect((arrivals[4] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(350);
      expect(end - start).toBeGreaterThanOrEqual(390);
    });

    it('turns an error after some chunks into the API in-stream error', async () => {
      const err: unknown = await client.stream(textOnly('fail midway')).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(provider.requests.at(-1)).toMatchObject({ status: 200, outcome: 'error' });
    });

    it('errors out, without hanging, on a cut stream', async () => {
      await expect(client.stream(textOnly('cut'))).rejects.toThrow();
      expect(provider.requests.at(-1)).toMatchObject({ outcome: 'cut' });
    });
  });

  it('errors out on a cut non-streamed answer', async () => {
    await expect(client.complete(textOnly('cut'))).rejects.toThrow();
  });
});
