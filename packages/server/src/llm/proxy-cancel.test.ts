import type { ScenarioInput } from '@hangar/llm-scripted';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmCalls, startLlmProxyBed, type LlmProxyBed } from '../test/llm-proxy-bed.js';

const USAGE = { input: 500, output: 1000, cacheRead: 0, cacheWrite: 0 };
// A stream of 400 chunks, 50 ms apart (20 s): far longer than a test waits for the cancellation to show.
const scenario: ScenarioInput = {
  model: 'scripted-1',
  turns: [
    {
      match: { lastUserText: 'long' },
      reply: { text: 'word '.repeat(640), pace: { chunkChars: 8, intervalMs: 50 }, usage: USAGE },
    },
  ],
  fallback: { reply: { text: 'short' } },
};

interface Case {
  name: string;
  path: string;
  api: string;
  body: unknown;
  /** What the row must hold: the tokens the provider reported before the cut, or an estimate of them. */
  tokens: (row: { input_tokens: number; output_tokens: number }) => void;
}

const CASES: Case[] = [
  {
    name: 'Anthropic Messages',
    path: 'anthropic/v1/messages',
    api: 'anthropic-messages',
    body: {
      model: 'scripted-1',
      max_tokens: 4000,
      stream: true,
      messages: [{ role: 'user', content: 'long' }],
    },
    // message_start carries the input tokens.
    tokens: (row) => expect(row.input_tokens).toBe(USAGE.input),
  },
  {
    name: 'OpenAI Chat Completions',
    path: 'openai/v1/chat/completions',
    api: 'openai-chat',
    body: { model: 'scripted-1', stream: true, messages: [{ role: 'user', content: 'long' }] },
    // Usage comes only at the end: the text streamed so far is counted.
    tokens: (row) => expect(row.output_tokens).toBeGreaterThan(0),
  },
  {
    name: 'OpenAI Responses',
    path: 'openai/v1/responses',
    api: 'openai-responses',
    body: { model: 'scripted-1', stream: true, input: 'long' },
    tokens: (row) => expect(row.output_tokens).toBeGreaterThan(0),
  },
  {
    name: 'Gemini streamGenerateContent',
    path: 'gemini/v1beta/models/scripted-1:streamGenerateContent?alt=sse',
    api: 'gemini',
    body: { contents: [{ role: 'user', parts: [{ text: 'long' }] }] },
    // Every chunk carries the prompt's token count.
    tokens: (row) => expect(row.input_tokens).toBe(USAGE.input),
  },
];

/**
 * A client that reads the first chunks of a long stream and goes away: the
 * proxy cancels the provider's stream (the provider sees its client close
 * before the end) and meters the call with what was streamed until then.
 */
describe('LLM proxy: a client that goes away cancels the provider’s stream', () => {
  let bed: LlmProxyBed;

  beforeAll(async () => {
    bed = await startLlmProxyBed(scenario);
  }, 60_000);
  afterAll(async () => {
    await bed?.stop();
  });

  for (const c of CASES) {
    it(`${c.name}: upstream aborted, the call metered with the tokens seen so far`, async () => {
      bed.provider.clearRequests();
      const before = (await llmCalls(bed.server)).length;
      const url = new URL(`/llm/${c.path}`, bed.server.url);
      // Past the first content chunks, so the text streamed so far is not empty; then hang up.
      expect(await readThenHangUp(url, bed.token, c.body, (seen) => seen.split('word').length > 8)).toBe(200);

      // The provider saw its client leave while it was still streaming.
      await expect
        .poll(() => bed.provider.requests.at(-1)?.outcome, { timeout: 5_000 })
        .toBe('client_closed');
      await expect.poll(async () => (await llmCalls(bed.server)).length, { timeout: 5_000 }).toBe(before + 1);
      const row = (await llmCalls(bed.server)).at(-1)!;
      expect(row).toMatchObject({ api: c.api, model: 'scripted-1', workspace_id: bed.workspaceId });
      expect(row.error).toMatch(/client disconnected/);
      c.tokens(row);
      expect(Number(row.cost_usd)).toBeGreaterThan(0);
    });
  }
});

/**
 * POSTs `body` and reads the answer until `enough` says so, then destroys the
 * connection, as a killed agent does. Its own connection (no pool): a pooled
 * client may open a spare connection that would keep the server from closing.
 */
function readThenHangUp(url: URL, token: string, body: unknown, enough: (seen: string) => boolean) {
  return new Promise<number>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let seen = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        seen += chunk;
        if (!enough(seen)) return;
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
      res.on('end', () => reject(new Error(`the answer ended before it was enough: ${seen.slice(0, 200)}`)));
    });
    req.end(JSON.stringify(body));
  });
}
