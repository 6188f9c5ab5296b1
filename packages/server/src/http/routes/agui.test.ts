import { HttpAgent, verifyEvents, type BaseEvent, type RunAgentInput } from '@ag-ui/client';
import type { ScenarioInput } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapMissing, SLOW_TEXT, startAgentTestbed, type AgentTestbed } from '../../test/agent-testbed.js';
import { createMember } from '../../test/server.js';
import { AGUI_EVENT } from './agui.js';

const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model! This reply is streamed in small chunks.';

const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 8, intervalMs: 15 },
  turns: [
    { name: 'greeting', match: { lastUserText: '/say hello/i', step: 1 }, reply: { text: GREETING } },
    {
      name: 'write-file',
      match: { lastUserText: '/write the file/i', step: 1 },
      reply: {
        text: 'I will write the file.',
        toolCalls: [{ name: 'write', input: { path: 'agui.txt', content: 'from an AG-UI client\n' } }],
      },
    },
    {
      name: 'after-tool',
      match: { lastUserText: '/write the file/i', step: 2, toolResult: true },
      reply: { text: 'Written.' },
    },
    {
      name: 'slow',
      match: { lastUserText: '/answer slowly/i' },
      reply: { text: SLOW_TEXT, pace: { chunkChars: 4, intervalMs: 300 } },
    },
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

const userMessage = (text: string, n: number) => ({ id: `user-${n}`, role: 'user' as const, content: text });

/** What a stock client posts: AG-UI's RunAgentInput. */
const input = (text: string, n: number): RunAgentInput => ({
  threadId: 'thread-1',
  runId: `run-${n}`,
  state: {},
  messages: [userMessage(text, n)],
  tools: [],
  context: [],
  forwardedProps: {},
});

/** One run through HttpAgent's raw stream, checked by @ag-ui/client's own verifyEvents. */
function verifiedRun(agent: HttpAgent, runInput: RunAgentInput): Promise<BaseEvent[]> {
  return new Promise((resolve, reject) => {
    const seen: BaseEvent[] = [];
    agent
      .run(runInput)
      .pipe(verifyEvents())
      .subscribe({ next: (event) => seen.push(event), error: reject, complete: () => resolve(seen) });
  });
}

const customNames = (events: BaseEvent[]) =>
  events.filter((e) => e.type === 'CUSTOM').map((e) => (e as BaseEvent & { name: string }).name);
const textOf = (events: BaseEvent[]) =>
  events
    .filter((e) => e.type === 'TEXT_MESSAGE_CONTENT')
    .map((e) => (e as BaseEvent & { delta: string }).delta)
    .join('');

describe.skipIf(bwrapMissing)('POST /api/sessions/:id/agui (a stock AG-UI client, Pi in a sandbox)', () => {
  let bed: AgentTestbed;
  let sessionId: string;
  let url: string;
  let token: string;

  const agent = (threadId = 'thread-1') =>
    new HttpAgent({ url, threadId, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    bed = await startAgentTestbed({
      scenario,
      providers: ['anthropic', 'openai'],
      uidBase: 2_700_000,
      workspaceName: 'agui',
    });
    const created = await bed.admin.post('/api/sessions', {
      workspaceId: bed.workspaceId,
      agent: 'pi',
      model: MODEL,
      permissionMode: 'allow_all',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    sessionId = created.body.id as string;
    for (let status = await bed.status(sessionId); status !== 'idle'; status = await bed.status(sessionId))
      await new Promise((resolve) => setTimeout(resolve, 50));
    url = `${bed.server.url}/api/sessions/${sessionId}/agui`;
    token = (await bed.admin.post('/api/tokens', { name: 'agui' })).body.secret as string;
    expect(token).toMatch(/^hgr_/);
  }, 90_000);
  afterAll(async () => {
    await bed?.close();
  }, 60_000);

  it("runs the agent on the last user message and answers one verified AG-UI run, Hangar's events as CUSTOM inside it", async () => {
    const client = agent();
    client.addMessage(userMessage('Say hello', 1));
    const events: BaseEvent[] = [];
    // runAgent is what applications call: it verifies the stream itself and builds the messages.
    const { newMessages } = await client.runAgent(
      { runId: 'run-1' },
      { onEvent: ({ event }) => void events.push(event) },
    );
    expect(events[0]).toMatchObject({ type: 'RUN_STARTED', threadId: 'thread-1', runId: 'run-1' });
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', threadId: 'thread-1', runId: 'run-1' });
    expect(events.filter((e) => e.type.startsWith('RUN_'))).toHaveLength(2);
    expect(textOf(events)).toBe(GREETING);
    expect(customNames(events)).toEqual(
      expect.arrayContaining(['hangar.user_message', 'hangar.status', AGUI_EVENT.agentRun]),
    );
    expect(newMessages).toEqual(
      expect.arrayContaining([expect.objectContaining({ role: 'assistant', content: GREETING })]),
    );
    // The session's own log holds the same turn.
    expect(await bed.status(sessionId)).toBe('idle');
  }, 60_000);

  it('carries a tool call and its result inside the run', async () => {
    const events = await verifiedRun(agent(), input('Now write the file', 2));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('RUN_STARTED');
    expect(types.at(-1)).toBe('RUN_FINISHED');
    expect(types).toEqual(
      expect.arrayContaining(['TOOL_CALL_START', 'TOOL_CALL_ARGS', 'TOOL_CALL_END', 'TOOL_CALL_RESULT']),
    );
    const written = await bed.admin.post(`/api/workspaces/${bed.workspaceId}/exec`, {
      command: ['cat', '/workspace/agui.txt'],
    });
    expect(written.body.stdout).toBe('from an AG-UI client\n');
  }, 60_000);

  it('refuses a second run while one streams (409), and ends an interrupted run as a verified run', async () => {
    const since = await bed.lastId(sessionId);
    const running = verifiedRun(agent(), input('Answer slowly', 3));
    await bed.firstText(sessionId, since);
    const busy = await bed.admin.post(`/api/sessions/${sessionId}/agui`, input('Say hello', 4));
    expect(busy.status).toBe(409);
    expect(busy.body.error.id).toBe('conflict');
    expect((await bed.admin.post(`/api/sessions/${sessionId}/interrupt`)).status).toBe(200);
    const events = await running;
    expect(events.at(-1)?.type).toMatch(/^RUN_(FINISHED|ERROR)$/);
    expect(textOf(events).length).toBeLessThan(SLOW_TEXT.length);
  }, 60_000);

  it('refuses input that is not a RunAgentInput, or has no user message, with 400', async () => {
    const { admin } = bed;
    const path = `/api/sessions/${sessionId}/agui`;
    const noIds = await admin.post(path, { messages: [userMessage('Say hello', 5)] });
    expect(noIds.status).toBe(400);
    expect(noIds.body.error.id).toBe('validation_failed');
    const noUser = await admin.post(path, {
      ...input('x', 6),
      messages: [{ id: 'a', role: 'assistant', content: 'Hi' }],
    });
    expect(noUser.status).toBe(400);
    expect(noUser.body.error).toMatchObject({ id: 'validation_failed', details: [{ path: 'messages' }] });
    expect((await admin.post('/api/sessions/no-such-session/agui', input('Say hello', 7))).status).toBe(404);
  });

  it('is in the OpenAPI document, and refuses someone who may not send messages to the session', async () => {
    const doc = (await bed.admin.get('/api/openapi.json')).body;
    expect(doc.paths['/api/sessions/{id}/agui']?.post?.requestBody).toBeDefined();
    const outsider = await createMember(bed.server, bed.admin, 'outsider');
    expect((await outsider.post(`/api/sessions/${sessionId}/agui`, input('Say hello', 8))).status).toBe(404);
  });
});
