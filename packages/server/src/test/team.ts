import { expect } from 'vitest';
import type { TestDatabase } from './databases.js';
import type { Clock } from '../common/clock.js';
import { createMember, setupAdmin, startTestServer, type TestClient, type TestServer } from './server.js';
import { createWorkspace } from './workspaces.js';

/** Test support for the team features: a server with a workspace shared by several people. */

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

/** A server-sent-events response read as it arrives, for assertions on live events. */
export class SseReader {
  readonly events: SseEvent[] = [];
  private constructor(
    readonly status: number,
    private readonly controller: AbortController,
  ) {}

  static async open(
    client: TestClient,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(new URL(path, client.baseUrl), {
      headers: {
        accept: 'text/event-stream',
        ...(client.cookie && { cookie: client.cookie }),
        ...(client.token && { authorization: `Bearer ${client.token}` }),
        ...headers,
      },
      signal: controller.signal,
    });
    const reader = new SseReader(response.status, controller);
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      return reader;
    }
    void reader.pump(response.body).catch(() => undefined);
    return reader;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id: string | undefined;
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length) this.events.push({ id, event, data: JSON.parse(data.join('\n')) });
      }
    }
  }

  named(event: string): SseEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  async waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs = 30_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for SSE events; got ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.events;
  }

  close(): void {
    this.controller.abort();
  }
}

/** Sandbox uids of the team tests: a block of 100 at random in [1_500_000, 1_600_000). */
export function teamUidBase(): string {
  return String(1_500_000 + Math.floor(Math.random() * 1000) * 100);
}

export interface TeamBed {
  server: TestServer;
  admin: TestClient;
  /** Editor, viewer, and a member of the server who is not in the workspace. */
  bob: TestClient;
  cat: TestClient;
  dan: TestClient;
  ids: { admin: string; bob: string; cat: string; dan: string };
  workspaceId: string;
  close(): Promise<void>;
}

/** A server (host-driver workspaces: no sandbox needed) with workspace "team": ada owns it, bob edits, cat views. */
export async function startTeamBed(
  options: { database?: TestDatabase; env?: Record<string, string>; clock?: Clock } = {},
) {
  const server = await startTestServer({
    ...(options.database && { database: options.database }),
    ...(options.clock && { clock: options.clock }),
    env: {
      HANGAR_TEMPLATES: JSON.stringify({ plain: { driver: 'host', network: 'full' } }),
      HANGAR_DEFAULT_TEMPLATE: 'plain',
      HANGAR_HOST_DRIVER_MULTI_USER: 'true',
      HANGAR_SANDBOX_UID_BASE: teamUidBase(),
      HANGAR_SANDBOX_UID_COUNT: '100',
      ...options.env,
    },
    agents: new Map(),
  });
  const admin = await setupAdmin(server);
  const bob = await createMember(server, admin, 'bob');
  const cat = await createMember(server, admin, 'cat');
  const dan = await createMember(server, admin, 'dan');
  const idOf = async (client: TestClient) => (await client.get('/api/me')).body.user.id as string;
  const ids = { admin: await idOf(admin), bob: await idOf(bob), cat: await idOf(cat), dan: await idOf(dan) };
  const workspace = await createWorkspace(admin, { name: 'team' });
  expect(workspace.body.state).toBe('running');
  const workspaceId = workspace.body.id as string;
  for (const [user, role] of [
    [ids.bob, 'editor'],
    [ids.cat, 'viewer'],
  ] as const) {
    expect(
      (await admin.request('PUT', `/api/workspaces/${workspaceId}/members/${user}`, { role })).status,
    ).toBe(200);
  }
  const bed: TeamBed = {
    server,
    admin,
    bob,
    cat,
    dan,
    ids,
    workspaceId,
    close: async () => {
      await admin.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'team' });
      await server.services.workspaces.settle();
      await server.stop();
    },
  };
  return bed;
}
