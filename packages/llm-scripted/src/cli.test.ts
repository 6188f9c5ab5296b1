import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, UsageError } from './cli.js';
import type { ScriptedProvider } from './http/server.js';
import { post } from './test/raw.js';

let dir: string;
let provider: ScriptedProvider | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'llm-scripted-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => provider?.close());

describe('hangar-llm-scripted', () => {
  it('serves a scenario file and logs requests without their keys', async () => {
    const file = path.join(dir, 's.yaml');
    await writeFile(file, 'turns:\n  - name: only\n    reply: { text: from the file }\n');
    const lines: string[] = [];
    provider = await runCli(['--scenario', file, '--port', '0'], { log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post(
      `${provider.url}/v1beta/models/g:generateContent?key=secret-query-key`,
      { contents: [{ parts: [{ text: 'x' }] }] },
      {
        'x-goog-api-key': 'secret-header-key',
      },
    );
    expect(res.text).toContain('from the file');
    expect(lines[1]).toBe('POST /v1beta/models/g:generateContent api=gemini status=200 reply turn=only');
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('serves the demo scenario with --demo', async () => {
    provider = await runCli(['--demo', '--quiet'], { log: () => {} });
    const res = await post(`${provider.url}/v1/messages`, {
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: 'hello' }],
    });
    expect(res.text).toContain('demo model');
  });

  it.each([
    [[], 'exactly one of'],
    [['--demo', '--scenario', 'x.yaml'], 'exactly one of'],
    [['--demo', '--port', 'eighty'], '--port'],
    [['--demo', '--bogus'], 'bogus'],
  ])('refuses %j', async (argv, message) => {
    const err: unknown = await runCli(argv, { log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(String(err)).toContain(message);
  });
});
