import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bwrapMissing,
  expectFailurePaths,
  expectModelSwitch,
  FAILURE_TURNS,
  startAgentTestbed,
  type AgentTestbed,
  type Stored,
} from '../../test/agent-testbed.js';
import { geminiAdapter } from './index.js';

const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model! This reply is streamed in small chunks.';

// docs/agents/gemini-cli.md's scenario (the Must-show part of it).
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
          { name: 'write_file', input: { file_path: 'hello.txt', content: 'hello from gemini\n' } },
        ],
      },
    },
    {
      name: 'after-tool',
      match: { lastUserText: '/write the file/i', step: 2, toolResult: true },
      reply: { text: 'Tool call answered.' },
    },
    {
      name: 'list-files',
      match: { lastUserText: '/list the files/i', step: 1 },
      reply: { text: 'Looking.', toolCalls: [{ name: 'list_directory', input: { dir_path: '.' } }] },
    },
    {
      name: 'after-list',
      match: { lastUserText: '/list the files/i', step: 2, toolResult: true },
      reply: { text: 'Listed.' },
    },
    {
      name: 'recall',
      match: { lastUserText: '/what did I ask/i' },
      reply: { text: 'You asked me to write a file.' },
    },
    ...FAILURE_TURNS,
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

describe.skipIf(bwrapMissing)('Gemini CLI in a bubblewrap sandbox', () => {
  let bed: AgentTestbed;

  beforeAll(async () => {
    expect(await geminiAdapter.unavailableReason()).toBeUndefined();
    bed = await startAgentTestbed({
      scenario,
      providers: ['gemini'],
      uidBase: 920_000,
      workspaceName: 'gemini',
    });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  }, 60_000);

  it('streams, asks before writing (deny, then allow), recalls the first turn and records usage', async () => {
    const { admin, provider, workspaceId, get, settle, lastId, text, cat, permissionRequest } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'gemini',
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
    // The session's usage is the proxy's record of the call: Gemini's prompt count includes
    // the cached tokens (1500), which the proxy splits into new input and cache reads.
    const usage = first.find((e) => e.event.name === 'hangar.usage')?.event.value;
    expect(usage).toMatchObject({ inputTokens: 1000, outputTokens: 20, cacheReadTokens: 500 });
    expect((await get(id)).session.status).toBe('idle');

    // The scripted write_file asks; deny: not written, and the model is told it was refused.
    let since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Please write the file' });
    const asked = await settle(id, since);
    const denied = permissionRequest(asked);
    expect(denied).toMatchObject({
      toolName: 'write_file',
      input: { file_path: '/workspace/hello.txt', content: 'hello from gemini\n' },
      summary: 'Writing to hello.txt',
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
    expect(text(afterDeny)).toContain('Tool call answered.');
    expect((await cat()).exitCode).not.toBe(0);
    const told = provider.requests.filter((r) => r.turn?.name === 'after-tool').at(-1);
    expect(JSON.stringify(told?.body)).toContain('canceled by the user');
    // ACP's answer carries no reason: the card says when Gemini hears it (with the next message).
    expect(afterDeny.find((e) => e.event.type === 'TOOL_CALL_RESULT')?.event.content).toMatch(/next message/);

    // Allow: written inside the sandbox, seen in the workspace.
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'Now write the file' });
    const allowed = permissionRequest(await settle(id, since));
    expect(allowed).toBeDefined();
    // The model's next request carries the reason of the denial before.
    const next = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'write-file').at(-1)?.body);
    expect(next).toContain('Not this time');
    expect(next).toContain('Now write the file');
    await admin.post(`/api/sessions/${id}/permissions`, { requestId: allowed!.requestId, decision: 'allow' });
    const afterAllow = await settle(id, since);
    expect(afterAllow.map((e) => e.event.type)).toEqual(
      expect.arrayContaining(['TOOL_CALL_RESULT', 'RUN_FINISHED']),
    );
    expect(afterAllow.find((e) => e.event.name === 'hangar.file_change')?.event.value).toMatchObject({
      path: '/workspace/hello.txt',
      change: 'created',
    });
    expect((await cat()).stdout).toBe('hello from gemini\n');

    // A second turn sees the first ones.
    since = await lastId(id);
    await admin.post(`/api/sessions/${id}/messages`, { text: 'What did I ask you?' });
    expect(text(await settle(id, since))).toBe('You asked me to write a file.');
    const recall = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'recall').at(-1)?.body);
    expect(recall).toContain('Say hello');
    expect(recall).toContain('Hello from the');
    expect(recall).toContain('Now write the file');

    // Metered by the proxy.
    const report = await admin.get('/api/usage?by=model');
    const row = report.body.rows.find((r: { key: string }) => r.key === MODEL);
    expect(row.calls).toBeGreaterThanOrEqual(6);
    expect(row.inputTokens).toBeGreaterThanOrEqual(1000);

    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBeLessThan(300);
    expect((await get(id)).session.status).toBe('stopped');

    // Restarted within the same minute: the CLI loads its own session (its canonical file) and remembers.
    const stopped = await lastId(id);
    expect((await admin.post(`/api/sessions/${id}/restart`)).status).toBeLessThan(300);
    since = await lastId(id);
    // The history session/load replays is not stored again.
    expect(text(((await get(id)).events as Stored[]).filter((e) => e.id > stopped))).toBe('');
    await admin.post(`/api/sessions/${id}/messages`, { text: 'What did I ask you, again?' });
    expect(text(await settle(id, since))).toBe('You asked me to write a file.');
    const resumed = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'recall').at(-1)?.body);
    expect(resumed).toContain('Now write the file');
    expect(resumed).toContain('again?');
    await admin.post(`/api/sessions/${id}/stop`);
  }, 90_000);

  it('asks before every tool in "ask" mode, a read-only listing too', async () => {
    const { admin, workspaceId, settle, lastId, text, permissionRequest } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'gemini',
      model: MODEL,
      prompt: 'List the files',
      permissionMode: 'ask',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const asked = permissionRequest(await settle(id, 0));
    expect(asked).toMatchObject({ toolName: 'list_directory' });
    const since = await lastId(id);
    await admin.post(`/api/sessions/${id}/permissions`, { requestId: asked!.requestId, decision: 'allow' });
    const answered = await settle(id, since);
    expect(answered.find((e) => e.event.type === 'TOOL_CALL_RESULT')).toBeDefined();
    expect(text(answered)).toContain('Listed.');
    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);

    // "Allow all" lists without asking.
    const free = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'gemini',
      model: MODEL,
      prompt: 'List the files',
      permissionMode: 'allow_all',
    });
    const listed = await settle(free.body.id as string, 0);
    expect(permissionRequest(listed)).toBeUndefined();
    expect(text(listed)).toContain('Listed.');
    expect((await admin.post(`/api/sessions/${free.body.id}/stop`)).status).toBe(200);
  }, 90_000);

  it('survives an interrupt, a provider 500 and a kill -9 of its process, and resumes its session', async () => {
    await expectFailurePaths(bed, {
      agent: 'gemini',
      model: MODEL,
      greeting: GREETING,
      recall: 'You asked me to write a file.',
      processPattern: 'gemini',
    });
  }, 120_000);

  it('switches the model in the same conversation', async () => {
    await expectModelSwitch(bed, {
      agent: 'gemini',
      from: 'gemini-2.5-pro',
      to: 'gemini-2.5-flash',
      greeting: GREETING,
    });
  }, 60_000);
});
