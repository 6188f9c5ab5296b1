import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bwrapMissing,
  expectModelSwitch,
  expectSteering,
  startAgentTestbed,
  STEER_TURN,
  type AgentTestbed,
  type Stored,
} from '../../test/agent-testbed.js';
import { expectReadAskedAndDenialTold, readOnlyTurn } from '../../test/agent-permissions.js';
import { codexAdapter } from './index.js';

const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model! This reply is streamed in small chunks.';

// docs/agents/codex.md's scenario (the Must-show part of it): files are written through exec_command.
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
        toolCalls: [{ name: 'exec_command', input: { cmd: "printf 'hello from codex\\n' > hello.txt" } }],
      },
    },
    {
      name: 'after-tool',
      match: { lastUserText: '/write the file/i', step: 2, toolResult: true },
      reply: { text: 'Tool call answered.' },
    },
    // Hangar tells Codex why a call was denied in a message after the tool's output.
    {
      name: 'after-deny',
      match: { lastUserText: '/denied this exec_command call/i' },
      reply: { text: 'Understood, I will not run it.' },
    },
    {
      name: 'recall',
      match: { lastUserText: '/what did I ask/i' },
      reply: { text: 'You asked me to write a file.', usage: { input: 3000, output: 12, cacheRead: 1000 } },
    },
    readOnlyTurn({ name: 'exec_command', input: { cmd: 'ls' } }),
    {
      name: 'slow',
      match: { lastUserText: '/slow/i' },
      reply: {
        text: 'This answer streams slowly so that it can be interrupted before it ends.',
        pace: { chunkChars: 4, intervalMs: 300 },
      },
    },
    {
      name: 'provider-500',
      match: { lastUserText: '/fail please/i' },
      error: { status: 500, message: 'scripted failure' },
    },
    STEER_TURN,
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

describe.skipIf(bwrapMissing)('Codex in a bubblewrap sandbox', () => {
  let bed: AgentTestbed;

  beforeAll(async () => {
    expect(await codexAdapter.unavailableReason()).toBeUndefined();
    bed = await startAgentTestbed({
      scenario,
      providers: ['openai'],
      uidBase: 930_000,
      workspaceName: 'codex',
    });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  }, 60_000);

  it('streams, asks before running a command (deny, then allow), recalls the first turn and records usage', async () => {
    const { admin, provider, workspaceId, get, settle, lastId, text, cat, permissionRequest } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'codex',
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

    // The scripted exec_command asks; deny: not run, and the model is told.
    let since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Please write the file' });
    const asked = await settle(id, since);
    const denied = permissionRequest(asked);
    expect(denied).toMatchObject({
      toolName: 'exec_command',
      input: { command: expect.stringContaining('hello.txt') },
    });
    expect(denied?.toolCallId).toBeTruthy();
    expect(asked.map((e) => e.event.type)).toContain('TOOL_CALL_START');
    expect((await get(id)).session.status).toBe('awaiting_approval');
    const answer = { requestId: denied!.requestId, decision: 'deny', reason: 'Not this time' };
    expect((await admin.post(`/api/sessions/${id}/permissions`, answer)).status).toBeLessThan(300);
    const afterDeny = await settle(id, since);
    expect(afterDeny.map((e) => e.event.type)).toContain('RUN_FINISHED');
    expect(afterDeny.find((e) => e.event.type === 'TOOL_CALL_RESULT')?.event.content).toContain(
      'Not this time',
    );
    expect(text(afterDeny)).toContain('Understood, I will not run it.');
    expect((await cat()).exitCode).not.toBe(0);
    // The model reads Codex's "rejected by user" as the tool's output, then the person's reason.
    const told = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'after-deny').at(-1)?.body);
    expect(told).toContain('rejected by user');
    expect(told).toContain('Not this time');

    // Allow: run inside the sandbox, the file is seen in the workspace.
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Now write the file' });
    const allowed = permissionRequest(await settle(id, since));
    expect(allowed).toBeDefined();
    await admin.post(`/api/sessions/${id}/permissions`, { requestId: allowed!.requestId, decision: 'allow' });
    const afterAllow = await settle(id, since);
    expect(afterAllow.map((e) => e.event.type)).toContain('RUN_FINISHED');
    expect((await cat()).stdout).toBe('hello from codex\n');

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
  }, 90_000);

  it('interrupts mid-stream, reports a provider 500 readably, resumes its thread after a restart, and counts each model call once', async () => {
    const { admin, provider, workspaceId, get, settle, lastId, text } = bed;
    const firstRequest = provider.requests.length;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'codex',
      model: MODEL,
      prompt: 'Say hello',
      permissionMode: 'ask',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(text(await settle(id, 0))).toBe(GREETING);

    // Interrupt once the first words arrived: the turn ends before the text does.
    let since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Answer slowly' });
    for (let i = 0; ; i++) {
      const { events } = await get(id);
      if ((events as Stored[]).some((e) => e.id > since && e.event.type === 'TEXT_MESSAGE_CONTENT')) break;
      if (i > 300) throw new Error('no text arrived');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await admin.post(`/api/sessions/${id}/interrupt`)).status).toBeLessThan(300);
    const interrupted = await settle(id, since);
    expect(interrupted.map((e) => e.event.type)).toContain('RUN_FINISHED');
    expect(text(interrupted).length).toBeLessThan(40);
    expect((await get(id)).session.status).toBe('idle');

    // A provider 500: RUN_ERROR with a readable message, status error.
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Fail please' });
    const failed = await settle(id, since);
    const error = failed.find((e) => e.event.type === 'RUN_ERROR')?.event as { message?: string } | undefined;
    expect(error?.message).toMatch(/provider/i);
    expect((await get(id)).session.status).toBe('error');

    // The session continues.
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Say hello' });
    expect(text(await settle(id, since))).toBe(GREETING);

    // Stopped and restarted: a new process resumes the same Codex thread (thread/resume), with its history.
    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBeLessThan(300);
    expect((await admin.post(`/api/sessions/${id}/restart`)).status).toBeLessThan(300);
    expect((await get(id)).session.status).toBe('idle');
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'What did I ask you?' });
    expect(text(await settle(id, since))).toBe('You asked me to write a file.');
    const recall = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'recall').at(-1)?.body);
    expect(recall).toContain('Answer slowly');
    expect(recall).toContain('Fail please');
    await admin.post(`/api/sessions/${id}/stop`);

    // Usage: one increment per model call that completed (Codex repeats its count at the interrupt
    // and when the thread is resumed), adding up to what the provider reported.
    const calls = provider.requests.slice(firstRequest).filter((r) => r.outcome === 'reply');
    expect(calls.map((r) => r.turn?.name)).toEqual(['greeting', 'greeting', 'recall']);
    // What Codex reported (the LLM proxy's own records of the calls carry a callId).
    const usage = (await bed.events(id))
      .filter(
        (e) =>
          e.event.name === 'hangar.agent_usage' ||
          (e.event.name === 'hangar.usage' && !e.event.value?.callId),
      )
      .map((e) => e.event.value as Record<string, number>);
    expect(usage).toHaveLength(calls.length);
    const sum = (key: string) => usage.reduce((total, value) => total + (value[key] ?? 0), 0);
    expect({
      input: sum('inputTokens'),
      output: sum('outputTokens'),
      cacheRead: sum('cacheReadTokens'),
    }).toEqual({ input: 1000 + 1000 + 3000, output: 20 + 20 + 12, cacheRead: 500 + 500 + 1000 });
  }, 90_000);

  it('asks before a read-only command (ls) in "ask" mode, and tells Codex why it was denied', async () => {
    await expectReadAskedAndDenialTold(bed, { agent: 'codex', model: MODEL, toolName: 'exec_command' });
  }, 60_000);

  it('switches the model on the next turn/start, in the same thread', async () => {
    await expectModelSwitch(bed, { agent: 'codex', from: 'gpt-5-codex', to: 'gpt-5', greeting: GREETING });
  }, 60_000);

  it('steers the running turn with turn/steer', async () => {
    await expectSteering(bed, { agent: 'codex', model: MODEL });
  }, 60_000);
});
