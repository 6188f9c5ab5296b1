import Anthropic from '@anthropic-ai/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { post } from '../test/raw.js';
import type { RecordedRequest } from './recorded-request.js';
import { startScriptedProvider, type ScriptedProvider } from './server.js';

let provider: ScriptedProvider;
beforeEach(async () => {
  provider = await startScriptedProvider({
    scenario: {
      model: 'the-default',
      turns: [
        {
          match: { lastUserText: 'slow' },
          reply: { text: 'x'.repeat(200), pace: { chunkChars: 1, intervalMs: 50 } },
        },
        { match: { model: 'listed-model' }, reply: { text: 'listed' } },
        {
          match: { lastUserText: 'late' },
          reply: { text: 'abc', pace: { firstChunkMs: 300, intervalMs: 0 } },
        },
      ],
      fallback: { reply: { text: 'first scenario' } },
    },
  });
});
afterEach(() => provider.close());

const anthropicBody = (text: string): Anthropic.MessageCreateParamsNonStreaming => ({
  model: 'm',
  max_tokens: 10,
  messages: [{ role: 'user', content: text }],
});

describe('the scripted provider server', () => {
  it('records each request: headers (keys included), body, api, key, turn', async () => {
    await post(
      `${provider.url}/v1/chat/completions`,
      { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] },
      {
        authorization: 'Bearer sk-real-key',
        'x-custom': 'yes',
      },
    );
    expect(provider.requests).toHaveLength(1);
    const [r] = provider.requests;
    expect(r).toMatchObject({
      id: 1,
      method: 'POST',
      path: '/v1/chat/completions',
      api: 'openai-chat',
      endpoint: 'generate',
      apiKey: 'sk-real-key',
      apiKeySource: 'authorization',
      model: 'gpt',
      stream: false,
      turn: { index: null, name: null },
      status: 200,
      outcome: 'reply',
      body: { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(r?.headers).toMatchObject({ authorization: 'Bearer sk-real-key', 'x-custom': 'yes' });
  });

  it('serves the records at /_scripted/requests, and DELETE clears them', async () => {
    await post(`${provider.url}/v1/messages`, anthropicBody('hi'), { 'x-api-key': 'sk-ant-1' });
    const listed = (await (await fetch(`${provider.url}/_scripted/requests`)).json()) as {
      requests: RecordedRequest[];
    };
    expect(listed.requests.map((r) => [r.api, r.apiKey])).toEqual([['anthropic', 'sk-ant-1']]);
    expect((await fetch(`${provider.url}/_scripted/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(provider.requests).toEqual([]);
  });

  it('loads a scenario at runtime with PUT /_scripted/scenario, YAML or JSON', async () => {
    const put = (body: string) => fetch(`${provider.url}/_scripted/scenario`, { method: 'PUT', body });
    const ok = await put('turns:\n  - reply: { text: second scenario }\n');
    expect(ok.status).toBe(200);
    const res = await post(`${provider.url}/v1/messages`, anthropicBody('hi'));
    expect(JSON.parse(res.text)).toMatchObject({ content: [{ type: 'text', text: 'second scenario' }] });

    const bad = await put('{"turns": [{"reply": {"stopReason": "whatever"}}]}');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ issues: [expect.stringContaining('turns.0.reply.stopReason')] });
    expect(provider.scenario.turns[0]?.reply?.text).toBe('second scenario');
  });

  it('answers unknown paths with 404 and bodies that are not JSON with the API 400', async () => {
    expect((await post(`${provider.url}/v2/nothing`, {})).status).toBe(404);
    const bad = await post(`${provider.url}/v1/messages`, 'not json');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(provider.requests.map((r) => r.outcome)).toEqual(['not_found', 'invalid']);
  });

  it('lists models in each API format', async () => {
    const anthropic = await fetch(`${provider.url}/v1/models`, {
      headers: { 'anthropic-version': '2023-06-01' },
    });
    expect(await anthropic.json()).toMatchObject({
      data: [{ type: 'model', id: 'the-default' }, { id: 'listed-model' }],
    });
    const openai = await fetch(`${provider.url}/v1/models`);
    expect(await openai.json()).toMatchObject({
      object: 'list',
      data: [{ object: 'model', id: 'the-default' }, { id: 'listed-model' }],
    });
    const gemini = await fetch(`${provider.url}/v1beta/models`);
    expect(await gemini.json()).toMatchObject({
      models: [{ name: 'models/the-default' }, { name: 'models/listed-model' }],
    });
  });

  it('waits firstChunkMs before the first chunk (time to first token)', async () => {
    const sdk = new Anthropic({ apiKey: 'k', baseURL: provider.url, maxRetries: 0 });
    const started = performance.now();
    const stream = sdk.messages.stream(anthropicBody('late'));
    const firstText = new Promise<number>((resolve) => stream.once('text', () => resolve(performance.now())));
    await stream.finalMessage();
    expect((await firstText) - started).toBeGreaterThanOrEqual(290);
  });

  it('stops a stream whose client went away, and keeps serving', async () => {
    const controller = new AbortController();
    const res = await fetch(`${provider.url}/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ ...anthropicBody('slow'), stream: true }),
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    await expect.poll(() => provider.requests[0]?.outcome).toBe('client_closed');
    const sdk = new Anthropic({ apiKey: 'k', baseURL: provider.url, maxRetries: 0 });
    const message = await sdk.messages.create(anthropicBody('again'));
    expect(message.content).toMatchObject([{ text: 'first scenario' }]);
  });

  it('holds streams of a startTogether group until the whole group is waiting, then starts them all', async () => {
    provider.setScenario({
      model: 'm',
      turns: [
        {
          match: { lastUserText: '/^together/' },
          reply: { text: 'go', startTogether: { group: 'g', count: 3 } },
        },
      ],
    });
    const sdk = new Anthropic({ apiKey: 'k', baseURL: provider.url, maxRetries: 0 });
    let sentThird = false;
    const firstTextAfterThird: boolean[] = [];
    const stream = (text: string) => {
      const s = sdk.messages.stream(anthropicBody(text));
      s.once('text', () => firstTextAfterThird.push(sentThird));
      return s.finalText();
    };
    const early = [stream('together 1'), stream('together 2')];
    await expect.poll(() => provider.requests.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(firstTextAfterThird).toEqual([]); // two of three: still waiting
    sentThird = true;
    const texts = await Promise.all([...early, stream('together 3')]);
    expect(texts).toEqual(['go', 'go', 'go']);
    expect(firstTextAfterThird).toEqual([true, true, true]);
  });

  it('closes promptly with a stream in flight, which the client sees fail', async () => {
    const sdk = new Anthropic({ apiKey: 'k', baseURL: provider.url, maxRetries: 0 });
    const stream = sdk.messages.stream(anthropicBody('slow'));
    const failed = stream.finalMessage().then(
      () => 'finished',
      () => 'failed',
    );
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    const started = performance.now();
    await provider.close();
    // The reply streams for 10 s (200 chunks, 50 ms apart): closing must not wait for it.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(await failed).toBe('failed');
  });
});
