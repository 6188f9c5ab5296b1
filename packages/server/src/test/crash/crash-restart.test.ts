import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapMissing, type ServerProcess, type Stored } from '../agent-testbed.js';
import { dialectCases, type DialectCase } from '../databases.js';
import { TestClient } from '../server.js';
import { SseReader } from '../team.js';
import { TerminalClient } from '../terminal-client.js';
import { createWorkspace } from '../workspaces.js';
import { mountsUnder, processesOfUids, untilEmpty } from './leftovers.js';
import { startServerProcess } from './server-process.js';

/** Kill rounds per database: 3 in CI; HANGAR_CRASH_ROUNDS for a longer run. */
const ROUNDS = Number(process.env.HANGAR_CRASH_ROUNDS ?? 3);
const SESSIONS = 5;
const TERMINALS = 5;
const MODEL = 'scripted-1';
const GREETING = 'Hello from the scripted model.';
const scenario: ScenarioInput = {
  model: MODEL,
  pace: { chunkChars: 8, intervalMs: 15 },
  turns: [
    { name: 'greeting', match: { lastUserText: '/say hello/i' }, reply: { text: GREETING } },
    {
      name: 'slow',
      match: { lastUserText: '/answer slowly/i' },
      reply: {
        text: 'A long answer, streamed slowly, so that a kill cuts it. '.repeat(3),
        pace: { chunkChars: 4, intervalMs: 60 },
      },
    },
  ],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};
// This file's block of sandbox uids; the two databases run one after the other in it.
const UID_BASE = 2_000_000 + Math.floor(Math.random() * 900) * 100;
const DIALECTS = await dialectCases();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a client was told: it must all still be there after any kill. */
interface Acknowledged {
  /** Chat messages answered 201 or received over SSE: id → text. */
  chat: Map<number, string>;
  /** Session events received over SSE, per session: event id → type. */
  events: Map<string, Map<number, string>>;
  /** Messages a session accepted (200), per session. */
  sent: Map<string, string[]>;
}

describe.skipIf(bwrapMissing)('crash and restart: SIGKILL of the server under load', () => {
  let provider: ScriptedProvider;
  let survived = 0;
  const kept = { chat: 0, events: 0 };
  beforeAll(async () => {
    provider = await startScriptedProvider({ scenario });
  });
  afterAll(async () => {
    await provider?.close();
    console.log(
      `kill rounds survived: ${survived} (${ROUNDS} per database; ${kept.chat} acknowledged chat messages and ${kept.events} session events delivered over SSE, all kept)`,
    );
  });

  for (const dialect of DIALECTS) {
    it.skipIf(dialect.skipReason)(
      `${dialect.dialect}: acknowledged data stays, sessions resume, terminals keep their state, nothing is orphaned`,
      async () => {
        const result = await crashRounds(dialect, provider);
        survived += result.survived;
        kept.chat += result.chat;
        kept.events += result.events;
      },
      ROUNDS * 90_000 + 120_000,
    );
  }
});

async function crashRounds(
  dialect: DialectCase,
  provider: ScriptedProvider,
): Promise<{ survived: number; chat: number; events: number }> {
  const database = await dialect.create();
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-crash-'));
  // The server's own temp dir: whatever is left in it at the end was orphaned.
  const serverTmp = mkdtempSync(join(tmpdir(), 'hangar-crash-tmp-'));
  const env = {
    HANGAR_DATA_DIR: dataDir,
    HANGAR_DATABASE_URL: database.url,
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
    TMPDIR: serverTmp,
  };
  let server: ServerProcess | undefined = await startServerProcess(env);
  let client = new TestClient(server.url);
  let survived = 0;
  const started = Date.now();
  const mark = (what: string) =>
    console.log(`[crash ${dialect.dialect}] ${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  let workspaceId: string | undefined;
  try {
    const ws = await createWorkspace(client, { name: 'crash' });
    expect(ws.body.state).toBe('running');
    const id = ws.body.id as string;
    workspaceId = id;
    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const created = await client.post('/api/sessions', {
        workspaceId,
        agent: 'pi',
        model: MODEL,
        prompt: 'Say hello',
        permissionMode: 'allow_all',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      sessions.push(created.body.id as string);
    }
    await Promise.all(sessions.map((id) => turnDone(client, id, 0)));
    const terminals: string[] = [];
    for (let i = 0; i < TERMINALS; i++) terminals.push(await busyTerminal(client, workspaceId, i));
    mark('ready');

    const acked: Acknowledged = { chat: new Map(), events: new Map(), sent: new Map() };
    for (let round = 1; round <= ROUNDS; round++) {
      await killUnderLoad(client, server, workspaceId, sessions, acked, round);
      mark(`round ${round} killed`);
      server = await startServerProcess(env);
      client = new TestClient(server.url);
      mark(`round ${round} restarted`);
      await expectAcknowledged(client, workspaceId, sessions, acked);
      // Sessions resume: a new turn works in each.
      await Promise.all(
        sessions.map(async (id) => {
          await until(async () => (await client.get(`/api/sessions/${id}`)).body.session.status === 'idle');
          const since = lastId(await events(client, id));
          expect((await client.post(`/api/sessions/${id}/messages`, { text: 'Say hello' })).status).toBe(200);
          expect(await turnDone(client, id, since)).toBe(GREETING);
        }),
      );
      mark(`round ${round} sessions resumed`);
      await Promise.all(terminals.map((terminal, i) => expectTerminalAlive(client, id, terminal, i)));
      mark(`round ${round} terminals checked`);
      survived++;
    }

    // A clean end: nothing of the sandbox, its processes, mounts or temp files is left.
    for (const id of sessions) expect((await client.post(`/api/sessions/${id}/stop`)).status).toBe(200);
    const deleted = await client.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'crash' });
    expect(deleted.status).toBe(200);
    await until(async () => (await client.get(`/api/workspaces/${workspaceId}`)).status === 404);
    await server.stop();
    expect(server.child.exitCode, server.output()).toBe(0);
    const output = server.output();
    expect(await untilEmpty(() => processesOfUids(UID_BASE, 100), 15_000), output.slice(-3000)).toEqual([]);
    expect(mountsUnder(dataDir)).toEqual([]);
    expect(readdirSync(join(dataDir, 'workspaces'))).toEqual([]);
    expect(readdirSync(serverTmp)).toEqual([]);
    server = undefined;
    const delivered = [...acked.events.values()].reduce((sum, seen) => sum + seen.size, 0);
    return { survived, chat: acked.chat.size, events: delivered };
  } finally {
    // A failed run still takes its sandbox down, through a server that is up.
    if (server && workspaceId && server.child.exitCode === null && server.child.signalCode === null) {
      await client
        .request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'crash' })
        .catch(() => undefined);
      await server.stop();
    }
    await server?.kill();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(serverTmp, { recursive: true, force: true });
  }
}

/** Chat posts, session messages and slow turns in flight; the server is SIGKILLed at a random point. */
async function killUnderLoad(
  client: TestClient,
  server: ServerProcess,
  workspaceId: string,
  sessions: string[],
  acked: Acknowledged,
  round: number,
): Promise<void> {
  const lastChat = Math.max(0, ...acked.chat.keys());
  const chatStream = await SseReader.open(
    client,
    `/api/workspaces/${workspaceId}/chat/events?after=${lastChat}`,
  );
  const streams = await Promise.all(
    sessions.map(async (id) =>
      SseReader.open(client, `/api/sessions/${id}/events?after=${lastId(await events(client, id))}`),
    ),
  );
  let loading = true;
  const chatLoad = (async () => {
    for (let n = 0; loading; n++) {
      const text = `round ${round} message ${n}`;
      const res = await client
        .post(`/api/workspaces/${workspaceId}/chat/messages`, { text })
        .catch(() => undefined);
      if (!res) return;
      if (res.status === 201) acked.chat.set(res.body.id as number, text);
    }
  })();
  const sends = sessions.map(async (id, i) => {
    const text = `Answer slowly, round ${round}, session ${i}`;
    const res = await client.post(`/api/sessions/${id}/messages`, { text }).catch(() => undefined);
    if (res?.status === 200) acked.sent.set(id, [...(acked.sent.get(id) ?? []), text]);
  });
  await sleep(300 + Math.random() * 2500);
  loading = false;
  await server.kill();
  await Promise.all([chatLoad, ...sends]);
  for (const event of chatStream.named('message')) {
    const message = event.data as { id: number; text: string };
    acked.chat.set(message.id, message.text);
  }
  streams.forEach((stream, i) => {
    const seen = acked.events.get(sessions[i]!) ?? new Map<number, string>();
    for (const event of stream.events) {
      const stored = event.data as Stored;
      seen.set(stored.id, stored.event.type);
    }
    acked.events.set(sessions[i]!, seen);
  });
  chatStream.close();
  for (const stream of streams) stream.close();
}

async function expectAcknowledged(
  client: TestClient,
  workspaceId: string,
  sessions: string[],
  acked: Acknowledged,
): Promise<void> {
  const stored = new Map<number, string>();
  for (let after = 0; ;) {
    const page = await client.get(`/api/workspaces/${workspaceId}/chat/messages?after=${after}&limit=200`);
    expect(page.status).toBe(200);
    for (const m of page.body.messages as { id: number; text: string }[]) stored.set(m.id, m.text);
    if (!page.body.hasMore) break;
    after = Math.max(...stored.keys());
  }
  const lostChat = [...acked.chat].filter(([id, text]) => stored.get(id) !== text);
  expect(lostChat, 'acknowledged chat messages lost').toEqual([]);
  for (const id of sessions) {
    const list = await events(client, id);
    // Event ids stay dense: nothing half-written in between.
    expect(list.map((e) => e.id)).toEqual(list.map((_, i) => i + 1));
    const types = new Map(list.map((e) => [e.id, e.event.type]));
    const lost = [...(acked.events.get(id) ?? [])].filter(([eventId, type]) => types.get(eventId) !== type);
    expect(lost, `session ${id}: events delivered over SSE, then lost`).toEqual([]);
    const texts = list
      .filter((e) => e.event.name === 'hangar.user_message')
      .map((e) => (e.event.value as { text: string }).text);
    for (const text of acked.sent.get(id) ?? []) expect(texts).toContain(text);
  }
}

/** A terminal with a shell variable set and a loop counting in the background (into a file). */
async function busyTerminal(client: TestClient, workspaceId: string, i: number): Promise<string> {
  const created = await client.post(`/api/workspaces/${workspaceId}/terminals`, { name: `busy-${i}` });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const viewer = await TerminalClient.open(client, workspaceId, id);
  try {
    viewer.type(
      `export MARK=kept-${i}; (n=0; while :; do n=$((n+1)); echo $n > /workspace/.count-${i}.new; mv /workspace/.count-${i}.new /workspace/.count-${i}; echo "co""unt $n"; sleep 0.2; done) &\r`,
    );
    await viewer.waitFor('count 2');
  } finally {
    viewer.close();
  }
  return id;
}

async function expectTerminalAlive(client: TestClient, workspaceId: string, id: string, i: number) {
  const count = async () => {
    const res = await client.post(`/api/workspaces/${workspaceId}/exec`, {
      command: ['cat', `/workspace/.count-${i}`],
    });
    return Number(String(res.body.stdout).trim());
  };
  const before = await count();
  // The loop still counts: the count grows (how soon depends on the machine's load).
  await expect
    .poll(count, { message: `terminal ${i}: the loop stopped`, timeout: 30_000 })
    .toBeGreaterThan(before);
  const viewer = await TerminalClient.open(client, workspaceId, id);
  try {
    viewer.type('echo "ma""rk=$MARK"\r');
    await viewer.waitFor(`mark=kept-${i}`);
  } finally {
    viewer.close();
  }
}

async function events(client: TestClient, id: string): Promise<Stored[]> {
  const res = await client.get(`/api/sessions/${id}`);
  expect(res.status).toBe(200);
  return res.body.events as Stored[];
}

const lastId = (list: Stored[]) => list.at(-1)?.id ?? 0;

/** Waits for a turn's end after `since`; its text. */
async function turnDone(client: TestClient, id: string, since: number): Promise<string> {
  let fresh: Stored[] = [];
  await until(async () => {
    fresh = (await events(client, id)).filter((e) => e.id > since);
    return fresh.some((e) => e.event.type === 'RUN_FINISHED' || e.event.type === 'RUN_ERROR');
  });
  return fresh
    .filter((e) => e.event.type === 'TEXT_MESSAGE_CONTENT')
    .map((e) => e.event.delta)
    .join('');
}

async function until(done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(100);
  }
}
