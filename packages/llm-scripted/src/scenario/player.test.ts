import { describe, expect, it } from 'vitest';
import type { Conversation } from '../apis/api.js';
import { parseScenario } from './load.js';
import { ScenarioPlayer } from './player.js';
import type { ScenarioInput } from './schema.js';

const conversation = (over: Partial<Conversation> = {}): Conversation => ({
  model: 'model-a',
  stream: false,
  lastUserText: 'hello',
  assistantTurns: 0,
  assistantTurnsSinceUserText: 0,
  endsWithToolResult: false,
  tools: [],
  promptChars: 10,
  streamUsage: true,
  echo: {},
  ...over,
});

const play = (input: ScenarioInput) => new ScenarioPlayer(parseScenario(input));
const text = (t: string) => ({ reply: { text: t } });

describe('ScenarioPlayer', () => {
  it('matches on the tools a request offers, to answer each agent with its own tools', () => {
    const player = play({
      turns: [
        { name: 'claude', match: { tool: 'Bash' }, ...text('claude code') },
        { name: 'codex', match: { tool: '/^exec_/' }, ...text('codex') },
      ],
    });
    expect(player.pick('anthropic', conversation({ tools: ['Read', 'Bash'] })).turnName).toBe('claude');
    expect(player.pick('openai-responses', conversation({ tools: ['exec_command'] })).turnName).toBe('codex');
    expect(player.pick('anthropic', conversation({ tools: ['bash'] })).turnName).toBeNull();
  });

  it('takes the first matching turn, in order', () => {
    const player = play({
      turns: [{ match: { lastUserText: 'nope' }, ...text('a') }, { ...text('b') }, { ...text('c') }],
    });
    expect(player.pick('anthropic', conversation())).toMatchObject({
      turnIndex: 1,
      outcome: { reply: { text: 'b' } },
    });
  });

  it('matches lastUserText exactly (trimmed) or as /regex/flags', () => {
    const player = play({
      turns: [
        { name: 'exact', match: { lastUserText: 'Hello there' }, ...text('exact') },
        { name: 'regex', match: { lastUserText: '/^list (\\w+)$/i' }, ...text('regex') },
      ],
    });
    expect(player.pick('gemini', conversation({ lastUserText: '  Hello there\n' })).turnName).toBe('exact');
    expect(player.pick('gemini', conversation({ lastUserText: 'Hello there!' })).turnName).toBeNull();
    expect(player.pick('gemini', conversation({ lastUserText: 'LIST files' })).turnName).toBe('regex');
    expect(player.pick('gemini', conversation({ lastUserText: null })).turnName).toBeNull();
  });

  it('matches turn, step and toolResult', () => {
    const player = play({
      turns: [
        { name: 'third turn', match: { turn: 3 }, ...text('') },
        { name: 'tool step 2', match: { step: 2, toolResult: true }, ...text('') },
        { name: 'no tool result', match: { toolResult: false }, ...text('') },
      ],
    });
    const pick = (c: Partial<Conversation>) => player.pick('openai-chat', conversation(c)).turnName;
    expect(pick({ assistantTurns: 2, assistantTurnsSinceUserText: 1, endsWithToolResult: true })).toBe(
      'third turn',
    );
    expect(pick({ assistantTurns: 4, assistantTurnsSinceUserText: 1, endsWithToolResult: true })).toBe(
      'tool step 2',
    );
    expect(pick({ assistantTurns: 4, assistantTurnsSinceUserText: 2, endsWithToolResult: true })).toBeNull();
    expect(pick({ assistantTurns: 0 })).toBe('no tool result');
  });

  it('matches api and model, all conditions together', () => {
    const player = play({
      turns: [
        {
          name: 'both',
          match: { api: 'openai-responses', model: '/^gpt-/', lastUserText: 'hello' },
          ...text(''),
        },
      ],
    });
    expect(player.pick('openai-responses', conversation({ model: 'gpt-5' })).turnName).toBe('both');
    expect(player.pick('openai-chat', conversation({ model: 'gpt-5' })).turnName).toBeNull();
    expect(player.pick('openai-responses', conversation({ model: 'o3' })).turnName).toBeNull();
    expect(
      player.pick('openai-responses', conversation({ model: 'gpt-5', lastUserText: 'bye' })).turnName,
    ).toBeNull();
  });

  it('uses a turn at most `times` times', () => {
    const player = play({ turns: [{ times: 2, error: { status: 429 } }, { ...text('ok') }] });
    const indexes = [1, 2, 3].map(() => player.pick('anthropic', conversation()).turnIndex);
    expect(indexes).toEqual([0, 0, 1]);
  });

  it('falls back to the scenario fallback, or to a reply that says nothing matched', () => {
    const scripted = play({ turns: [], fallback: { error: { status: 500 } } });
    expect(scripted.pick('anthropic', conversation())).toEqual({
      turnIndex: null,
      turnName: null,
      outcome: { error: { status: 500 } },
    });
    const fallback = play({}).pick('anthropic', conversation({ lastUserText: 'hi there' }));
    expect(fallback.outcome.reply?.text).toContain('No scripted turn matches turn 1 with "hi there"');
  });
});

describe('the demo scenario', () => {
  it('answers each agent with its own tools, and finds a greeting after an agent’s context', async () => {
    const { demoScenario } = await import('../demo-scenario.js');
    const player = play(demoScenario);
    const toolOf = (tools: string[]) => {
      const outcome = player.pick('anthropic', conversation({ lastUserText: 'look around', tools })).outcome;
      return 'reply' in outcome ? outcome.reply?.toolCalls?.[0]?.name : undefined;
    };
    expect(toolOf(['Bash', 'Write'])).toBe('Bash');
    expect(toolOf(['bash', 'write'])).toBe('bash');
    expect(toolOf(['exec_command'])).toBe('exec_command');
    expect(toolOf(['run_shell_command', 'write_file'])).toBe('run_shell_command');
    expect(toolOf([])).toBe('shell');
    const greeted = player.pick(
      'anthropic',
      conversation({ lastUserText: '<system-reminder>\nsome context\n</system-reminder>\nhello' }),
    );
    expect(greeted.turnName).toBe('greeting');
  });
});
