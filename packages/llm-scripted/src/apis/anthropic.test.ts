import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedProvider, type ScriptedProvider } from '../http/server.js';
import { jsonEvents, parseSse, post } from '../test/raw.js';

let provider: ScriptedProvider;
let sdk: Anthropic;
beforeAll(async () => {
  provider = await startScriptedProvider({
    scenario: {
      pace: { chunkChars: 5, intervalMs: 0 },
      turns: [
        {
          match: { lastUserText: 'all' },
          reply: {
            reasoning: 'hmm, ok',
            text: 'Listing.',
            toolCalls: [{ name: 'shell', input: { command: 'ls' } }],
          },
        },
        { match: { lastUserText: 'limited' }, error: { status: 429, retryAfter: 7 } },
        {
          match: { lastUserText: 'midway' },
          reply: { text: 'partial answer here' },
          error: { status: 529, afterChunks: 1 },
        },
      ],
      fallback: { reply: { text: 'fallback' } },
    },
  });
  sdk = new Anthropic({ apiKey: 'sk-ant', baseURL: provider.url, maxRetries: 0 });
});
afterAll(() => provider.close());

const body = (text: string): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'claude-test',
  max_tokens: 100,
  messages: [{ role: 'user', content: text }],
});

describe('Anthropic Messages wire format', () => {
  it('streams the documented event sequence, tool input as input_json_delta', async () => {
    const res = await post(
      `${provider.url}/v1/messages`,
      { ...body('all'), stream: true },
      { 'x-api-key': 'k' },
    );
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = parseSse(res.text);
    for (const e of events) expect(JSON.parse(e.data)).toMatchObject({ type: e.event });
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const data = jsonEvents(events);
    const starts = data.filter((d) => d.type === 'content_block_start').map((d) => d.content_block);
    expect(starts).toMatchObject([
      { type: 'thinking' },
      { type: 'text' },
      { type: 'tool_use', name: 'shell', input: {} },
    ]);
    const deltas = data
      .filter((d) => d.type === 'content_block_delta')
      .map((d) => d.delta as { type: string });
    expect(new Set(deltas.map((d) => d.type))).toEqual(
      new Set(['thinking_delta', 'signature_delta', 'text_delta', 'input_json_delta']),
    );
    expect(data.at(-2)).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: expect.any(Number) },
    });
  });

  it('gives the stream helper a final message with a signed thinking block', async () => {
    const message = await sdk.messages.stream(body('all')).finalMessage();
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    const thinking = message.content[0];
    expect(thinking?.type === 'thinking' && thinking.signature.length > 0).toBe(true);
    expect(message.content[2]).toMatchObject({ type: 'tool_use', input: { command: 'ls' } });
  });

  it('answers errors as {type: "error", error: {type, message}} with retry-after', async () => {
    const res = await post(`${provider.url}/v1/messages`, body('limited'));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(JSON.parse(res.text)).toMatchObject({
      type: 'error',
      error: { type: 'rate_limit_error', message: expect.any(String) },
    });
    await expect(sdk.messages.create(body('limited'))).rejects.toBeInstanceOf(Anthropic.RateLimitError);
  });

  it('sends an overloaded_error event mid-stream, which the SDK throws', async () => {
    const res = await post(`${provider.url}/v1/messages`, { ...body('midway'), stream: true });
    const events = parseSse(res.text);
    expect(events.at(-1)?.event).toBe('error');
    expect(JSON.parse(events.at(-1)?.data ?? '')).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
    const err: unknown = await sdk.messages
      .stream(body('midway'))
      .finalMessage()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err).toMatchObject({ type: 'overloaded_error' });
  });

  it('counts tokens as the input of an unscripted answer to the same messages', async () => {
    const params = {
      model: 'claude-test',
      messages: [{ role: 'user' as const, content: 'something unscripted' }],
    };
    const counted = await sdk.messages.countTokens(params);
    const answered = await sdk.messages.create({ ...params, max_tokens: 10 });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(answered.usage.input_tokens).toBe(counted.input_tokens);
    expect(provider.requests.at(-2)).toMatchObject({
      endpoint: 'countTokens',
      outcome: 'count_tokens',
      turn: null,
    });
  });

  it('rejects a request without messages as invalid_request_error', async () => {
    const res = await post(`${provider.url}/v1/messages`, { model: 'x', max_tokens: 1 });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });
});
