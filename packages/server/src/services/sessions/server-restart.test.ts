import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bwrapMissing,
  FAILURE_TURNS,
  startServerProcess,
  type ServerProcess,
  type Stored,
} from '../../test/agent-testbed.js';
import { TestClient } from '../../test/server.js';
import { createWorkspace } from '../../test/workspaces.js';

const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model! This reply is streamed in small chunks.';
const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 8, intervalMs: 15 },
  turns: [
    { name: 'greeting', match: { lastUserText: '/say hello/i' }, reply: { text: GREETING } },
    {
      name: 'recall',
      match: { lastUserText: '/what did I ask/i' },
      reply: { text: 'You asked me to say hello.' },
    },
    ...FAILURE_TURNS,
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

// Its own block of sandbox uids, apart from every other test file's.
const UID_BASE = 1_400_000 + Math.floor(Math.random() * 900) * 100;

/** Host processes whose real uid is in this test's block. */
function sandboxProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      if (uid >= UID_BASE && uid < UID_BASE + 100) found.push(Number(entry));
    } catch {
      // it ended while we looked
    }
  }
  return found;
}

/** Reads the session's SSE stream from the start until `count` events came; their ids and types. */
async function replay(base: string, id: string, count: number): Promise<{ id: number; type: string }[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 15_000);
  const response = await fetch(`${base}/api/sessions/${id}/events`, {
    headers: { 'last-event-id': '0' },
    signal: abort.signal,
  });
  const events: { id: number; type: string }[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    const reader = response.body!.getReader();
    while (events.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!data) continue;
        const stored = JSON.parse(data) as Stored;
        events.push({ id: stored.id, type: stored.event.type });
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return events;
}

describe.skipIf(bwrapMissing)('a Pi session across a kill -9 of the server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-session-restart-'));
  let provider: ScriptedProvider;
  let env: Record<string, string>;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    provider = await startScriptedProvider({ scenario });
    env = {
      HANGAR_DATA_DIR: dataDir,
      HANGAR_PORT: '0',
      HANGAR_HOST: '127.0.0.1',
      HANGAR_AUTH: 'none',
      HANGAR_LOG_LEVEL: 'warn',
      HANGAR_DEFAULT_TEMPLATE: 'default',
      HANGAR_SANDBOX_UID_BASE: String(UID_BASE),
      HANGAR_SANDBOX_UID_COUNT: '100',
      HANGAR_PROVIDERS: JSON.stringify({
        anthropic: { kind: 'anthropic', baseUrl: provider.url, keyless: true },
      }),
    };
  });
  afterAll(async () => {
    for (const server of servers) await server.kill();
    await provider?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes the session on the restarted server: history replayable, the next turn sees the first', async () => {
    const first = await startServerProcess(env);
    servers.push(first);
    let client = new TestClient(first.url);
    const workspace = await createWorkspace(client, { name: 'restart' });
    expect(workspace.body.state).toBe('running');
    const workspaceId = workspace.body.id as string;
    const session = await client.post('/api/sessions', {
      workspaceId,
      agent: 'pi',
      model: MODEL,
      prompt: 'Say hello',
      permissionMode: 'allow_all',
    });
    expect(session.status).toBe(201);
    const id = session.body.id as string;
    const until = async (done: (events: Stored[], status: string) => boolean) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { body } = await client.get(`/api/sessions/${id}`);
        if (done(body.events, body.session.status)) return body.events as Stored[];
        if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(body)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await until((events) => events.some((e) => e.event.type === 'RUN_FINISHED'));

    // Killed mid-turn, while the second answer streams.
    const beforeKill = (await until(() => true)).length;
    expect((await client.post(`/api/sessions/${id}/messages`, { text: 'Answer slowly' })).status).toBe(200);
    await until((events) => events.slice(beforeKill).some((e) => e.event.type === 'TEXT_MESSAGE_CONTENT'));
    await first.kill();
    const second = await startServerProcess(env);
    servers.push(second);
    client = new TestClient(second.url);

    // The turn the server was following is closed, and the agent resumed (idle, waiting for a person).
    const resumed = await until((_, status) => status === 'idle');
    const cut = resumed.find((e) => e.event.type === 'RUN_ERROR');
    expect(cut?.event).toMatchObject({ code: 'server_restarted' });
    expect(resumed.map((e) => e.id)).toEqual(resumed.map((_, i) => i + 1));
    const greeting = resumed
      .filter((e) => e.event.type === 'TEXT_MESSAGE_CONTENT' && e.id < cut!.id)
      .map((e) => e.event.delta)
      .join('');
    expect(greeting.startsWith(GREETING)).toBe(true);

    // A late joiner of the SSE stream gets every event, from the first, in order.
    const streamed = await replay(second.url, id, resumed.length);
    expect(streamed.map((e) => e.id)).toEqual(resumed.map((e) => e.id));
    expect(streamed.map((e) => e.type)).toEqual(resumed.map((e) => e.event.type));

    // The next turn, in the resumed Pi session, sees the turns from before the kill.
    const since = resumed.at(-1)!.id;
    expect((await client.post(`/api/sessions/${id}/messages`, { text: 'What did I ask you?' })).status).toBe(
      200,
    );
    const after = await until((events) =>
      events.some((e) => e.id > since && e.event.type === 'RUN_FINISHED'),
    );
    const reply = after
      .filter((e) => e.id > since && e.event.type === 'TEXT_MESSAGE_CONTENT')
      .map((e) => e.event.delta)
      .join('');
    expect(reply).toBe('You asked me to say hello.');
    const recall = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'recall').at(-1)?.body);
    expect(recall).toContain('Say hello');
    expect(recall).toContain(GREETING);

    // Everything ends: no process of the sandbox uids is left.
    expect((await client.post(`/api/sessions/${id}/stop`)).status).toBe(200);
    expect(
      (await client.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'restart' })).status,
    ).toBe(200);
    await second.stop();
    expect(second.child.exitCode).toBe(0);
    const deadline = Date.now() + 15_000;
    while (sandboxProcesses().length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sandboxProcesses()).toEqual([]);
  }, 180_000);
});
