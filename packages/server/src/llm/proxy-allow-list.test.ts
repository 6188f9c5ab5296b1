import { request } from 'node:http';
import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmCalls, REAL_KEY, startLlmProxyBed, type LlmProxyBed } from '../test/llm-proxy-bed.js';
import { createWorkspace } from '../test/workspaces.js';

const scenario: ScenarioInput = { model: 'scripted-1', turns: [], fallback: { reply: { text: 'ok' } } };
const GEMINI_BODY = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
const MESSAGES_BODY = { model: 'scripted-1', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };

/** Paths that a server normalising them would read as another one: every spelling of a dot-segment. */
const DOT_SEGMENTS = [
  '/llm/gemini/v1beta/models/%2e%2e/files',
  '/llm/gemini/v1beta/models/%2E%2E/cachedContents',
  '/llm/gemini/v1beta/models/.%2e/files',
  '/llm/gemini/v1beta/models/%2e./files',
  '/llm/gemini/v1beta/models/%252e%252e/files',
  '/llm/gemini/v1beta/models/scripted-1/../other-model:generateContent',
  '/llm/gemini/v1beta/models/scripted-1/..%2Fother-model:generateContent',
  '/llm/gemini/v1beta/models/scripted-1%2F..%2Fother-model:generateContent',
  '/llm/gemini/v1beta/models/scripted-1\\..\\other-model:generateContent',
  '/llm/gemini/v1beta/models/./scripted-1:generateContent',
  '/llm/gemini/v1beta//models/scripted-1:generateContent',
  '/llm/anthropic/v1/messages/../files',
  '/llm/anthropic/v1/%2e%2e/v1/organizations/api_keys',
  '/llm/anthropic/v1/messages%2f..%2f..%2fv1%2ffiles',
  '/llm/openai/v1/chat/completions/%2e%2e/%2e%2e/files',
  '/llm/openai/v1/./files',
  '/llm/openai/v1/chat/completions;/../../files',
];

/** Provider endpoints that are not inference: files, batches, caches, fine-tuning, admin. */
const NOT_INFERENCE: [string, string][] = [
  ['GET', '/llm/anthropic/v1/files'],
  ['POST', '/llm/anthropic/v1/messages/batches'],
  ['GET', '/llm/anthropic/v1/organizations/api_keys'],
  ['GET', '/llm/anthropic/v1/organizations/usage_report/messages'],
  ['GET', '/llm/openai/v1/files'],
  ['POST', '/llm/openai/v1/batches'],
  ['POST', '/llm/openai/v1/fine_tuning/jobs'],
  ['GET', '/llm/openai/v1/organization/usage/completions'],
  ['GET', '/llm/openai/v1/responses/resp_123'],
  ['POST', '/llm/openai/v1/embeddings'],
  ['GET', '/llm/gemini/v1beta/files'],
  ['POST', '/llm/gemini/v1beta/cachedContents'],
  ['GET', '/llm/gemini/v1beta/tunedModels'],
  ['POST', '/llm/gemini/v1beta/models/scripted-1:batchGenerateContent'],
  ['POST', '/llm/gemini/upload/v1beta/files'],
];

/** Allowed paths with a method they do not take. */
const WRONG_METHODS: [string, string][] = [
  ['DELETE', '/llm/anthropic/v1/messages'],
  ['GET', '/llm/anthropic/v1/messages'],
  ['PUT', '/llm/openai/v1/chat/completions'],
  ['POST', '/llm/openai/v1/models'],
  ['PATCH', '/llm/gemini/v1beta/models/scripted-1:generateContent'],
  ['DELETE', '/llm/gemini/v1beta/models/scripted-1'],
];

/**
 * The LLM proxy forwards only what it meters: the inference endpoints of
 * each provider kind, with the allow-listed headers, and the model it checks
 * and meters is the one the provider uses.
 */
describe('LLM proxy allow-list', () => {
  let bed: LlmProxyBed;
  let narrowToken: string;

  beforeAll(async () => {
    bed = await startLlmProxyBed(scenario, {
      plain: { driver: 'host', network: 'full' },
      narrow: { driver: 'host', network: 'full', models: ['scripted-1'] },
    });
    const narrow = await createWorkspace(bed.admin, { name: 'narrow', template: 'narrow' });
    const exec = await bed.admin.post(`/api/workspaces/${narrow.body.id}/exec`, {
      command: ['printenv', 'HANGAR_TOKEN'],
    });
    narrowToken = exec.body.stdout.trim();
  }, 60_000);
  afterAll(async () => {
    await bed?.stop();
  });

  const send = (
    method: string,
    path: string,
    options: { token?: string; headers?: Record<string, string>; body?: unknown } = {},
  ) =>
    raw(
      bed.server.url,
      method,
      path,
      {
        'content-type': 'application/json',
        'x-api-key': options.token ?? bed.token,
        ...options.headers,
      },
      options.body === undefined ? undefined : JSON.stringify(options.body),
    );

  /** The stable id of a refusal, wherever the provider kind's error shape carries it. */
  const idOf = (body: unknown) => {
    const error = (body as { error?: { hangar_error?: string; code?: string } }).error;
    return error?.hangar_error ?? error?.code;
  };

  it('refuses every spelling of a dot-segment, an empty segment or a backslash, before the provider', async () => {
    const before = bed.provider.requests.length;
    const answers: string[] = [];
    for (const path of DOT_SEGMENTS) {
      const answer = await send('POST', path, {
        token: narrowToken,
        body: path.includes('gemini') ? GEMINI_BODY : MESSAGES_BODY,
      });
      answers.push(`${path} ${answer.status} ${idOf(answer.body)}`);
    }
    expect(answers).toEqual(DOT_SEGMENTS.map((path) => `${path} 400 llm_path_refused`));
    expect(bed.provider.requests.length).toBe(before);
  });

  it('refuses endpoints that are not inference (files, batches, caches, admin), before the provider', async () => {
    const before = bed.provider.requests.length;
    const answers: string[] = [];
    for (const [method, path] of NOT_INFERENCE) {
      const answer = await send(method, path, method === 'POST' ? { body: MESSAGES_BODY } : {});
      answers.push(`${method} ${path} ${answer.status} ${idOf(answer.body)}`);
    }
    expect(answers).toEqual(NOT_INFERENCE.map(([m, p]) => `${m} ${p} 404 llm_endpoint_not_allowed`));
    expect(bed.provider.requests.length).toBe(before);
  });

  it('refuses methods an endpoint does not take with 405, before the provider', async () => {
    const before = bed.provider.requests.length;
    const answers: string[] = [];
    for (const [method, path] of WRONG_METHODS) {
      const answer = await send(
        method,
        path,
        method === 'GET' || method === 'DELETE' ? {} : { body: MESSAGES_BODY },
      );
      answers.push(`${method} ${path} ${answer.status} ${idOf(answer.body)}`);
    }
    expect(answers).toEqual(WRONG_METHODS.map(([m, p]) => `${m} ${p} 405 llm_method_not_allowed`));
    expect(bed.provider.requests.length).toBe(before);
  });

  it('passes on only allow-listed headers: no client credential, organisation, project or unknown header', async () => {
    const sneaky = {
      'openai-organization': 'org-other',
      'openai-project': 'proj-other',
      'x-goog-user-project': 'other-project',
      'anthropic-workspace': 'other-workspace',
      'x-made-up': 'anything',
      cookie: 'session=abc',
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'prompt-caching-2024-07-31',
      'openai-beta': 'responses=v1',
    };
    const calls: [string, unknown][] = [
      ['/llm/anthropic/v1/messages', MESSAGES_BODY],
      [
        '/llm/openai/v1/chat/completions',
        { model: 'scripted-1', messages: [{ role: 'user', content: 'hi' }] },
      ],
      ['/llm/gemini/v1beta/models/scripted-1:generateContent', GEMINI_BODY],
    ];
    for (const [path, body] of calls) {
      const answer = await send('POST', `${path}?key=${bed.token}&userProject=other`, {
        headers: { ...sneaky, authorization: `Bearer ${bed.token}`, 'x-goog-api-key': bed.token },
        body,
      });
      expect(answer.status, path).toBe(200);
      const seen = bed.provider.requests.at(-1)!;
      expect(seen.apiKey, path).toBe(REAL_KEY);
      expect(JSON.stringify(seen), path).not.toContain(bed.token);
      expect(seen.path, path).not.toContain('userProject');
      for (const name of [
        'openai-organization',
        'openai-project',
        'x-goog-user-project',
        'anthropic-workspace',
        'x-made-up',
        'cookie',
      ])
        expect(seen.headers[name], `${path} ${name}`).toBeUndefined();
      // Exactly one credential, the real key, in the kind's own header.
      const credentials = ['x-api-key', 'authorization', 'x-goog-api-key'].filter(
        (name) => seen.headers[name],
      );
      expect(credentials, path).toHaveLength(1);
    }
    const anthropicSeen = bed.provider.requests.at(-3)!;
    expect(anthropicSeen.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(bed.provider.requests.at(-2)!.headers['openai-beta']).toBe('responses=v1');
  });

  it('meters the model the provider uses: Gemini takes it from the checked path, never from the body', async () => {
    const answer = await send('POST', '/llm/gemini/v1beta/models/scripted-1:generateContent', {
      token: narrowToken,
      body: { ...GEMINI_BODY, model: 'models/other-model' },
    });
    expect(answer.status).toBe(200);
    const seen = bed.provider.requests.at(-1)!;
    expect(seen.model).toBe('scripted-1');
    expect(seen.body).not.toHaveProperty('model');
    expect((await llmCalls(bed.server)).at(-1)).toMatchObject({ model: 'scripted-1', api: 'gemini' });
    // A model outside the allow-list named in the path is refused, however the path is spelt.
    const other = await send('POST', '/llm/gemini/v1beta/models/other-model:generateContent', {
      token: narrowToken,
      body: GEMINI_BODY,
    });
    expect([other.status, idOf(other.body)]).toEqual([403, 'model_not_allowed']);
  });

  it('sends the body it checked: the model metered is the model the provider reads', async () => {
    // Two "model" keys: whichever one is read, the provider reads the same one.
    const text =
      '{"model":"scripted-1","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"model":"scripted-2"}';
    const answer = await raw(
      bed.server.url,
      'POST',
      '/llm/anthropic/v1/messages',
      { 'content-type': 'application/json', 'x-api-key': bed.token },
      text,
    );
    expect(answer.status).toBe(200);
    const row = (await llmCalls(bed.server)).at(-1)!;
    expect(bed.provider.requests.at(-1)!.model).toBe(row.model);
    // No model, or not JSON: refused with a reason, not forwarded.
    const before = bed.provider.requests.length;
    for (const body of ['{"max_tokens":5}', 'not json', '[1,2]']) {
      const refused = await raw(
        bed.server.url,
        'POST',
        '/llm/openai/v1/chat/completions',
        { 'content-type': 'application/json', authorization: `Bearer ${bed.token}` },
        body,
      );
      expect([refused.status, idOf(refused.body)], body).toEqual([400, 'llm_body_invalid']);
    }
    expect(bed.provider.requests.length).toBe(before);
  });

  it('still forwards model listings and token counting, which the agent CLIs call', async () => {
    for (const [method, path, body] of [
      ['GET', '/llm/anthropic/v1/models', undefined],
      ['GET', '/llm/openai/v1/models', undefined],
      ['GET', '/llm/gemini/v1beta/models', undefined],
      ['POST', '/llm/anthropic/v1/messages/count_tokens?beta=true', MESSAGES_BODY],
      ['POST', '/llm/gemini/v1beta/models/scripted-1:countTokens', GEMINI_BODY],
    ] as const) {
      const answer = await send(method, path, {
        headers: { 'anthropic-version': '2023-06-01' },
        ...(body && { body }),
      });
      expect(answer.status, `${method} ${path}`).toBe(200);
    }
  });
});

/** One request on its own connection, the path sent byte for byte as given (no client-side normalising). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = request(new URL(base), { method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: compared as text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
