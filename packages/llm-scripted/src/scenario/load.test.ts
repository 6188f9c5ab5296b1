import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoScenario } from '../demo-scenario.js';
import { loadScenario, parseScenario, parseScenarioText, ScenarioError } from './load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'llm-scripted-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const YAML = `
# A scenario in YAML: comments, regexes and block text.
model: yaml-model
pace: { chunkChars: 4, intervalMs: 5 }
turns:
  - name: greet
    match: { lastUserText: "/^hello/i", turn: 1 }
    reply:
      text: |
        Hi!
        Two lines.
      usage: { input: 3, output: 2 }
  - match: { toolResult: true, api: gemini }
    reply:
      toolCalls:
        - name: write_file
          input: { path: a.txt, content: x }
  - match: { lastUserText: boom }
    error: { status: 529, type: overloaded_error }
fallback:
  error: { status: 500 }
`;

describe('loadScenario', () => {
  it('reads YAML and applies defaults', async () => {
    const file = path.join(dir, 'scenario.yaml');
    await writeFile(file, YAML);
    const scenario = await loadScenario(file);
    expect(scenario.model).toBe('yaml-model');
    expect(scenario.turns).toHaveLength(3);
    expect(scenario.turns[0]).toMatchObject({
      name: 'greet',
      reply: { text: 'Hi!\nTwo lines.\n', toolCalls: [], pace: {} },
    });
    expect(scenario.turns[1]?.reply?.toolCalls[0]).toEqual({
      name: 'write_file',
      input: { path: 'a.txt', content: 'x' },
    });
    expect(scenario.fallback).toEqual({ error: { status: 500 } });
  });

  it('reads JSON', async () => {
    const file = path.join(dir, 'scenario.json');
    await writeFile(file, JSON.stringify({ turns: [{ reply: { text: 'x' } }] }));
    const scenario = await loadScenario(file);
    expect(scenario).toMatchObject({
      model: 'hangar-scripted',
      pace: {},
      turns: [{ match: {}, reply: { text: 'x' } }],
    });
  });

  it('says where a JSON file is broken', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '{"turns": [');
    await expect(loadScenario(file)).rejects.toThrow(/broken\.json is not valid JSON/);
  });
});

describe('scenario validation', () => {
  const issuesOf = (value: unknown) => {
    try {
      parseScenario(value);
    } catch (err) {
      if (err instanceof ScenarioError) return err.issues;
      throw err;
    }
    return [];
  };

  it.each([
    [
      'an invalid regex',
      { turns: [{ match: { lastUserText: '/(/' }, reply: {} }] },
      'turns.0.match.lastUserText: invalid regular expression',
    ],
    [
      'a turn with neither reply nor error',
      { turns: [{ match: {} }] },
      'turns.0: needs a reply, an error, or both',
    ],
    [
      'a reply and an error without afterChunks',
      { turns: [{ reply: {}, error: { status: 500 } }] },
      'turns.0: a reply with an error needs error.afterChunks',
    ],
    ['an unknown key', { turns: [{ reply: { txt: 'typo' } }] }, 'turns.0.reply: Unrecognized key: "txt"'],
    [
      'reasoning tokens above output',
      { turns: [{ reply: { usage: { output: 1, reasoning: 2 } } }] },
      'turns.0.reply.usage: reasoning is part of output',
    ],
    ['a status that is no error', { turns: [{ error: { status: 200 } }] }, 'turns.0.error.status'],
  ])('rejects %s', (_, value, issue) => {
    expect(issuesOf(value).join('\n')).toContain(issue);
  });

  it('parses JSON text as well as YAML text', () => {
    expect(parseScenarioText('{"model": "m"}').model).toBe('m');
    expect(() => parseScenarioText('turns: [')).toThrow(ScenarioError);
  });

  it('accepts the built-in demo scenario', () => {
    expect(parseScenario(demoScenario).turns.length).toBeGreaterThan(2);
  });
});
