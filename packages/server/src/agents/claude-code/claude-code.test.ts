import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bwrapMissing,
  expectFailurePaths,
  expectModelSwitch,
  expectQueued,
  FAILURE_TURNS,
  startAgentTestbed,
  type AgentTestbed,
} from '../../test/agent-testbed.js';
import { expectReadAskedAndDenialTold, readOnlyTurn } from '../../test/agent-permissions.js';
import { ClaudeCodeAdapter } from './adapter.js';

const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model! This reply is streamed in small chunks.';

// docs/agents/claude-code.md's tested scenario (the Must-show part of it).
const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 8, intervalMs: 15 },
  turns: [
    {
      name: 'greeting',
      match: { lastUserText: '/say hello/i', step: 1 },
      reply: { text: GREETING, usage: { input: 1000, output: 20, cacheRead: 500 } },
    },
    {
      name: 'write-file',
      match: { lastUserText: '/write the file/i', step: 1 },
      reply: {
        text: 'I will write the file.',
        toolCalls: [
          { name: 'Write', input: { file_path: '/workspace/hello.txt', content: 'hello from claude\n' } },
        ],
      },
    },
    {
      name: 'after-tool',
      match: { lastUserText: '/write the file/i', step: 2, toolResult: true },
      reply: { text: 'Tool call answered.' },
    },
    {
      name: 'recall',
      match: { lastUserText: '/what did I ask/i' },
      reply: { text: 'You asked me to write a file.' },
    },
    ...FAILURE_TURNS,
    readOnlyTurn({ name: 'Bash', input: { command: 'ls', description: 'List the files' } }),
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

describe.skipIf(bwrapMissing)('Claude Code in a bubblewrap sandbox', () => {
  let bed: AgentTestbed;

  beforeAll(async () => {
    expect(await new ClaudeCodeAdapter().unavailableReason()).toBeUndefined();
    bed = await startAgentTestbed({
      scenario,
      providers: ['anthropic'],
      uidBase: 910_000,
      workspaceName: 'claude',
    });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  }, 60_000);

  it('streams, asks before writing (deny, then allow), recalls the first turn and records usage', async () => {
    const { admin, provider, workspaceId, get, settle, lastId, text, cat, permissionRequest } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'claude-code',
      model: MODEL,
      prompt: 'Say hello',
      permissionMode: 'ask',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // A streamed reply, in several deltas.
    const first = await settle(id, 0);
    expect(first.filter((e) => e.event.type === 'TEXT_MESSAGE_CONTENT').length).toBeGreaterThan(1);
    expect(text(first)).toBe(GREETING);
    expect(first.map((e) => e.event.type)).toEqual(expect.arrayContaining(['RUN_STARTED', 'RUN_FINISHED']));
    const usage = first.find((e) => e.event.name === 'hangar.usage')?.event.value;
    expect(usage).toMatchObject({ inputTokens: 1000, outputTokens: 20, cacheReadTokens: 500 });
    expect((await get(id)).session.status).toBe('idle');

    // The scripted Write asks; deny: not written, and the model is told why.
    let since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Please write the file' });
    const asked = await settle(id, since);
    const denied = permissionRequest(asked);
    expect(denied).toMatchObject({ toolName: 'Write', input: { file_path: '/workspace/hello.txt' } });
    expect(asked.map((e) => e.event.type)).toContain('TOOL_CALL_START');
    expect(denied?.toolCallId).toBeTruthy();
    expect((await get(id)).session.status).toBe('awaiting_approval');
    const answer = { requestId: denied!.requestId, decision: 'deny', reason: 'Not this time' };
    expect((await admin.post(`/api/sessions/${id}/permissions`, answer)).status).toBeLessThan(300);
    const afterDeny = await settle(id, since);
    expect(afterDeny.map((e) => e.event.type)).toContain('RUN_FINISHED');
    expect(afterDeny.find((e) => e.event.type === 'TOOL_CALL_RESULT')?.event.content).toContain(
      'Not this time',
    );
    expect((await cat()).exitCode).not.toBe(0);
    const told = provider.requests.filter((r) => r.turn?.name === 'after-tool').at(-1);
    expect(JSON.stringify(told?.body)).toContain('Not this time');

    // Allow: written inside the sandbox, seen in the workspace.
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Now write the file' });
    const allowed = permissionRequest(await settle(id, since));
    expect(allowed).toBeDefined();
    await admin.post(`/api/sessions/${id}/permissions`, { requestId: allowed!.requestId, decision: 'allow' });
    const afterAllow = await settle(id, since);
    expect(afterAllow.map((e) => e.event.type)).toContain('RUN_FINISHED');
    expect((await cat()).stdout).toBe('hello from claude\n');

    // A second turn sees the first ones.
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'What did I ask you?' });
    expect(text(await settle(id, since))).toBe('You asked me to write a file.');
    const recall = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'recall').at(-1)?.body);
    expect(recall).toContain('Say hello');
    expect(recall).toContain(GREETING);
    expect(recall).toContain('Now write the file');

    // Metered by the proxy.
    const report = await admin.get('/api/usage?by=model');
    const row = report.body.rows.find((r: { key: string }) => r.key === MODEL);
    expect(row.calls).toBeGreaterThanOrEqual(6);
    expect(row.inputTokens).toBeGreaterThanOrEqual(1000);

    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBeLessThan(300);
    expect((await get(id)).session.status).toBe('stopped');
  }, 60_000);

  it('survives an interrupt, a provider 500 and a kill -9 of its process, and resumes its session', async () => {
    await expectFailurePaths(bed, {
      agent: 'claude-code',
      model: MODEL,
      greeting: GREETING,
      recall: 'You asked me to write a file.',
      processPattern: 'claude-code/bin/claude.exe',
    });
  }, 120_000);

  it('switches the model in the same conversation', async () => {
    await expectModelSwitch(bed, {
      agent: 'claude-code',
      from: 'claude-sonnet-4-5',
      to: 'claude-opus-4-5',
      greeting: GREETING,
    });
  }, 60_000);

  it('queues a message sent during a turn (Claude Code cannot steer) and runs it next', async () => {
    await expectQueued(bed, { agent: 'claude-code', model: MODEL, greeting: GREETING });
  }, 60_000);

  it('asks before a read-only tool in "ask" and "allow_edits" modes, and tells the agent why it was denied', async () => {
    for (const permissionMode of ['ask', 'allow_edits'] as const)
      await expectReadAskedAndDenialTold(bed, {
        agent: 'claude-code',
        model: MODEL,
        toolName: 'Bash',
        permissionMode,
      });
  }, 90_000);
});
