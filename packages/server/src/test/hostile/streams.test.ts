import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMember, setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { SseReader } from '../team.js';
import { TerminalClient } from '../terminal-client.js';
import { createWorkspace } from '../workspaces.js';
import { bwrapMissing } from '../requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

const PER_USER = 4;
const TOTAL = 6;

/** Opens an SSE stream that the caps must accept. */
async function openStream(client: TestClient, path = '/api/notifications/stream'): Promise<SseReader> {
  const reader = await SseReader.open(client, path);
  expect(reader.status, `${path} should be accepted`).toBe(200);
  return reader;
}

/**
 * Retries until the server has seen a closed stream go (a client's close
 * reaches it asynchronously): the freed slot must take a new stream.
 */
async function eventually<T>(attempt: () => Promise<T | undefined>, what: string): Promise<T> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const result = await attempt();
    if (result !== undefined) return result;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A WebSocket upgrade the caps refuse: its HTTP status and error body. */
function refusedUpgrade(client: TestClient, path: string): Promise<{ status: number; body: unknown }> {
  const url = new URL(path, client.baseUrl);
  url.protocol = 'ws:';
  const headers: Record<string, string> = { origin: client.baseUrl };
  if (client.cookie) headers.cookie = client.cookie;
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      reject(new Error('the upgrade was accepted past the cap'));
    });
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    });
    socket.once('error', reject);
  });
}

/**
 * Long-lived streams (server-sent events and the terminal WebSocket) are
 * capped per user and in total: past a cap the next one gets 429
 * `too_many_streams`, other users and /api/health are unaffected, and a
 * closed stream frees its slot.
 */
describe.skipIf(bwrapMissing)(`stream caps${bwrapMissing ? ` (skipped: ${bwrapMissing})` : ''}`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-streams-'));
  const env = {
    HANGAR_DEFAULT_TEMPLATE: 'offline',
    HANGAR_SANDBOX_UID_BASE: String(1_800_000 + Math.floor(Math.random() * 900) * 100),
    HANGAR_SANDBOX_UID_COUNT: '100',
    HANGAR_STREAMS_PER_USER: String(PER_USER),
    HANGAR_STREAMS_TOTAL: String(TOTAL),
  };
  let server: TestServer;
  let admin: TestClient;
  let bob: TestClient;
  let workspaceId: string;
  let terminalId: string;
  const open: { close(): void }[] = [];
  const keep = <T extends { close(): void }>(stream: T): T => (open.push(stream), stream);

  beforeAll(async () => {
    server = await startTestServer({ dataDir, env });
    admin = await setupAdmin(server);
    bob = await createMember(server, admin, 'bob');
    const ws = await createWorkspace(admin, { name: 'streams' });
    expect(ws.body.state, ws.body.error).toBe('running');
    workspaceId = ws.body.id;
    const term = await admin.post(`/api/workspaces/${workspaceId}/terminals`, { name: 'main' });
    expect(term.status).toBe(201);
    terminalId = term.body.id;
  }, 60_000);

  afterEach(async () => {
    for (const stream of open.splice(0)) stream.close();
    // Every slot comes back: the user's cap admits a full set again.
    const again = await eventually(async () => {
      const streams = await Promise.all(
        Array.from({ length: PER_USER }, () => SseReader.open(admin, '/api/notifications/stream')),
      );
      for (const s of streams) s.close();
      return streams.every((s) => s.status === 200) ? true : undefined;
    }, 'every stream slot to be freed');
    expect(again).toBe(true);
  });

  afterAll(async () => {
    if (workspaceId) await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'streams' });
    await server?.services.workspaces.settle();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses event streams past the per-user and total caps, frees them on close, keeps health up', async () => {
    const mine = [];
    for (let i = 0; i < PER_USER; i++) mine.push(keep(await openStream(admin)));

    const refused = await admin.get('/api/notifications/stream');
    expect(refused.status).toBe(429);
    expect(refused.body.error.id).toBe('too_many_streams');
    expect(refused.body.error.message).toContain('close a tab or a terminal');
    // The cap counts every kind of stream together.
    const chat = await admin.get(`/api/workspaces/${workspaceId}/chat/events`);
    expect(chat.status).toBe(429);
    expect(chat.body.error.id).toBe('too_many_streams');

    // Another user still gets streams, up to the server's total.
    for (let i = 0; i < TOTAL - PER_USER; i++) keep(await openStream(bob));
    const full = await bob.get('/api/notifications/stream');
    expect(full.status).toBe(429);
    expect(full.body.error.id).toBe('too_many_streams');
    expect(full.body.error.message).toContain('HANGAR_STREAMS_TOTAL');

    // Health answers while every slot is taken.
    expect((await server.client().get('/api/health')).status).toBe(200);
    expect((await admin.get('/api/workspaces')).status).toBe(200);

    // Closing one stream lets its owner open another (a reconnect).
    mine[0]!.close();
    const reconnected = await eventually(async () => {
      const reader = await SseReader.open(admin, '/api/notifications/stream');
      if (reader.status === 200) return reader;
      expect(reader.status).toBe(429);
      return undefined;
    }, 'a closed stream to free its slot');
    keep(reconnected);
  });

  it('refuses a terminal WebSocket past the cap with 429, and takes one once a slot is free', async () => {
    const path = `/api/workspaces/${workspaceId}/terminals/${terminalId}/ws`;
    const terminal = keep(await TerminalClient.open(admin, workspaceId, terminalId));
    const sse = [];
    for (let i = 1; i < PER_USER; i++) sse.push(keep(await openStream(admin)));

    const refused = await refusedUpgrade(admin, path);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { id: 'too_many_streams' } });
    // An event stream is refused too: the terminal holds a slot.
    expect((await admin.get('/api/notifications/stream')).status).toBe(429);
    expect((await server.client().get('/api/health')).status).toBe(200);

    // Closing the terminal frees its slot: the viewer reconnects.
    terminal.close();
    const reconnected = await eventually(
      () => TerminalClient.open(admin, workspaceId, terminalId).catch(() => undefined),
      'a closed terminal socket to free its slot',
    );
    keep(reconnected);
    reconnected.type('echo capped-$((40+2))\r');
    await reconnected.waitFor(/^capped-42$/m);
  });
});
