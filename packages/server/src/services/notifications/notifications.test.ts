import { EventType, type AgentEvent } from '@hangar/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/databases.js';
import { SseReader, startTeamBed, type TeamBed } from '../../test/team.js';
import { newId } from '../../common/crypto.js';
import { insertSessionRow } from '../../test/sessions.js';

const DIALECTS = await dialectCases();

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] notifications`, () => {
    let database: TestDatabase;
    let bed: TeamBed;
    const readers: SseReader[] = [];
    const kinds = async () =>
      ((await bed.bob.get('/api/notifications')).body.notifications as { kind: string }[]).map((n) => n.kind);

    beforeAll(async () => {
      database = await dialect.create();
      bed = await startTeamBed({ database });
    });
    afterAll(async () => {
      for (const reader of readers) reader.close();
      await bed?.close();
      await database?.drop();
    });

    it('tells a mentioned member live, and counts it unread until read', async () => {
      const stream = await SseReader.open(bed.bob, '/api/notifications/stream');
      readers.push(stream);
      const other = await SseReader.open(bed.cat, '/api/notifications/stream');
      readers.push(other);
      await bed.admin.post(`/api/workspaces/${bed.workspaceId}/chat/messages`, {
        text: 'look at this, @bob',
      });
      await stream.waitFor((events) => events.length > 0);
      expect(stream.events[0]).toMatchObject({
        event: 'notification',
        data: {
          browser: true,
          notification: {
            kind: 'mention',
            title: 'Ada mentioned you in team',
            body: 'look at this, @bob',
            workspaceId: bed.workspaceId,
            readAt: null,
          },
        },
      });
      const list = await bed.bob.get('/api/notifications');
      expect(list.body.unread).toBe(1);
      expect(other.events).toEqual([]); // cat was not mentioned
      expect((await bed.cat.get('/api/notifications')).body).toEqual({ notifications: [], unread: 0 });
      const id = list.body.notifications[0].id as string;
      // Someone else's id marks nothing.
      expect((await bed.cat.post('/api/notifications/read', { ids: [id] })).body).toEqual({ unread: 0 });
      expect((await bed.bob.get('/api/notifications?unread=true')).body.notifications).toHaveLength(1);
      expect((await bed.bob.post('/api/notifications/read', { ids: [id] })).body).toEqual({ unread: 0 });
      expect((await bed.bob.get('/api/notifications?unread=true')).body.notifications).toHaveLength(0);
      // Mentioning yourself notifies nobody.
      await bed.bob.post(`/api/workspaces/${bed.workspaceId}/chat/messages`, { text: 'note to @bob' });
      expect((await bed.bob.get('/api/notifications')).body.notifications).toHaveLength(1);
    });

    it('follows per-user settings', async () => {
      const defaults = await bed.bob.get('/api/notifications/settings');
      expect(defaults.body.mention).toEqual({ inApp: true, browser: true });
      const off = await bed.bob.request('PUT', '/api/notifications/settings', {
        mention: { inApp: false, browser: false },
      });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ mention: { inApp: false, browser: false }, failed: { inApp: true } });
      await bed.admin.post(`/api/workspaces/${bed.workspaceId}/chat/messages`, { text: 'again @bob' });
      expect((await bed.bob.get('/api/notifications')).body.notifications).toHaveLength(1);
      // Others keep theirs.
      expect((await bed.cat.get('/api/notifications/settings')).body.mention.inApp).toBe(true);
      const bad = await bed.bob.request('PUT', '/api/notifications/settings', { mention: { inApp: 'yes' } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.id).toBe('validation_failed');
      await bed.bob.request('PUT', '/api/notifications/settings', {
        mention: { inApp: true, browser: true },
      });
    });

    it('tells whoever started a session when it awaits approval, finishes or fails', async () => {
      const sessionId = newId();
      await insertSessionRow(bed.server.store.db, {
        id: sessionId,
        workspace_id: bed.workspaceId,
        title: 'Tidy up',
        created_by: bed.ids.bob,
      });
      const append = (event: AgentEvent) => bed.server.services.agentSessions.events.append(sessionId, event);
      const status = (value: string) =>
        append({ type: EventType.CUSTOM, name: 'hangar.status', value: { status: value, stalled: false } });
      await status('idle');
      await status('awaiting_approval');
      await append({ type: EventType.RUN_FINISHED, threadId: sessionId, runId: 'r1' });
      await append({ type: EventType.RUN_ERROR, message: 'boom' });
      await bed.server.services.team.settle();
      expect((await kinds()).slice(0, 3).sort()).toEqual(['approval', 'failed', 'finished']);
      const list = (await bed.bob.get('/api/notifications')).body.notifications as {
        kind: string;
        link: string;
        body: string;
      }[];
      expect(list.find((n) => n.kind === 'failed')).toMatchObject({
        link: `/workspaces/${bed.workspaceId}?session=${sessionId}`,
        body: '“Tidy up” in team: boom',
      });
      // The owner may answer approvals too; the run's end, and so the approval, is the starter's news.
      const admins = (await bed.admin.get('/api/notifications')).body;
      expect(admins.notifications.map((n: { kind: string }) => n.kind)).toEqual(['approval']);
      expect(admins.unread).toBe(0); // the run ended: nothing is left to answer
    });

    it("tells the workspace's editors of an approval, and marks it read for all once answered", async () => {
      const unread = async (who: 'admin' | 'bob' | 'cat' | 'dan') =>
        (await bed[who].get('/api/notifications?unread=true')).body as {
          notifications: { kind: string; link: string }[];
          unread: number;
        };
      const before = { admin: await unread('admin'), bob: await unread('bob') };
      const stream = await SseReader.open(bed.bob, '/api/notifications/stream');
      readers.push(stream);
      const sessionId = newId();
      await insertSessionRow(bed.server.store.db, {
        id: sessionId,
        workspace_id: bed.workspaceId,
        title: 'Owner asks',
        created_by: bed.ids.admin,
      });
      const append = (event: AgentEvent) => bed.server.services.agentSessions.events.append(sessionId, event);
      await append({
        type: EventType.CUSTOM,
        name: 'hangar.status',
        value: { status: 'idle', stalled: false },
      });
      await append({
        type: EventType.CUSTOM,
        name: 'hangar.status',
        value: { status: 'awaiting_approval', stalled: false },
      });
      await bed.server.services.team.settle();
      const link = `/workspaces/${bed.workspaceId}?session=${sessionId}`;
      const bobs = await unread('bob');
      expect(bobs.unread).toBe(before.bob.unread + 1);
      expect(bobs.notifications[0]).toMatchObject({ kind: 'approval', link });
      expect((await unread('admin')).unread).toBe(before.admin.unread + 1);
      // A viewer cannot answer it, and a stranger does not see the workspace.
      expect((await unread('cat')).notifications.filter((n) => n.link === link)).toEqual([]);
      expect((await unread('dan')).notifications.filter((n) => n.link === link)).toEqual([]);

      await append({
        type: EventType.CUSTOM,
        name: 'hangar.permission_answer',
        value: { requestId: 'q1', decision: 'allow', answeredBy: bed.ids.admin },
      });
      await bed.server.services.team.settle();
      expect((await unread('bob')).unread).toBe(before.bob.unread);
      expect((await unread('admin')).unread).toBe(before.admin.unread);
      // Bob's open tab hears that it was resolved (so its count drops without a reload).
      await stream.waitFor((events) =>
        events.some(
          (e) => (e.data as { notification: { readAt: string | null } }).notification.readAt !== null,
        ),
      );
    });

    it('warns once a month when a budget is nearly spent', async () => {
      const setBudget = async (monthlyUsd: number) =>
        expect(
          (await bed.admin.request('PUT', `/api/budgets/user/${bed.ids.bob}`, { monthlyUsd })).status,
        ).toBe(200);
      const call = (cost: number) => ({
        id: newId(),
        workspace_id: bed.workspaceId,
        session_id: null,
        user_id: bed.ids.bob,
        provider: 'anthropic',
        api: 'anthropic-messages',
        model: 'm',
        input_tokens: 1,
        output_tokens: 1,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        reasoning_tokens: 0,
        cost_usd: cost,
        status: 200,
        error: null,
        streamed: 0,
        first_byte_ms: null,
        duration_ms: 1,
        created_at: new Date().toISOString(),
      });
      await bed.server.store.db
        .insertInto('llm_calls')
        .values([call(7), call(1.5)])
        .execute();
      await setBudget(20);
      await bed.server.services.team.budgets.check();
      expect((await kinds()).filter((k) => k === 'budget')).toHaveLength(0);
      await setBudget(10);
      await bed.server.services.team.budgets.check();
      await bed.server.services.team.budgets.check();
      const budget = (
        (await bed.bob.get('/api/notifications')).body.notifications as { kind: string; body: string }[]
      ).filter((n) => n.kind === 'budget');
      expect(budget).toHaveLength(1);
      expect(budget[0]!.body).toBe('$8.50 of $10.00 this month.');
    });
  });
}
