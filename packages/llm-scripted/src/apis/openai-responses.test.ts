import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedProvider, type ScriptedProvider } from '../http/server.js';
import { jsonEvents, parseSse, post } from '../test/raw.js';

let provider: ScriptedProvider;
let sdk: OpenAI;
beforeAll(async () => {
  provider = await startScriptedProvider({
    scenario: {
      pace: { chunkChars: 6, intervalMs: 0 },
      turns: [
        {
          match: { lastUserText: 'all' },
          reply: {
            reasoning: 'think think',
            text: 'Here goes.',
            toolCalls: [{ name: 'shell', input: { command: 'ls' } }],
          },
        },
        { match: { lastUserText: 'long' }, reply: { text: 'too long', stopReason: 'max_tokens' } },
        {
          match: { lastUserText: 'midway' },
          reply: { text: 'partial answer here' },
          error: { status: 429, afterChunks: 1 },
        },
      ],
      fallback: { reply: { text: 'fallback' } },
    },
  });
  sdk = new OpenAI({ apiKey: 'k', baseURL: `${provider.url}/v1`, maxRetries: 0 });
});
afterAll(() => provider.close());

const url = () => `${provider.url}/v1/responses`;

describe('OpenAI Responses wire format', () => {
  it('streams numbered events: reasoning summary, output text, function call arguments, completed', async () => {
    const res = await post(url(), {
      model: 'gpt-test',
      input: 'all',
      stream: true,
      instructions: 'be brief',
    });
    const events = parseSse(res.text);
    const data = jsonEvents(events);
    expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i));
    for (const [i, e] of events.entries()) expect(data[i]?.type).toBe(e.event);
    const types = data.map((d) => d.type);
    expect(types.slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
    for (const type of [
      'response.reasoning_summary_text.delta',
      'response.output_text.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
    ]) {
      expect(types).toContain(type);
    }
    expect(types.filter((t) => t === 'response.output_item.added')).toHaveLength(3);
    expect(types.filter((t) => t === 'response.output_item.done')).toHaveLength(3);
    expect(data.at(-1)).toMatchObject({
      type: 'response.completed',
      response: {
        status: 'completed',
        instructions: 'be brief',
        usage: { input_tokens: expect.any(Number) },
      },
    });
  });

  it('answers non-streamed with reasoning, message and function_call output items', async () => {
    const response = await sdk.responses.create({
      model: 'gpt-test',
      input: [{ role: 'user', content: 'all' }],
    });
    expect(response.output.map((o) => o.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(response.output[2]).toMatchObject({
      type: 'function_call',
      name: 'shell',
      arguments: '{"command":"ls"}',
      call_id: expect.stringMatching(/^call_/),
    });
    expect(response.output_text).toBe('Here goes.');
  });

  it('ends a max_tokens answer with response.incomplete', async () => {
    const events = jsonEvents(
      parseSse((await post(url(), { model: 'm', input: 'long', stream: true })).text),
    );
    expect(events.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
  });

  it('reports an in-stream error as response.failed', async () => {
    const events = jsonEvents(
      parseSse((await post(url(), { model: 'm', input: 'midway', stream: true })).text),
    );
    expect(events.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { status: 'failed', error: { code: 'rate_limit_exceeded' } },
    });
    const final = await sdk.responses.stream({ model: 'm', input: 'midway' }).finalResponse();
    expect(final.status).toBe('failed');
  });

  it('counts the items of a tool loop as assistant turns', async () => {
    provider.clearRequests();
    await sdk.responses.create({
      model: 'm',
      input: [
        { role: 'user', content: 'hi' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'ok' },
      ],
    });
    const [recorded] = provider.requests;
    expect(recorded?.turn).toEqual({ index: null, name: null });
    provider.setScenario({
      turns: [
        { match: { turn: 2, step: 2, toolResult: true, lastUserText: 'hi' }, reply: { text: 'matched' } },
      ],
    });
    const again = await sdk.responses.create({
      model: 'm',
      input: [
        { role: 'user', content: 'hi' },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'ok' },
      ],
    });
    expect(again.output_text).toBe('matched');
  });
});
