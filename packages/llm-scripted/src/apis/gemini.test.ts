import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedProvider, type ScriptedProvider } from '../http/server.js';
import { parseSse, post } from '../test/raw.js';

let provider: ScriptedProvider;
let sdk: GoogleGenAI;
beforeAll(async () => {
  provider = await startScriptedProvider({
    scenario: {
      pace: { chunkChars: 5, intervalMs: 0 },
      turns: [
        {
          match: { lastUserText: 'tools' },
          reply: {
            text: 'calling',
            toolCalls: [{ name: 'shell', input: { command: 'ls' }, id: 'fc-1' }],
            usage: { input: 9, output: 4, cacheRead: 2 },
          },
        },
        { match: { lastUserText: 'limited' }, error: { status: 429 } },
        {
          match: { lastUserText: 'midway' },
          reply: { text: 'partial answer here' },
          error: { status: 503, afterChunks: 1 },
        },
      ],
      fallback: { reply: { text: 'hello world' } },
    },
  });
  sdk = new GoogleGenAI({ apiKey: 'g-key', httpOptions: { baseUrl: provider.url } });
});
afterAll(() => provider.close());

const contents = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] });

describe('Gemini wire format', () => {
  it('streams SSE chunks, usage complete only in the last one', async () => {
    const res = await post(
      `${provider.url}/v1beta/models/gemini-test:streamGenerateContent?alt=sse`,
      contents('tools'),
      { 'x-goog-api-key': 'k' },
    );
    expect(res.text).toContain('\r\n\r\n');
    const chunks = parseSse(res.text).map(
      (e) =>
        JSON.parse(e.data) as {
          candidates: { finishReason?: string }[];
          usageMetadata: Record<string, number>;
        },
    );
    expect(chunks.length).toBeGreaterThan(2);
    const last = chunks.at(-1);
    expect(last?.candidates[0]?.finishReason).toBe('STOP');
    expect(last?.usageMetadata).toMatchObject({
      promptTokenCount: 11,
      candidatesTokenCount: 4,
      totalTokenCount: 15,
      cachedContentTokenCount: 2,
    });
    expect(chunks[0]?.usageMetadata.candidatesTokenCount).toBeUndefined();
    expect(res.text).toContain('"functionCall":{"id":"fc-1","name":"shell","args":{"command":"ls"}}');
  });

  it('streams a JSON array without alt=sse', async () => {
    const res = await post(`${provider.url}/v1beta/models/gemini-test:streamGenerateContent`, contents('hi'));
    const array = JSON.parse(res.text) as { candidates: { content: { parts: { text: string }[] } }[] }[];
    expect(array.map((c) => c.candidates[0]?.content.parts[0]?.text).join('')).toBe('hello world');
  });

  it('takes the key from ?key= and records it', async () => {
    provider.clearRequests();
    const res = await post(
      `${provider.url}/v1beta/models/gemini-test:generateContent?key=query-key`,
      contents('hi'),
    );
    expect(res.status).toBe(200);
    expect(provider.requests[0]).toMatchObject({
      apiKey: 'query-key',
      apiKeySource: 'query',
      model: 'gemini-test',
    });
  });

  it('answers errors as {error: {code, message, status}}, in-stream too', async () => {
    const res = await post(`${provider.url}/v1beta/models/m:generateContent`, contents('limited'));
    expect(res.status).toBe(429);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    const stream = await post(
      `${provider.url}/v1beta/models/m:streamGenerateContent?alt=sse`,
      contents('midway'),
    );
    expect(JSON.parse(parseSse(stream.text).at(-1)?.data ?? '')).toMatchObject({
      error: { code: 503, status: 'UNAVAILABLE' },
    });
  });

  it('counts tokens with the SDK', async () => {
    const counted = await sdk.models.countTokens({ model: 'gemini-test', contents: 'something' });
    expect(counted.totalTokens).toBeGreaterThan(0);
  });
});
