import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventType, type AgentEvent } from '@hangar/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/databases.js';
import { startTeamBed, type TeamBed } from '../../test/team.js';
import { newId } from '../../common/crypto.js';
import { verifyBody } from './signature.js';
import { insertSessionRow } from '../../test/sessions.js';

const DIALECTS = await dialectCases();

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on loopback; `/flaky` answers 500 to its first two requests. */
async function startReceiver() {
  const received: Received[] = [];
  let flaky = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const fail = request.url === '/flaky' && flaky++ < 2;
      response.writeHead(fail ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function until<T>(
  get: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] webhooks`, () => {
    let database: TestDatabase;
    let bed: TeamBed;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    let secret: string;
    let globalId: string;

    beforeAll(async () => {
      database = await dialect.create();
      bed = await startTeamBed({ database });
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await bed?.close();
      await receiver?.close();
      await database?.drop();
    });

    it('creates a webhook, returns its secret once, and keeps it sealed', async () => {
      const created = await bed.admin.post('/api/webhooks', {
        url: `${receiver.url}/hook`,
        events: ['chat.mention', 'session.started', 'session.failed'],
      });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      expect(created.body.workspaceId).toBeNull();
      secret = created.body.secret;
      globalId = created.body.id;
      const listed = await bed.admin.get('/api/webhooks');
      expect(listed.body.webhooks).toHaveLength(1);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      const stored = await bed.server.store.db
        .selectFrom('webhooks' as never)
        .selectAll()
        .execute();
      expect(JSON.stringify(stored)).not.toContain(secret);
    });

    it('delivers a chat mention signed with HMAC-SHA256', async () => {
      await bed.bob.post(`/api/workspaces/${bed.workspaceId}/chat/messages`, { text: 'ping @ada' });
      const [hit] = await until(
        () => receiver.received.filter((r) => r.path === '/hook'),
        (list) => list.length > 0,
      );
      expect(hit!.headers['x-hangar-event']).toBe('chat.mention');
      expect(hit!.headers['content-type']).toBe('application/json');
      expect(verifyBody(secret, hit!.body, hit!.headers['x-hangar-signature-256'] as string)).toBe(true);
      expect(
        verifyBody('not the secret at all', hit!.body, hit!.headers['x-hangar-signature-256'] as string),
      ).toBe(false);
      const body = JSON.parse(hit!.body);
      expect(body).toMatchObject({
        event: 'chat.mention',
        workspace: { id: bed.workspaceId, name: 'team' },
        data: { message: { text: 'ping @ada', author: { username: 'bob' } }, mentioned: [bed.ids.admin] },
      });
      expect(body.id).toBe(hit!.headers['x-hangar-delivery']);
    });

    it('delivers session events from the event log', async () => {
      const sessionId = newId();
      await insertSessionRow(bed.server.store.db, {
        id: sessionId,
        workspace_id: bed.workspaceId,
        title: 'Fix the build',
        created_by: bed.ids.bob,
      });
      const append = (event: AgentEvent) => bed.server.services.agentSessions.events.append(sessionId, event);
      await append({
        type: EventType.CUSTOM,
        name: 'hangar.status',
        value: { status: 'idle', stalled: false },
      });
      await append({ type: EventType.RUN_ERROR, message: 'the model is gone' });
      await bed.server.services.team.settle();
      const hits = await until(
        () => receiver.received.filter((r) => r.headers['x-hangar-event']?.toString().startsWith('session.')),
        (list) => list.length >= 2,
      );
      expect(hits.map((h) => h.headers['x-hangar-event']).sort()).toEqual([
        'session.failed',
        'session.started',
      ]);
      const failed = JSON.parse(hits.find((h) => h.headers['x-hangar-event'] === 'session.failed')!.body);
      expect(failed.data).toMatchObject({
        session: { id: sessionId, title: 'Fix the build', createdBy: bed.ids.bob },
        message: 'the model is gone',
      });
      for (const hit of hits)
        expect(verifyBody(secret, hit.body, hit.headers['x-hangar-signature-256'] as string)).toBe(true);
      // The same signals reach the chat as system messages.
      const chat = await bed.admin.get(`/api/workspaces/${bed.workspaceId}/chat/messages`);
      const system = chat.body.messages.filter((m: { type: string }) => m.type === 'system');
      expect(system.map((m: { text: string }) => m.text)).toEqual([
        'bob started a pi session',
        'The pi session failed: the model is gone',
      ]);
    });

    it('retries a failing receiver with backoff and logs every attempt', async () => {
      const created = await bed.admin.post('/api/webhooks', {
        url: `${receiver.url}/flaky`,
        events: ['chat.mention'],
        workspaceId: bed.workspaceId,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      await bed.admin.post(`/api/workspaces/${bed.workspaceId}/chat/messages`, { text: 'hey @bob' });
      const log = () => bed.admin.get(`/api/webhooks/${id}/deliveries`).then((r) => r.body.deliveries);
      const first = await until(log, (d) => d[0]?.attempts === 1);
      expect(first[0]).toMatchObject({ status: 'pending', responseStatus: 500, event: 'chat.mention' });
      expect(first[0].error).toContain('500');
      expect(first[0].nextAttemptAt).not.toBeNull();
      // 1 s, then 4 s later: the third attempt succeeds.
      const done = await until(log, (d) => d[0]?.status === 'succeeded', 15_000);
      expect(done[0]).toMatchObject({ attempts: 3, responseStatus: 204, error: null, nextAttemptAt: null });
      const flaky = receiver.received.filter((r) => r.path === '/flaky');
      expect(flaky).toHaveLength(3);
      expect(new Set(flaky.map((r) => r.headers['x-hangar-delivery'])).size).toBe(1);
      expect(new Set(flaky.map((r) => r.body)).size).toBe(1);
    }, 30_000);

    it('refuses to deliver to a private address when the webhook’s creator is not an admin', async () => {
      const created = await bed.admin.post('/api/webhooks', {
        url: `${receiver.url}/creator-demoted`,
        events: ['chat.mention'],
        workspaceId: bed.workspaceId,
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      // As if its creator were no admin any more: checked on every delivery, not only at creation.
      await bed.server.store.db
        .updateTable('webhooks' as never)
        .set({ created_by: bed.ids.bob } as never)
        .where('id' as never, '=', id as never)
        .execute();
      await bed.admin.post(`/api/workspaces/${bed.workspaceId}/chat/messages`, { text: 'again @bob' });
      const log = () => bed.admin.get(`/api/webhooks/${id}/deliveries`).then((r) => r.body.deliveries);
      const [delivery] = await until(log, (d) => d[0]?.status === 'failed');
      expect(delivery).toMatchObject({ attempts: 1, responseStatus: null, nextAttemptAt: null });
      expect(delivery.error).toContain('private address');
      expect(receiver.received.filter((r) => r.path === '/creator-demoted')).toEqual([]);
    });

    it('lets only admins and workspace owners manage webhooks and see deliveries', async () => {
      const body = { url: 'https://hooks.example.com/x', events: ['session.finished'] };
      expect((await bed.bob.post('/api/webhooks', body)).status).toBe(403); // global: admins only
      expect((await bed.bob.post('/api/webhooks', { ...body, workspaceId: bed.workspaceId })).status).toBe(
        403,
      );
      expect((await bed.dan.post('/api/webhooks', { ...body, workspaceId: bed.workspaceId })).status).toBe(
        404,
      );
      expect((await bed.bob.get('/api/webhooks')).status).toBe(403);
      expect((await bed.bob.get(`/api/webhooks/${globalId}/deliveries`)).status).toBe(404);
      expect((await bed.dan.get(`/api/webhooks?workspace=${bed.workspaceId}`)).status).toBe(404);
      // An owner who is not an admin may not aim at this machine.
      await bed.admin.request('PUT', `/api/workspaces/${bed.workspaceId}/members/${bed.ids.bob}`, {
        role: 'owner',
      });
      const loopback = await bed.bob.post('/api/webhooks', {
        ...body,
        url: receiver.url,
        workspaceId: bed.workspaceId,
      });
      expect(loopback.status).toBe(400);
      const own = await bed.bob.post('/api/webhooks', { ...body, workspaceId: bed.workspaceId });
      expect(own.status).toBe(201);
      expect((await bed.bob.get(`/api/webhooks/${own.body.id}/deliveries`)).body).toEqual({ deliveries: [] });
      expect((await bed.bob.request('DELETE', `/api/webhooks/${own.body.id}`)).status).toBe(200);
      await bed.admin.request('PUT', `/api/workspaces/${bed.workspaceId}/members/${bed.ids.bob}`, {
        role: 'editor',
      });

      const bad = await bed.admin.post('/api/webhooks', { url: 'ftp://x', events: [] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.id).toBe('validation_failed');
      const unknown = await bed.admin.post('/api/webhooks', { url: 'https://x.example', events: ['nope'] });
      expect(unknown.status).toBe(400);
    });
  });
}
