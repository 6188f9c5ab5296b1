import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bwrapMissing,
  expectFailurePaths,
  expectModelSwitch,
  expectSteering,
  FAILURE_TURNS,
  STEER_TURN,
  startAgentTestbed,
  type AgentTestbed,
  type Stored,
} from '../../test/agent-testbed.js';
import { expectReadAskedAndDenialTold, readOnlyTurn } from '../../test/agent-permissions.js';
import type { AgentCapabilities } from '../adapter.js';
import { createAgentAdapters } from '../registry.js';
import { PiAdapter, piAdapter } from './index.js';

/** The real Pi, registered as an agent whose capabilities say it cannot switch models. */
class FixedModelPi extends PiAdapter {
  override readonly name = 'pi-fixed-model';
  override readonly capabilities: AgentCapabilities = { ...piAdapter.capabilities, modelSwitch: false };
}

const MODEL = 'scripted-1';
const write = (content: string) => ({ name: 'write', input: { path: 'hello.txt', content } });

// docs/agents/pi.md's scenario, with a denied and an allowed write.
const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 8, intervalMs: 15 },
  turns: [
    {
      name: 'greeting',
      match: { lastUserText: '/say hello/i', step: 1 },
      reply: {
        text: 'Hello from the scripted model! This reply is streamed in small chunks.',
        usage: { input: 1000, output: 20, cacheRead: 500 },
      },
    },
    {
      name: 'write-file',
      match: { lastUserText: '/write the file/i', step: 1 },
      reply: { text: 'I will write the file.', toolCalls: [write('hello from pi\n')] },
    },
    {
      name: 'after-tool',
      match: { lastUserText: '/write the file/i', step: 2, toolResult: true },
      reply: { text: 'Tool call answered.' },
    },
    {
      name: 'slow',
      match: { lastUserText: '/take your time/i' },
      reply: { text: 'Finally here.', pace: { firstChunkMs: 3500 } },
    },
    {
      name: 'recall',
      match: { lastUserText: '/what did I ask/i' },
      reply: { text: 'You asked me to write a file.' },
    },
    ...FAILURE_TURNS,
    STEER_TURN,
    readOnlyTurn({ name: 'read', input: { path: 'README.md' } }),
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

describe.skipIf(bwrapMissing)('Pi in a bubblewrap sandbox', () => {
  let bed: AgentTestbed;

  beforeAll(async () => {
    expect(await piAdapter.unavailableReason()).toBeUndefined();
    bed = await startAgentTestbed({
      scenario,
      providers: ['anthropic', 'openai'],
      uidBase: 900_000,
      workspaceName: 'pi',
      env: { HANGAR_SESSION_STALLED_SECONDS: '1' },
      agents: new Map([...createAgentAdapters(), ['pi-fixed-model', new FixedModelPi()]]),
    });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  }, 60_000);

  it('streams a reply, runs a tool, recalls the first turn and records usage', async () => {
    const { admin, provider, workspaceId, waitFor, turnEnded, lastId, status, cat, send } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'pi',
      model: MODEL,
      prompt: 'Say hello',
      permissionMode: 'allow_all',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const first = await waitFor(id, 0, turnEnded);
    const deltas = first.filter((e) => e.event.type === 'TEXT_MESSAGE_CONTENT');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((e) => e.event.delta).join('')).toBe(
      'Hello from the scripted model! This reply is streamed in small chunks.',
    );
    expect(first.map((e) => e.event.type)).toContain('RUN_FINISHED');
    const usage = first.find((e) => e.event.name === 'hangar.usage');
    expect(usage?.event.value).toMatchObject({ inputTokens: 1000, outputTokens: 20, cacheReadTokens: 500 });
    expect(await status(id)).toBe('idle');

    let since = await lastId(id);
    await send(id, 'Now write the file');
    const second = await waitFor(id, since, turnEnded);
    expect(second.map((e) => e.event.type)).toEqual(
      expect.arrayContaining(['TOOL_CALL_START', 'TOOL_CALL_RESULT', 'RUN_FINISHED']),
    );
    expect((await cat()).stdout).toBe('hello from pi\n');

    since = await lastId(id);
    await send(id, 'What did I ask you?');
    const third = await waitFor(id, since, turnEnded);
    expect(
      third
        .filter((e) => e.event.type === 'TEXT_MESSAGE_CONTENT')
        .map((e) => e.event.delta)
        .join(''),
    ).toBe('You asked me to write a file.');
    const recall = provider.requests.filter((r) => r.turn?.name === 'recall').at(-1);
    expect(JSON.stringify(recall?.body)).toContain('Say hello');
    expect(JSON.stringify(recall?.body)).toContain('Now write the file');

    const report = await admin.get('/api/usage?by=model');
    const row = report.body.rows.find((r: { key: string }) => r.key === MODEL);
    expect(row.calls).toBeGreaterThanOrEqual(4);
    expect(row.inputTokens).toBeGreaterThanOrEqual(1000);

    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBeLessThan(300);
    await admin.post(`/api/workspaces/${workspaceId}/exec`, {
      command: ['rm', '-f', '/workspace/hello.txt'],
    });
  }, 90_000);

  it('asks before writing: deny keeps the file away and tells the agent, allow writes it', async () => {
    const { admin, provider, workspaceId, waitFor, turnEnded, lastId, status, cat, send } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'pi',
      model: MODEL,
      prompt: 'Please write the file',
      permissionMode: 'ask',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const isRequest = (e: Stored) => e.event.name === 'hangar.permission_request';

    const asked = await waitFor(id, 0, (list) => list.some(isRequest));
    const request = asked.find(isRequest)!.event.value!;
    expect(request).toMatchObject({
      toolName: 'write',
      input: { path: 'hello.txt' },
      summary: 'Write hello.txt',
    });
    expect(await status(id)).toBe('awaiting_approval');
    const denied = await admin.post(`/api/sessions/${id}/permissions`, {
      requestId: request.requestId,
      decision: 'deny',
      reason: 'not now',
    });
    expect(denied.status).toBeLessThan(300);
    await waitFor(id, 0, turnEnded);
    expect((await cat()).exitCode).not.toBe(0);
    const told = provider.requests.filter((r) => r.turn?.name === 'after-tool').at(-1);
    expect(JSON.stringify(told?.body)).toContain('not now');

    const since = await lastId(id);
    await send(id, 'Now write the file');
    const again = await waitFor(id, since, (list) => list.some(isRequest));
    const second = again.find(isRequest)!.event.value!;
    await admin.post(`/api/sessions/${id}/permissions`, { requestId: second.requestId, decision: 'allow' });
    await waitFor(id, since, turnEnded);
    expect((await cat()).stdout).toBe('hello from pi\n');
    expect(await status(id)).toBe('idle');
    await admin.post(`/api/sessions/${id}/stop`);
  }, 90_000);

  it('flags a session stalled while the agent works with no event, and clears it when events come', async () => {
    const { admin, workspaceId, waitFor, turnEnded } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'pi',
      model: MODEL,
      prompt: 'Please take your time',
      permissionMode: 'allow_all',
    });
    const id = created.body.id as string;
    const stalled = await waitFor(id, 0, (list) =>
      list.some((e) => e.event.name === 'hangar.status' && e.event.value?.stalled === true),
    );
    expect(stalled.some((e) => e.event.type === 'RUN_FINISHED')).toBe(false); // flagged before the reply came
    expect((await admin.get(`/api/sessions/${id}`)).body.session.stalled).toBe(true);
    const after = await waitFor(id, 0, turnEnded);
    const flags = after.filter((e) => e.event.name === 'hangar.status' && 'stalled' in (e.event.value ?? {}));
    expect(flags.map((e) => e.event.value?.stalled)).toContain(false);
    expect((await admin.get(`/api/sessions/${id}`)).body.session.stalled).toBe(false);
    await admin.post(`/api/sessions/${id}/stop`);
  });

  it('survives an interrupt, a provider 500 and a kill -9 of its process, and resumes its session', async () => {
    await expectFailurePaths(bed, {
      agent: 'pi',
      model: MODEL,
      greeting: 'Hello from the scripted model! This reply is streamed in small chunks.',
      recall: 'You asked me to write a file.',
      // Pi sets its process title to "pi".
      processPattern: '^pi ',
    });
  }, 120_000);

  it('switches the model with set_model, in the same conversation', async () => {
    await expectModelSwitch(bed, {
      agent: 'pi',
      from: 'claude-sonnet-4-5',
      to: 'claude-opus-4-5',
      greeting: 'Hello from the scripted model! This reply is streamed in small chunks.',
    });
  }, 60_000);

  it('steers the running turn with a message sent while it streams', async () => {
    await expectSteering(bed, { agent: 'pi', model: MODEL });
  }, 60_000);

  it('refuses a model switch, with an error id, for an agent that cannot switch', async () => {
    const { admin, workspaceId, waitFor, turnEnded, get } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'pi-fixed-model',
      model: MODEL,
      prompt: 'Say hello',
      permissionMode: 'allow_all',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await waitFor(id, 0, turnEnded);
    const refused = await admin.patch(`/api/sessions/${id}`, { model: 'claude-opus-4-5' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.id).toBe('model_switch_unsupported');
    const bad = await admin.patch(`/api/sessions/${id}`, { model: '' });
    expect(bad.status).toBe(400);
    expect((await get(id)).session.model).toBe(MODEL);
    const agents = (await admin.get('/api/agents')).body.agents as {
      name: string;
      capabilities: AgentCapabilities;
    }[];
    expect(agents.find((a) => a.name === 'pi-fixed-model')?.capabilities.modelSwitch).toBe(false);
    expect(agents.find((a) => a.name === 'pi')?.capabilities).toMatchObject({
      modelSwitch: true,
      steering: true,
    });
    await admin.post(`/api/sessions/${id}/stop`);
  }, 60_000);

  it('asks before a read-only tool in "ask" and "allow_edits" modes, and tells the agent why it was denied', async () => {
    for (const permissionMode of ['ask', 'allow_edits'] as const)
      await expectReadAskedAndDenialTold(bed, {
        agent: 'pi',
        model: MODEL,
        toolName: 'read',
        permissionMode,
      });
  }, 90_000);
});
