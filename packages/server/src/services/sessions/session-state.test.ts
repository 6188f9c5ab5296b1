import type { ScenarioInput } from '@hangar/llm-scripted';
import { foldSessionEvents, initialSessionState, type StoredEvent } from '@hangar/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAILURE_TURNS,
  bwrapMissing,
  startAgentTestbed,
  type AgentTestbed,
  type Stored,
} from '../../test/agent-testbed.js';

const MODEL = 'scripted-1';

const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 16, intervalMs: 0 },
  turns: [
    {
      name: 'greeting',
      match: { lastUserText: '/say hello/i', step: 1 },
      reply: { text: 'Hello!', usage: { input: 1000, output: 20, cacheRead: 500 } },
    },
    {
      name: 'write-file',
      match: { lastUserText: '/write the file/i', step: 1 },
      reply: {
        text: 'I will write the file.',
        toolCalls: [{ name: 'write', input: { path: 'state.txt', content: 'folded\n' } }],
        usage: { input: 300, output: 30 },
      },
    },
    {
      name: 'after-tool',
      match: { lastUserText: '/write the file/i', step: 2, toolResult: true },
      reply: { text: 'Written.', usage: { input: 400, output: 5 } },
    },
    ...FAILURE_TURNS,
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

/**
 * The session row caches what the shared fold of the session's stored events says
 * (@hangar/protocol's foldSessionState): after every step of a real Pi session, through an
 * approval, a provider failure and a stop, the row's status (and error) is the fold's, and the
 * API's usage and pending requests are the fold's too.
 */
describe.skipIf(bwrapMissing)('a session row is the fold of its stored events (Pi)', () => {
  let bed: AgentTestbed;

  beforeAll(async () => {
    bed = await startAgentTestbed({
      scenario,
      providers: ['anthropic', 'openai'],
      uidBase: 2_900_000,
      workspaceName: 'session-state',
    });
  }, 60_000);
  afterAll(async () => {
    await bed?.close();
  }, 60_000);

  /** The row as stored, and the fold of the events as stored. */
  const both = async (id: string) => {
    const row = await bed.server.store.db
      .selectFrom('agent_sessions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const events = (await bed.server.services.agentSessions.events.read(id)) as StoredEvent[];
    return { row, state: foldSessionEvents(initialSessionState, events) };
  };
  const expectRowIsFold = async (id: string) => {
    const { row, state } = await both(id);
    expect(row.status).toBe(state.status);
    if (row.status === 'error') expect(row.error).toBe(state.message);
    return state;
  };
  const isRequest = (e: Stored) => e.event.name === 'hangar.permission_request';

  it('status, error and pending requests of the row are the fold’s at every step', async () => {
    const { admin, workspaceId, waitFor, turnEnded, lastId, settle, send } = bed;
    const created = await admin.post('/api/sessions', {
      workspaceId,
      agent: 'pi',
      model: MODEL,
      prompt: 'Please write the file',
      permissionMode: 'ask',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const asked = await waitFor(id, 0, (list) => list.some(isRequest));
    const requestId = asked.find(isRequest)!.event.value!.requestId as string;
    await settle(id, 0);
    const waiting = await expectRowIsFold(id);
    expect(waiting).toMatchObject({ status: 'awaiting_approval', pending: [requestId] });

    const allowed = await admin.post(`/api/sessions/${id}/permissions`, { requestId, decision: 'allow' });
    expect(allowed.status).toBeLessThan(300);
    // The fold says nothing waits any more: the same answer again is refused.
    const again = await admin.post(`/api/sessions/${id}/permissions`, { requestId, decision: 'allow' });
    expect(again.status).toBe(409);
    await waitFor(id, 0, turnEnded);
    await settle(id, 0);
    const written = await expectRowIsFold(id);
    expect(written).toMatchObject({ status: 'idle', pending: [], runId: null });
    expect(written.usage).toMatchObject({ inputTokens: 700, outputTokens: 35, calls: 2 });

    let since = await lastId(id);
    await send(id, 'Say hello');
    await waitFor(id, since, turnEnded);
    await settle(id, since);
    const greeted = await expectRowIsFold(id);
    expect(greeted.usage).toMatchObject({
      inputTokens: 1700,
      outputTokens: 55,
      cacheReadTokens: 500,
      calls: 3,
    });

    since = await lastId(id);
    await send(id, 'Fail please');
    await waitFor(id, since, turnEnded);
    await settle(id, since);
    const failed = await expectRowIsFold(id);
    expect(failed.status).toBe('error');
    expect(failed.message).toBeTruthy();

    expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBeLessThan(300);
    const stopped = await expectRowIsFold(id);
    expect(stopped).toMatchObject({ status: 'stopped', message: 'Stopped by Ada.', withWorkspace: false });
    expect(stopped.stoppedBy).toBe(created.body.createdBy);
  }, 120_000);
});
