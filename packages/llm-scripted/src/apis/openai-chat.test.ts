import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedProvider, type ScriptedProvider } from '../http/server.js';
import { jsonEvents, parseSse, post } from '../test/raw.js';

let provider: ScriptedProvider;
let url: string;
beforeAll(async () => {
  provider = await startScriptedProvider({
    scenario: {
      pace: { chunkChars: 6, intervalMs: 0 },
      turns: [
        {
          match: { lastUserText: 'tools' },
          reply: { text: 'ok', toolCalls: [{ name: 'shell', input: { command: 'echo hi' } }] },
        },
        { match: { lastUserText: 'limited' }, error: { status: 429 } },
        {
          match: { lastUserText: 'midway' },
          reply: { text: 'partial answer here' },
          error: { status: 500, afterChunks: 1 },
        },
      ],
      fallback: { reply: { text: 'plain answer', usage: { input: 10, output: 3 } } },
    },
  });
  url = `${provider.url}/v1/chat/completions`;
});
afterAll(() => provider.close());

const body = (text: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-test',
  messages: [{ role: 'user', content: text }],
  ...extra,
});

describe('OpenAI Chat Completions wire format', () => {
  it('streams chunks ending in data: [DONE], usage only when asked for', async () => {
    const without = parseSse((await post(url, body('hi', { stream: true }))).text);
    expect(without.at(-1)?.data).toBe('[DONE]');
    expect(jsonEvents(without).every((c) => !('usage' in c))).toBe(true);

    const withUsage = jsonEvents(
      parseSse((await post(url, body('hi', { stream: true, stream_options: { include_usage: true } }))).text),
    );
    expect(withUsage.at(-1)).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
    });
    expect(withUsage.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(withUsage.at(-2)).toMatchObject({ choices: [{ delta: {}, finish_reason: 'stop' }] });
  });

  it('streams a tool call as a head chunk with id and name, then argument pieces', async () => {
    const chunks = jsonEvents(parseSse((await post(url, body('tools', { stream: true }))).text));
    const calls = chunks.flatMap((c) => {
      const choices = c.choices as {
        delta: { tool_calls?: { id?: string; function: { name?: string; arguments: string } }[] };
      }[];
      return choices[0]?.delta.tool_calls ?? [];
    });
    expect(calls[0]).toMatchObject({
      index: 0,
      id: expect.stringMatching(/^call_/),
      type: 'function',
      function: { name: 'shell', arguments: '' },
    });
    expect(calls.map((c) => c.function.arguments).join('')).toBe('{"command":"echo hi"}');
    expect(calls.length).toBeGreaterThan(2);
  });

  it('answers a tool call non-streamed as message.tool_calls', async () => {
    const sdk = new OpenAI({ apiKey: 'k', baseURL: `${provider.url}/v1`, maxRetries: 0 });
    const completion = await sdk.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'tools' }],
    });
    expect(completion.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        role: 'assistant',
        content: 'ok',
        tool_calls: [{ type: 'function', function: { name: 'shell', arguments: '{"command":"echo hi"}' } }],
      },
    });
  });

  it('answers errors in OpenAI form, in-stream errors as a data: {error} chunk', async () => {
    const limited = await post(url, body('limited'));
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.text)).toEqual({
      error: { message: expect.any(String), type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    const midway = jsonEvents(parseSse((await post(url, body('midway', { stream: true }))).text));
    expect(midway.at(-1)).toMatchObject({ error: { type: 'server_error' } });
  });
});
