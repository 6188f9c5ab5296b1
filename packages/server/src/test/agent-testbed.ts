import type { SpawnedChild } from '../sandbox/spawner.js';
import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { AgentAdapter } from '../agents/adapter.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from './server.js';
import { createWorkspace } from './workspaces.js';

/** The agent tests run their CLI in a bubblewrap sandbox: skipped without it, except on CI where it must be. */
import { bwrapMissing } from './requirements.js';

export { bwrapMissing };
if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

/** A session event as GET /api/sessions/:id returns it. */
export interface Stored {
  id: number;
  event: { type: string; name?: string; value?: Record<string, unknown>; delta?: string; content?: string };
}

export interface PermissionRequest {
  requestId: string;
  toolName: string;
  input: unknown;
  toolCallId?: string;
  summary?: string;
}

type ScenarioTurnInput = NonNullable<ScenarioInput['turns']>[number];

export type ProviderKind = 'anthropic' | 'openai' | 'gemini';

export interface AgentTestbedOptions {
  scenario: ScenarioInput;
  /** The providers the server routes to the scripted one. */
  providers: ProviderKind[];
  /**
   * The start of this test file's own block of sandbox UIDs: a block of 100 is picked at random
   * in [uidBase, uidBase + 10_000). Keep the blocks of test files that run in parallel apart.
   */
  uidBase: number;
  /** The workspace's name (also its delete confirmation). */
  workspaceName: string;
  /** More server environment. */
  env?: Record<string, string>;
  /** The agent adapters the server offers (default: every installed one). */
  agents?: ReadonlyMap<string, AgentAdapter>;
  /** Keeps the server's data dir apart, so that restartServer() can start a new server on it. */
  restartable?: boolean;
}

export interface AgentTestbed {
  server: TestServer;
  admin: TestClient;
  provider: ScriptedProvider;
  workspaceId: string;
  /** GET /api/sessions/:id's body. */
  get: (id: string) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  events: (id: string) => Promise<Stored[]>;
  /** Polls the session until `done` holds for its events after `since`. */
  waitFor: (
    id: string,
    since: number,
    done: (events: Stored[]) => boolean,
    timeoutMs?: number,
  ) => Promise<Stored[]>;
  /** Polls until the session awaits approval or its turn ended, and returns its events after `since`. */
  settle: (id: string, since: number, timeoutMs?: number) => Promise<Stored[]>;
  turnEnded: (list: Stored[]) => boolean;
  lastId: (id: string) => Promise<number>;
  status: (id: string) => Promise<string>;
  /** The streamed text of `events`. */
  text: (events: Stored[]) => string;
  permissionRequest: (events: Stored[]) => PermissionRequest | undefined;
  /** cat /workspace/hello.txt in the workspace: the exec response's body. */
  cat: () => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  send: (id: string, text: string) => Promise<void>;
  /** POST …/messages: how the message was delivered (sent, queued or steered). */
  message: (id: string, text: string) => Promise<string>;
  /** Polls until a TEXT_MESSAGE_CONTENT arrived after `since`. */
  firstText: (id: string, since: number) => Promise<void>;
  /** SIGKILLs, from inside the sandbox, the processes whose command line matches `pattern` (grep -E); their PIDs. */
  killInSandbox: (pattern: string) => Promise<number[]>;
  /**
   * A clean stop of the server and a new one on the same data dir and database (`restartable` beds):
   * `server` and `admin` are the new ones afterwards (read them from the bed again).
   */
  restartServer?: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Starts the scripted provider, a server routing `providers` to it, its admin and a running
 * (bubblewrap) workspace, for an agent adapter's end-to-end test. close() tears it all down.
 */
export async function startAgentTestbed(options: AgentTestbedOptions): Promise<AgentTestbed> {
  let provider: ScriptedProvider | undefined;
  let server: TestServer | undefined;
  let serverOptions: Parameters<typeof startTestServer>[0] = {};
  let admin: TestClient | undefined;
  let workspaceId: string | undefined;
  const dataDir = options.restartable ? mkdtempSync(join(tmpdir(), 'hangar-agent-bed-')) : undefined;
  const close = async () => {
    if (workspaceId)
      await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: options.workspaceName });
    await server?.services.workspaces.settle();
    await server?.stop();
    await provider?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    provider = await startScriptedProvider({ scenario: options.scenario });
    const url = provider.url;
    serverOptions = {
      ...(dataDir && { dataDir }),
      env: {
        HANGAR_PROVIDERS: JSON.stringify(
          Object.fromEntries(options.providers.map((kind) => [kind, { kind, baseUrl: url, keyless: true }])),
        ),
        HANGAR_DEFAULT_TEMPLATE: 'default',
        // A range of its own, so that it runs beside other sandbox tests.
        HANGAR_SANDBOX_UID_BASE: String(options.uidBase + Math.floor(Math.random() * 100) * 100),
        HANGAR_SANDBOX_UID_COUNT: '100',
        ...options.env,
      },
      ...(options.agents && { agents: options.agents }),
    };
    server = await startTestServer(serverOptions);
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: options.workspaceName });
    expect(ws.body.state).toBe('running');
    workspaceId = ws.body.id as string;
  } catch (error) {
    await close();
    throw error;
  }

  let client = admin;
  const id0 = workspaceId;
  const get = async (id: string) => (await client.get(`/api/sessions/${id}`)).body;
  const events = async (id: string): Promise<Stored[]> => (await get(id)).events;
  const waitFor = async (
    id: string,
    since: number,
    done: (events: Stored[]) => boolean,
    timeoutMs = 30_000,
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fresh = (await events(id)).filter((e) => e.id > since);
      if (done(fresh)) return fresh;
      if (Date.now() > deadline)
        throw new Error(
          `timed out; events: ${JSON.stringify(fresh.map((e) => e.event.name ?? e.event.type))}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const settle = async (id: string, since: number, timeoutMs = 30_000): Promise<Stored[]> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { session, events } = await get(id);
      const fresh = (events as Stored[]).filter((e) => e.id > since);
      const ended = fresh.some((e) => e.event.type === 'RUN_FINISHED' || e.event.type === 'RUN_ERROR');
      if (session.status === 'awaiting_approval' || (ended && ['idle', 'error'].includes(session.status)))
        return fresh;
      if (Date.now() > deadline) throw new Error(`still ${session.status}: ${JSON.stringify(fresh)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const restartServer = async () => {
    await server!.stop();
    server = await startTestServer(serverOptions);
    const next = server.client();
    next.cookie = client.cookie;
    client = next;
    admin = next;
  };
  return {
    get server() {
      return server!;
    },
    get admin() {
      return client;
    },
    provider,
    workspaceId: id0,
    get,
    events,
    waitFor,
    settle,
    turnEnded: (list) => list.some((e) => ['RUN_FINISHED', 'RUN_ERROR'].includes(e.event.type)),
    lastId: async (id) => (await events(id)).at(-1)?.id ?? 0,
    status: async (id) => (await get(id)).session.status,
    text: (list) =>
      list
        .filter((e) => e.event.type === 'TEXT_MESSAGE_CONTENT')
        .map((e) => e.event.delta)
        .join(''),
    permissionRequest: (list) =>
      list.find((e) => e.event.name === 'hangar.permission_request')?.event.value as
        PermissionRequest | undefined,
    cat: async () =>
      (await client.post(`/api/workspaces/${id0}/exec`, { command: ['cat', '/workspace/hello.txt'] })).body,
    send: async (id, text) => {
      expect((await client.post(`/api/sessions/${id}/messages`, { text })).status).toBeLessThan(300);
    },
    message: async (id, text) => {
      const sent = await client.post(`/api/sessions/${id}/messages`, { text });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      return sent.body.delivery as string;
    },
    firstText: async (id, since) => {
      await waitFor(id, since, (list) => list.some((e) => e.event.type === 'TEXT_MESSAGE_CONTENT'));
    },
    killInSandbox: async (pattern) => {
      const killed = await client.post(`/api/workspaces/${id0}/exec`, {
        command: ['/bin/sh', '-c', KILL_SCRIPT, 'kill', pattern],
      });
      expect(killed.body.exitCode, JSON.stringify(killed.body)).toBe(0);
      const pids = String(killed.body.stdout).trim().split(/\s+/).filter(Boolean).map(Number);
      if (pids.length === 0) {
        const ps = await client.post(`/api/workspaces/${id0}/exec`, {
          command: [
            '/bin/sh',
            '-c',
            'for d in /proc/[0-9]*; do echo "${d#/proc/}: $(tr "\\0" " " < $d/cmdline)"; done',
          ],
        });
        throw new Error(`no process matches ${pattern}: ${JSON.stringify(ps.body)}`);
      }
      return pids;
    },
    ...(dataDir && { restartServer }),
    close,
  };
}

/** kill -9 of every process whose command line (NULs as spaces) matches $1 (but this shell), printing their PIDs. */
const KILL_SCRIPT = `for d in /proc/[0-9]*; do
  p=\${d#/proc/}; [ "$p" = "$$" ] && continue
  if tr '\\0' ' ' < "$d/cmdline" 2>/dev/null | grep -qE -- "$1"; then kill -9 "$p" 2>/dev/null && echo "$p"; fi
done; true`;

/** The reply of FAILURE_TURNS' slow turn: about 5 s, so that it can be interrupted or killed half-way. */
export const SLOW_TEXT = 'This answer streams slowly so that it can be interrupted before it ends.';

/** Turns every agent's failure test adds to its scenario: a slow reply, and a provider 500. */
export const FAILURE_TURNS: ScenarioTurnInput[] = [
  {
    name: 'interruptible',
    match: { lastUserText: '/answer slowly/i' },
    reply: { text: SLOW_TEXT, pace: { chunkChars: 4, intervalMs: 300 } },
  },
  {
    name: 'provider-500',
    match: { lastUserText: '/fail please/i' },
    error: { status: 500, message: 'scripted failure' },
  },
];

export interface FailurePathOptions {
  agent: string;
  model: string;
  /** The scenario's reply to "Say hello" (a 'greeting' turn). */
  greeting: string;
  /** A regular expression (grep -E) for the agent's command line, to kill it in the sandbox; no kill step when omitted. */
  processPattern?: string;
  /** The scenario's reply to "What did I ask you?" (a 'recall' turn). */
  recall: string;
}

/**
 * The failure paths every agent must survive, in one session (FAILURE_TURNS in its scenario):
 * interrupt mid-stream ends the turn early; a provider 500 is a RUN_ERROR with a readable message
 * and status `error`, and the session goes on; a kill -9 of the agent inside the sandbox is one
 * RUN_ERROR and status `error`, and the next message starts the agent again through its resume,
 * with the history of before.
 */
export async function expectFailurePaths(bed: AgentTestbed, options: FailurePathOptions): Promise<void> {
  const { admin, provider, workspaceId, get, settle, lastId, text, message, firstText } = bed;
  const created = await admin.post('/api/sessions', {
    workspaceId,
    agent: options.agent,
    model: options.model,
    prompt: 'Answer slowly',
    permissionMode: 'allow_all',
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;

  // Interrupted once the first words arrived: the turn ends before the text does.
  await firstText(id, 0);
  expect((await admin.post(`/api/sessions/${id}/interrupt`)).status).toBe(200);
  const interrupted = await settle(id, 0);
  expect(bed.turnEnded(interrupted)).toBe(true);
  expect(text(interrupted).length).toBeLessThan(SLOW_TEXT.length);
  expect((await get(id)).session.status).toBe('idle');

  // A provider 500: one RUN_ERROR with a readable message, status error.
  let since = await lastId(id);
  expect(await message(id, 'Fail please')).toBe('sent');
  const failed = await settle(id, since);
  const errorsOf = (list: Stored[]) => list.filter((e) => e.event.type === 'RUN_ERROR');
  expect(errorsOf(failed)).toHaveLength(1);
  expect((errorsOf(failed)[0]!.event as { message?: string }).message).toMatch(/500|scripted failure/i);
  expect((await get(id)).session.status).toBe('error');

  // The session goes on.
  since = await lastId(id);
  expect(await message(id, 'Say hello')).toBe('sent');
  expect(text(await settle(id, since))).toBe(options.greeting);
  expect((await get(id)).session.status).toBe('idle');

  if (options.processPattern) {
    // kill -9 of the agent process mid-turn: one RUN_ERROR that says what happened, status error.
    since = await lastId(id);
    await message(id, 'Answer slowly, again');
    await firstText(id, since);
    expect((await bed.killInSandbox(options.processPattern)).length).toBeGreaterThan(0);
    const killed = await bed.waitFor(id, since, (list) =>
      list.some((e) => e.event.name === 'hangar.status' && e.event.value?.status === 'error'),
    );
    expect(errorsOf(killed)).toHaveLength(1);
    expect((errorsOf(killed)[0]!.event as { message?: string }).message).toMatch(/ended|SIGKILL|signal/i);
    const { session } = await get(id);
    expect(session.status).toBe('error');
    expect(session.error).toMatch(/send a message/);

    // The next message starts the agent again, resuming its session: it sees the turns of before.
    since = await lastId(id);
    expect(await message(id, 'What did I ask you?')).toBe('sent');
    expect(text(await settle(id, since))).toBe(options.recall);
    const recall = JSON.stringify(provider.requests.filter((r) => r.turn?.name === 'recall').at(-1)?.body);
    // (Turns that failed, Gemini CLI leaves out of its history; the completed ones are there.)
    expect(recall).toContain('Say hello');
    expect(recall).toContain(options.greeting);
    expect((await get(id)).session.status).toBe('idle');
  }
  expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
}

export interface ModelSwitchOptions {
  agent: string;
  /** Two models of the agent's catalog entry: the session starts on `from` and switches to `to`. */
  from: string;
  to: string;
  /** The scenario's reply to "Say hello" (a 'greeting' turn). */
  greeting: string;
}

/**
 * PATCH /api/sessions/:id {model}: a model the agent does not offer is refused (400
 * unknown_model); one it offers is applied through the agent's own mechanism, so that the
 * next model call names it, in the same agent process and conversation.
 */
export async function expectModelSwitch(bed: AgentTestbed, options: ModelSwitchOptions): Promise<void> {
  const { admin, provider, workspaceId, get, settle, lastId, text, message } = bed;
  const created = await admin.post('/api/sessions', {
    workspaceId,
    agent: options.agent,
    model: options.from,
    prompt: 'Say hello',
    permissionMode: 'allow_all',
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect(text(await settle(id, 0))).toBe(options.greeting);
  const greetings = () => provider.requests.filter((r) => r.turn?.name === 'greeting');
  expect(greetings().at(-1)?.model).toBe(options.from);

  const unknown = await admin.patch(`/api/sessions/${id}`, { model: 'not-a-model' });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.id).toBe('unknown_model');
  expect(unknown.body.error.message).toContain(options.to);

  const switched = await admin.patch(`/api/sessions/${id}`, { model: options.to });
  expect(switched.status, JSON.stringify(switched.body)).toBe(200);
  expect(switched.body.model).toBe(options.to);
  const since = await lastId(id);
  expect(await message(id, 'Say hello again')).toBe('sent');
  const after = await settle(id, since);
  expect(text(after)).toBe(options.greeting);
  expect(greetings().at(-1)?.model).toBe(options.to);
  // The same conversation: the switched model sees the first turn.
  expect(JSON.stringify(greetings().at(-1)?.body)).toContain(options.greeting);
  const { session, events } = await get(id);
  expect(session.model).toBe(options.to);
  expect((events as Stored[]).find((e) => e.event.name === 'hangar.model_change')?.event.value).toMatchObject(
    {
      from: options.from,
      model: options.to,
    },
  );
  expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
}

/** The scenario turn a steering message gets (add it to the scenario of an agent that steers). */
export const STEER_TURN: ScenarioTurnInput = {
  name: 'steered',
  match: { lastUserText: '/change course/i' },
  reply: { text: 'Changing course.' },
};

/**
 * A message sent while a turn streams steers it (the response says `steered`): no second run
 * starts, and the model gets the message within the running turn.
 */
export async function expectSteering(bed: AgentTestbed, options: { agent: string; model: string }) {
  const { admin, provider, workspaceId, settle, text, message, firstText } = bed;
  const created = await admin.post('/api/sessions', {
    workspaceId,
    agent: options.agent,
    model: options.model,
    prompt: 'Answer slowly',
    permissionMode: 'allow_all',
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await firstText(id, 0);
  expect(await message(id, 'Change course please')).toBe('steered');
  const events = await settle(id, 0);
  const types = events.map((e) => e.event.type);
  expect(types.filter((t) => t === 'RUN_STARTED')).toHaveLength(1);
  expect(types.filter((t) => t === 'RUN_FINISHED')).toHaveLength(1);
  expect(text(events)).toContain('Changing course.');
  const steered = provider.requests.filter((r) => r.turn?.name === 'steered').at(-1);
  expect(JSON.stringify(steered?.body)).toContain('Change course please');
  expect(JSON.stringify(steered?.body)).toContain('Answer slowly');
  // After the turn, a message is a new turn again.
  expect(await message(id, 'Say hello')).toBe('sent');
  expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
}

/** A Hangar server in a child process of its own (from the TypeScript sources), to be killed for real. */
export interface ServerProcess {
  url: string;
  child: SpawnedChild;
  output(): string;
  /** SIGKILL, and waits until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a clean shutdown), and waits until it is gone. */
  stop(): Promise<void>;
}

/** Starts a server child process from the TypeScript sources (with a transpile cache). */
export { startServerProcess } from './crash/server-process.js';

/**
 * A message sent while a turn streams, to an agent that cannot steer, waits for the turn's end
 * (the response says `queued`) and then runs as the next turn.
 */
export async function expectQueued(
  bed: AgentTestbed,
  options: { agent: string; model: string; greeting: string },
) {
  const { admin, workspaceId, waitFor, text, message, firstText } = bed;
  const created = await admin.post('/api/sessions', {
    workspaceId,
    agent: options.agent,
    model: options.model,
    prompt: 'Answer slowly',
    permissionMode: 'allow_all',
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  await firstText(id, 0);
  expect(await message(id, 'Say hello')).toBe('queued');
  const finished = (list: Stored[]) => list.filter((e) => e.event.type === 'RUN_FINISHED');
  const events = await waitFor(id, 0, (list) => finished(list).length === 2, 60_000);
  const firstEnd = finished(events)[0]!.id;
  expect(text(events.filter((e) => e.id < firstEnd))).toBe(SLOW_TEXT);
  expect(text(events.filter((e) => e.id > firstEnd))).toBe(options.greeting);
  expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBe(200);
}
