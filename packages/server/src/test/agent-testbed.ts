import { existsSync } from 'node:fs';
import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import { expect } from 'vitest';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from './server.js';
import { createWorkspace } from './workspaces.js';

/** The agent tests run their CLI in a bubblewrap sandbox: skipped without it, except on CI where it must be. */
export const bwrapMissing = !existsSync('/usr/bin/bwrap');
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
  close: () => Promise<void>;
}

/**
 * Starts the scripted provider, a server routing `providers` to it, its admin and a running
 * (bubblewrap) workspace, for an agent adapter's end-to-end test. close() tears it all down.
 */
export async function startAgentTestbed(options: AgentTestbedOptions): Promise<AgentTestbed> {
  let provider: ScriptedProvider | undefined;
  let server: TestServer | undefined;
  let admin: TestClient | undefined;
  let workspaceId: string | undefined;
  const close = async () => {
    if (workspaceId)
      await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: options.workspaceName });
    await server?.services.workspaces.settle();
    await server?.stop();
    await provider?.close();
  };

  try {
    provider = await startScriptedProvider({ scenario: options.scenario });
    const url = provider.url;
    server = await startTestServer({
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
    });
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: options.workspaceName });
    expect(ws.body.state).toBe('running');
    workspaceId = ws.body.id as string;
  } catch (error) {
    await close();
    throw error;
  }

  const client = admin;
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
  return {
    server,
    admin: client,
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
    close,
  };
}
