import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoScenario, DEMO_MODEL } from './demo-scenario.js';
import { startScriptedProvider, type ScriptedProvider } from './http/server.js';
import { SDK_CLIENTS } from './test/clients.js';
import type { Exchange } from './test/exchange.js';

let provider: ScriptedProvider;
beforeAll(async () => {
  provider = await startScriptedProvider({ scenario: { ...demoScenario, pace: { intervalMs: 0 } } });
});
afterAll(() => provider.close());

describe.each(SDK_CLIENTS)('the demo scenario through $api', ({ create }) => {
  it('greets, lists the workspace, writes a file and sums up', async () => {
    const client = create(provider.url);
    const greeting = await client.stream([{ role: 'user', text: 'Hello!' }]);
    expect(greeting.text).toContain("Hangar's demo model");
    expect(greeting.toolCalls).toEqual([]);

    const conversation: Exchange[] = [
      { role: 'user', text: 'Hello!' },
      { role: 'assistant', text: greeting.text },
      { role: 'user', text: 'Look around and leave a note, please.' },
    ];
    const look = await client.stream(conversation);
    expect(look.toolCalls).toMatchObject([{ name: 'shell', input: { command: 'ls -la' } }]);
    const lookId = look.toolCalls[0]?.id || 'call-1';
    conversation.push(
      {
        role: 'assistant',
        text: look.text,
        toolCall: { id: lookId, name: 'shell', input: { command: 'ls -la' } },
      },
      { role: 'tool', callId: lookId, name: 'shell', output: 'total 0' },
    );

    const write = await client.stream(conversation);
    expect(write.toolCalls).toMatchObject([{ name: 'write_file', input: { path: 'HELLO_FROM_HANGAR.md' } }]);
    const writeId = write.toolCalls[0]?.id || 'call-2';
    conversation.push(
      {
        role: 'assistant',
        text: write.text,
        toolCall: { id: writeId, name: 'write_file', input: { path: 'HELLO_FROM_HANGAR.md' } },
      },
      { role: 'tool', callId: writeId, name: 'write_file', output: 'written' },
    );

    const summary = await client.stream(conversation);
    expect(summary.text).toContain('Done!');
    expect(summary.toolCalls).toEqual([]);
  });

  it('says what it can do once the script has run out', async () => {
    const conversation: Exchange[] = [{ role: 'user', text: 'do a lot' }];
    for (const id of ['c1', 'c2', 'c3']) {
      conversation.push(
        { role: 'assistant', toolCall: { id, name: 'shell', input: { command: 'true' } } },
        { role: 'tool', callId: id, name: 'shell', output: '' },
      );
    }
    const answer = await create(provider.url).complete(conversation, DEMO_MODEL);
    expect(answer.text).toContain('only know a short script');
  });
});

/** Every text the demo model can say. */
function replies(): string[] {
  const texts = (demoScenario.turns ?? []).map((turn) => (turn.reply as { text?: string }).text ?? '');
  return [...texts, (demoScenario.fallback?.reply as { text?: string } | undefined)?.text ?? ''].filter(
    Boolean,
  );
}

describe('the demo model', () => {
  it('tells the truth about using a real model: demo mode has no key form, so it says to leave demo mode', () => {
    const advice = replies().filter((text) => /real model/.test(text));
    expect(advice.length).toBeGreaterThan(0);
    for (const text of advice) {
      expect(text).not.toMatch(/admin settings/);
      expect(text).toMatch(/without demo mode/);
    }
  });
});
