import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventType } from '@hangar/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../test/server.js';
import { insertSessionRow } from '../test/sessions.js';
import { SseTestClient } from '../test/sse-client.js';
import { createWorkspace } from '../test/workspaces.js';

/**
 * Two replicas on one PostgreSQL database (issue 19): a client's streams on one replica get
 * everything written through the other — chat, session events, notifications, presence —
 * gapless, and resumable with Last-Event-ID.
 */

const postgres = (await dialectCases()).find((d) => d.dialect === 'postgres')!;

const TEAM_ENV = {
  HANGAR_TEMPLATES: JSON.stringify({ plain: { driver: 'host', network: 'full' } }),
  HANGAR_DEFAULT_TEMPLATE: 'plain',
  HANGAR_HOST_DRIVER_MULTI_USER: 'true',
};

/** The same logged-in person, talking to another replica (sessions live in the database). */
function on(server: TestServer, client: TestClient): TestClient {
  const other = server.client();
  other.cookie = client.cookie;
  return other;
}

const text = (delta: string) => ({ type: EventType.TEXT_MESSAGE_CONTENT as const, messageId: 'm1', delta });

describe.skipIf(postgres.skipReason)('fan-out between two replicas on one PostgreSQL database', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'hangar-key-'));
  const keyFile = join(keyDir, 'secret.key');
  let database: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let adaA: TestClient;
  let adaB: TestClient;
  let bobA: TestClient;
  let bobB: TestClient;
  let workspaceId: string;
  const streams: SseTestClient[] = [];
  const open = async (client: TestClient, path: string, headers: Record<string, string> = {}) => {
    const stream = await SseTestClient.open(client, path, headers);
    streams.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };

  beforeAll(async () => {
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    database = await postgres.create();
    const start = (id: string) =>
      startTestServer({
        database,
        agents: new Map(),
        env: { ...TEAM_ENV, HANGAR_REPLICA_ID: id, HANGAR_SECRET_KEY_FILE: keyFile },
      });
    a = await start('replica-a');
    b = await start('replica-b');
    // Each replica made a setup link at its start; the last one made is the one that holds.
    adaB = await setupAdmin(b);
    adaA = on(a, adaB);
    bobA = await createMember(a, adaA, 'bob');
    bobB = on(b, bobA);
    const bobId = (await bobA.get('/api/me')).body.user.id as string;
    workspaceId = (await createWorkspace(adaA, { name: 'shared' })).body.id as string;
    const added = await adaA.request('PUT', `/api/workspaces/${workspaceId}/members/${bobId}`, {
      role: 'editor',
    });
    expect(added.status).toBe(200);
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await a?.stop();
    await b?.stop();
    await database?.drop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('streams every chat message posted on one replica to a client of the other, gapless, resuming with Last-Event-ID', async () => {
    const chat = `/api/workspaces/${workspaceId}/chat`;
    const first = await open(adaB, `${chat}/events`);
    for (let i = 1; i <= 10; i++)
      expect((await bobA.post(`${chat}/messages`, { text: `m${i}` })).status).toBe(201);
    // Posted at once, through both replicas: each gets its own id.
    const posted = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? bobA : bobB).post(`${chat}/messages`, { text: `m${11 + i}` }),
      ),
    );
    expect(posted.map((p) => p.status)).toEqual(Array(20).fill(201));
    const messages = () => first.events.filter((e) => e.event === 'message');
    await first.waitFor(() => messages().length === 30);
    expect(messages().map((e) => Number(e.id))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(messages().map((e) => e.data.text as string)).size).toBe(30);
    // An edit on A reaches B's stream after its message.
    expect((await bobA.patch(`${chat}/messages/3`, { text: 'm3, edited' })).status).toBe(200);
    const edited = await first.waitFor((e) => e.event === 'message_updated');
    expect(edited.data).toMatchObject({ id: 3, text: 'm3, edited' });
    first.close();

    for (let i = 31; i <= 35; i++) await bobA.post(`${chat}/messages`, { text: `m${i}` });
    const resumed = await open(adaB, `${chat}/events`, { 'last-event-id': '30' });
    await resumed.waitFor(() => resumed.events.filter((e) => e.event === 'message').length === 5);
    await bobA.post(`${chat}/messages`, { text: 'm36' });
    await resumed.waitFor((e) => e.event === 'message' && e.id === '36');
    expect(resumed.events.filter((e) => e.event === 'message').map((e) => e.data.text)).toEqual([
      'm31',
      'm32',
      'm33',
      'm34',
      'm35',
      'm36',
    ]);
    resumed.close();
  });

  it('streams every event a session appends on one replica to a client of the other, resuming with Last-Event-ID', async () => {
    const sessionId = 'fan-out-session';
    await insertSessionRow(a.store.db, { id: sessionId, workspace_id: workspaceId });
    const log = a.services.agentSessions.events;
    await log.append(sessionId, { type: EventType.RUN_STARTED, threadId: sessionId, runId: 'r1' });
    const first = await open(adaB, `/api/sessions/${sessionId}/events`);
    for (let i = 0; i < 30; i++) await log.append(sessionId, text(`t${i}`));
    // A burst: one INSERT, one notice.
    await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(sessionId, text(`t${30 + i}`))));
    await first.waitFor(() => first.events.length === 61);
    expect(first.events.map((e) => Number(e.id))).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
    expect(first.events.slice(1).map((e) => e.data.event.delta)).toEqual(
      Array.from({ length: 60 }, (_, i) => `t${i}`),
    );
    first.close();

    for (let i = 60; i < 65; i++) await log.append(sessionId, text(`t${i}`));
    const resumed = await open(adaB, `/api/sessions/${sessionId}/events`, { 'last-event-id': '61' });
    await log.append(sessionId, text('t65'));
    await resumed.waitFor(() => resumed.events.length === 6);
    expect(resumed.events.map((e) => Number(e.id))).toEqual([62, 63, 64, 65, 66, 67]);
    resumed.close();
  });

  it('pushes a notification made on one replica to the person’s stream on the other', async () => {
    const stream = await open(adaB, '/api/notifications/stream');
    const posted = await bobA.post(`/api/workspaces/${workspaceId}/chat/messages`, { text: 'look @ada' });
    expect(posted.status).toBe(201);
    const pushed = await stream.waitFor((e) => e.event === 'notification');
    expect(pushed.data).toMatchObject({ notification: { kind: 'mention', workspaceId } });
    stream.close();
  });

  it('shows presence on one replica to the tabs of the other: snapshot, join, update, leave and the chat they carry', async () => {
    const presence = `/api/workspaces/${workspaceId}/presence`;
    const ada = await open(adaA, `${presence}/stream?tab=ada-tab-000001&panel=chat`);
    await ada.waitFor((e) => e.event === 'snapshot');
    const bob = await open(bobB, `${presence}/stream?tab=bob-tab-000001&panel=files`);
    const snapshot = await bob.waitFor((e) => e.event === 'snapshot');
    expect(snapshot.data.members.map((m: { username: string }) => m.username)).toEqual(['ada', 'bob']);
    expect((await bobB.get(presence)).body.members).toHaveLength(2);
    const joined = await ada.waitFor((e) => e.event === 'join');
    expect(joined.data).toMatchObject({ username: 'bob', panel: 'files', tabs: 1 });

    expect(
      (await adaA.post(`${presence}/heartbeat`, { tab: 'ada-tab-000001', panel: 'terminal' })).status,
    ).toBe(200);
    const updated = await bob.waitFor((e) => e.event === 'update');
    expect(updated.data).toMatchObject({ username: 'ada', panel: 'terminal' });
    // The tab's heartbeat may land on either replica.
    expect(
      (await adaB.post(`${presence}/heartbeat`, { tab: 'ada-tab-000001', panel: 'terminal' })).status,
    ).toBe(200);

    await adaA.post(`/api/workspaces/${workspaceId}/chat/messages`, { text: 'on the presence stream' });
    const carried = await bob.waitFor((e) => e.event === 'message');
    expect(carried.data).toMatchObject({ text: 'on the presence stream' });

    ada.close();
    const left = await bob.waitFor((e) => e.event === 'leave');
    expect(left.data).toEqual({ userId: (await adaA.get('/api/me')).body.user.id });
    bob.close();
  });
});
