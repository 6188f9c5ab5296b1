import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectResumeEveryTime, RESUME_TURNS, type ResumeBreak } from '../test/agent-resume.js';
import { bwrapMissing, startAgentTestbed, type AgentTestbed } from '../test/agent-testbed.js';
import { createAgentAdapters } from './registry.js';

const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model! This reply is streamed in small chunks.';

const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 8, intervalMs: 15 },
  turns: [
    { name: 'greeting', match: { lastUserText: '/say hello/i' }, reply: { text: GREETING } },
    ...RESUME_TURNS,
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

/** Each agent, and the grep -E pattern of its process inside the sandbox (for the kill -9 round). */
const AGENTS: { agent: string; processPattern: string }[] = [
  { agent: 'claude-code', processPattern: 'claude-code/bin/claude.exe' },
  { agent: 'codex', processPattern: 'app-server' },
  { agent: 'gemini', processPattern: 'gemini-cli' },
  { agent: 'pi', processPattern: '^pi ' },
];

/** Three breaks in a row, each kind once, and a stop again after the server restart. */
const ROUNDS: ResumeBreak[] = ['stop', 'kill', 'server-restart', 'stop'];

describe.skipIf(bwrapMissing)('every agent resumes its session any number of times', () => {
  let bed: AgentTestbed;

  beforeAll(async () => {
    bed = await startAgentTestbed({
      scenario,
      providers: ['anthropic', 'openai', 'gemini'],
      uidBase: 940_000,
      workspaceName: 'resume',
      restartable: true,
    });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  }, 60_000);

  it.each(AGENTS)(
    '$agent: stop, kill -9 and a server restart in a row, each time with the whole conversation',
    async ({ agent, processPattern }) => {
      expect(await createAgentAdapters().get(agent)?.unavailableReason()).toBeUndefined();
      await expectResumeEveryTime(bed, {
        agent,
        model: MODEL,
        greeting: GREETING,
        processPattern,
        rounds: ROUNDS,
      });
    },
    240_000,
  );
});
