import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../test/server.js';
import { createWorkspace } from '../test/workspaces.js';

const REAL_KEY = 'sk-real-provider-key-0123456789abcdef';
const USAGE = { input: 100, output: 20, cacheRead: 30, cacheWrite: 10 };
const PRICE = { input: 2, output: 10, cacheRead: 0.5, cacheWrite: 3 }; // $ per million tokens
const COST = (USAGE.input * 2 + USAGE.output * 10 + USAGE.cacheRead * 0.5 + USAGE.cacheWrite * 3) / 1e6;

const scenario: ScenarioInput = {
  model: 'scripted-1',
  pace: { chunkChars: 4, intervalMs: 0 },
  turns: [
    {
      match: { lastUserText: 'slow' },
      reply: { text: 'one two three four five', pace: { chunkChars: 4, intervalMs: 2000 }, usage: USAGE },
    },
    {
      match: { lastUserText: 'rate' },
      error: { status: 429, type: 'rate_limit_error', message: 'slow down' },
    },
    {
      match: { lastUserText: 'boom' },
      error: { status: 500, type: 'api_error', message: 'upstream exploded' },
    },
    { match: { lastUserText: 'cut' }, reply: { text: 'this answer will be cut short', cutAfterChunks: 2 } },
    {
      match: { lastUserText: 'tool' },
      reply: { text: 'Running it.', toolCalls: [{ name: 'shell', input: { command: 'ls' } }], usage: USAGE },
    },
    {
      match: { api: 'gemini' },
      reply: { text: 'Hello from the script', usage: { ...USAGE, cacheWrite: 0 } },
    },
    { reply: { text: 'Hello from the script', reasoning: 'Let me think.', usage: USAGE } },
  ],
};

describe('LLM proxy to the scripted provider', () => {
  let provider: ScriptedProvider;
  let server: TestServer;
  let admin: TestClient;
  let token: string;
  let workspaceId: string;
  const logs: string[] = [];

  beforeAll(async () => {
    provider = await startScriptedProvider({ scenario });
    const providers = {
      anthropic: { kind: 'anthropic', baseUrl: provider.url },
      openai: { kind: 'openai', baseUrl: provider.url },
      gemini: { kind: 'gemini', baseUrl: provider.url },
      // A named OpenAI-compatible upstream that needs no key (as Ollama or vLLM).
      local: { kind: 'openai', baseUrl: provider.url, keyless: true, label: 'Local vLLM' },
    };
    server = await startTestServer({
      env: {
        HANGAR_PROVIDERS: JSON.stringify(providers),
        HANGAR_PRICING: JSON.stringify({ 'scripted-*': PRICE }),
        HANGAR_TEMPLATES: JSON.stringify({
          plain: { driver: 'host', network: 'full' },
          narrow: { driver: 'host', network: 'full', models: ['scripted-1'] },
        }),
        HANGAR_DEFAULT_TEMPLATE: 'plain',
        HANGAR_LOG_LEVEL: 'debug',
      },
      logStream: (line) => logs.push(line),
    });
    admin = await setupAdmin(server);
    for (const name of ['anthropic', 'openai', 'gemini']) {
      expect((await admin.request('PUT', `/api/admin/providers/${name}/key`, { key: REAL_KEY })).status).toBe(
        200,
      );
    }
    const ws = await createWorkspace(admin, { name: 'llm' });
    workspaceId = ws.body.id;
    token = (
      await admin.post(`/api/workspaces/${workspaceId}/exec`, { command: ['printenv', 'HANGAR_TOKEN'] })
    ).body.stdout.trim();
    expect(token).toMatch(/^hws_/);
  });
  afterAll(async () => {
    await server?.stop();
    await provider?.close();
  });

  const anthropic = (key = token) =>
    new Anthropic({ apiKey: key, baseURL: `${server.url}/llm/anthropic`, maxRetries: 0 });
  const openai = (key = token) =>
    new OpenAI({ apiKey: key, baseURL: `${server.url}/llm/openai/v1`, maxRetries: 0 });
  const gemini = () =>
    new GoogleGenAI({ apiKey: token, httpOptions: { baseUrl: `${server.url}/llm/gemini` } });
  const lastCall = async () =>
    server.store.db
      .selectFrom('llm_calls')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
  const expectMetered = async (api: string, usage = USAGE, cost = COST) => {
    const call = await lastCall();
    expect(call).toMatchObject({
      api,
      workspace_id: workspaceId,
      model: 'scripted-1',
      input_tokens: usage.input,
      output_tokens: usage.output,
      cache_read_tokens: usage.cacheRead,
      cache_write_tokens: usage.cacheWrite,
      status: 200,
      error: null,
    });
    expect(Number(call.cost_usd)).toBeCloseTo(cost, 12);
    // The provider saw the real key, never the workspace token.
    const seen = provider.requests.at(-1)!;
    expect(seen.apiKey).toBe(REAL_KEY);
    expect(JSON.stringify(seen.headers)).not.toContain(token);
  };

  it('Anthropic Messages, streamed and not', async () => {
    const message = await anthropic().messages.create({
      model: 'scripted-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(message.content.find((b) => b.type === 'text')).toMatchObject({ text: 'Hello from the script' });
    await expectMetered('anthropic-messages');
    const stream = anthropic().messages.stream({
      model: 'scripted-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(await stream.finalText()).toBe('Hello from the script');
    await expectMetered('anthropic-messages');
    const tool = await anthropic().messages.create({
      model: 'scripted-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'tool' }],
    });
    expect(tool.content.find((b) => b.type === 'tool_use')).toMatchObject({
      name: 'shell',
      input: { command: 'ls' },
    });
    const counted = await anthropic().messages.countTokens({
      model: 'scripted-1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('OpenAI Chat Completions, streamed and not', async () => {
    const done = await openai().chat.completions.create({
      model: 'scripted-1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(done.choices[0]?.message.content).toBe('Hello from the script');
    await expectMetered('openai-chat');
    const stream = await openai().chat.completions.create({
      model: 'scripted-1',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello from the script');
    await expectMetered('openai-chat'); // usage came back although the client did not ask for it
  });

  it('OpenAI Responses, streamed and not, with function calls', async () => {
    const done = await openai().responses.create({ model: 'scripted-1', input: 'hi' });
    expect(done.output_text).toBe('Hello from the script');
    await expectMetered('openai-responses');
    const stream = await openai().responses.create({ model: 'scripted-1', input: 'hi', stream: true });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    expect(text).toBe('Hello from the script');
    await expectMetered('openai-responses');
    const tool = await openai().responses.create({ model: 'scripted-1', input: 'tool' });
    expect(tool.output.find((o) => o.type === 'function_call')).toMatchObject({ name: 'shell' });
  });

  it('Gemini generateContent and streamGenerateContent', async () => {
    const geminiUsage = { ...USAGE, cacheWrite: 0 };
    const geminiCost = (100 * 2 + 20 * 10 + 30 * 0.5) / 1e6;
    const done = await gemini().models.generateContent({ model: 'scripted-1', contents: 'hi' });
    expect(done.text).toBe('Hello from the script');
    await expectMetered('gemini', geminiUsage, geminiCost);
    let text = '';
    for await (const chunk of await gemini().models.generateContentStream({
      model: 'scripted-1',
      contents: 'hi',
    }))
      text += chunk.text ?? '';
    expect(text).toBe('Hello from the script');
    await expectMetered('gemini', geminiUsage, geminiCost);
  });

  it('forwards to a named OpenAI-compatible upstream without a key', async () => {
    const local = new OpenAI({ apiKey: token, baseURL: `${server.url}/llm/local/v1`, maxRetries: 0 });
    const done = await local.chat.completions.create({
      model: 'scripted-1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(done.choices[0]?.message.content).toBe('Hello from the script');
    expect(provider.requests.at(-1)?.apiKey).toBeNull(); // the workspace token is not passed on either
    expect((await lastCall()).provider).toBe('local');
  });

  it('streams: the first chunk reaches the client before the provider has finished', async () => {
    // A proxy that buffered would show the client nothing until the provider had written its last
    // chunk (2 s apart here). The client leaves at its first text: the provider must see it leave
    // mid-stream, which it can only if that text was passed on as it came.
    const stream = anthropic().messages.stream({
      model: 'scripted-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'slow' }],
    });
    const first = new Promise<string>((resolve) => stream.on('text', resolve));
    const text = await first;
    const record = provider.requests.at(-1);
    expect(record?.outcome).toBe('not_found'); // still streaming: set to 'reply' only at its end
    stream.abort();
    await stream.finalMessage().catch(() => undefined);
    expect(text.length).toBeGreaterThan(0);
    await expect.poll(() => record?.outcome, { timeout: 30_000 }).toBe('client_closed');
  });

  it('passes provider errors and cut streams through, and records them', async () => {
    await expect(
      anthropic().messages.create({
        model: 'scripted-1',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'rate' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    expect(await lastCall()).toMatchObject({ status: 429 });
    await expect(
      openai().chat.completions.create({
        model: 'scripted-1',
        messages: [{ role: 'user', content: 'boom' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    expect(await lastCall()).toMatchObject({
      status: 500,
      error: expect.stringContaining('upstream exploded'),
    });
    const cut = anthropic().messages.stream({
      model: 'scripted-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'cut' }],
    });
    await expect(cut.finalMessage()).rejects.toThrow();
    // The proxy records the call once it has seen the cut, which may be a moment after the client did.
    await expect.poll(async () => (await lastCall()).error ?? '').toMatch(/stream cut|terminated|closed/i);
  });

  it('refuses a wrong token and a model outside the template’s allow-list', async () => {
    await expect(
      anthropic('hws_nope.1.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx').models.list(),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const forged = `${token.slice(0, -4)}AAAA`;
    await expect(
      openai(forged).chat.completions.create({
        model: 'scripted-1',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const narrow = await createWorkspace(admin, { name: 'narrow', template: 'narrow' });
    const narrowToken = (
      await admin.post(`/api/workspaces/${narrow.body.id}/exec`, { command: ['printenv', 'HANGAR_TOKEN'] })
    ).body.stdout.trim();
    const allowed = await anthropic(narrowToken).messages.create({
      model: 'scripted-1',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(allowed.content.length).toBeGreaterThan(0);
    const refused = anthropic(narrowToken).messages.create({
      model: 'claude-opus-4-1',
      max_tokens: 10,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(refused).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    await expect(refused).rejects.toThrow(/is not allowed for template/);
  });

  it('answers 429 once the workspace budget is spent, saying which budget', async () => {
    const res = await admin.request('PUT', `/api/budgets/workspace/${workspaceId}`, { monthlyUsd: 0.000001 });
    expect(res.status).toBe(200);
    const over = openai().chat.completions.create({
      model: 'scripted-1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(over).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    await expect(over).rejects.toThrow(/Workspace "llm" monthly LLM budget/);
    await admin.request('DELETE', `/api/budgets/workspace/${workspaceId}`);
    const back = await openai().chat.completions.create({
      model: 'scripted-1',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(back.choices[0]?.message.content).toBe('Hello from the script');
  });

  it('reports usage by workspace, model and day, also as CSV', async () => {
    const byModel = await admin.get('/api/usage?by=model');
    expect(byModel.body.rows.find((r: { key: string }) => r.key === 'scripted-1').calls).toBeGreaterThan(5);
    const byWorkspace = await admin.get('/api/usage?by=workspace');
    expect(byWorkspace.body.rows.map((r: { label: string }) => r.label)).toContain('llm');
    const csv = await admin.get('/api/usage?by=day&format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(String(csv.body).split('\r\n')[0]).toBe(
      'key,label,calls,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd,errors',
    );
  });

  it('revokes the token when the sandbox stops', async () => {
    await admin.post(`/api/workspaces/${workspaceId}/stop`);
    await expect(
      anthropic().messages.create({
        model: 'scripted-1',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await admin.post(`/api/workspaces/${workspaceId}/start`);
    const fresh = (
      await admin.post(`/api/workspaces/${workspaceId}/exec`, { command: ['printenv', 'HANGAR_TOKEN'] })
    ).body.stdout.trim();
    expect(fresh).not.toBe(token);
  });

  it('never shows the provider key in the sandbox, a log line or an API response', async () => {
    const env = await admin.post(`/api/workspaces/${workspaceId}/exec`, { command: ['env'] });
    expect(env.body.stdout).toContain('ANTHROPIC_BASE_URL=');
    expect(env.body.stdout).not.toContain(REAL_KEY);
    for (const path of [
      '/api/admin/providers',
      '/api/usage?by=model',
      '/api/workspaces',
      `/api/workspaces/${workspaceId}`,
      '/api/openapi.json',
    ]) {
      expect(JSON.stringify((await admin.get(path)).body), path).not.toContain(REAL_KEY);
    }
    expect(
      (await admin.get('/api/admin/providers')).body.providers.find(
        (p: { name: string }) => p.name === 'anthropic',
      ).keySource,
    ).toBe('admin');
    expect(logs.length).toBeGreaterThan(10);
    expect(logs.join('\n')).not.toContain(REAL_KEY);
    expect(logs.join('\n')).not.toContain(token);
  });
});
