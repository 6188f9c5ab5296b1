import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../../test/databases.js';
import { SseReader, startTeamBed, type TeamBed } from '../../test/team.js';

const DIALECTS = await dialectCases();

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] workspace chat`, () => {
    let database: TestDatabase;
    let bed: TeamBed;
    let chat: string;
    const readers: SseReader[] = [];

    beforeAll(async () => {
      database = await dialect.create();
      bed = await startTeamBed({ database });
      chat = `/api/workspaces/${bed.workspaceId}/chat`;
    });
    afterAll(async () => {
      for (const reader of readers) reader.close();
      await bed?.close();
      await database?.drop();
    });

    it('posts Markdown with @mentions, and lets authors edit and delete their own', async () => {
      const posted = await bed.bob.post(`${chat}/messages`, { text: '**hi** @ada and @cat, not @nobody' });
      expect(posted.status).toBe(201);
      expect(posted.body).toMatchObject({
        type: 'user',
        text: '**hi** @ada and @cat, not @nobody',
        author: { userId: bed.ids.bob, username: 'bob' },
        sessionId: null,
        editedAt: null,
      });
      expect(new Set(posted.body.mentions)).toEqual(new Set([bed.ids.admin, bed.ids.cat]));
      const id = posted.body.id as number;

      const edited = await bed.bob.patch(`${chat}/messages/${id}`, { text: 'hello @cat' });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ text: 'hello @cat', mentions: [bed.ids.cat] });
      expect(edited.body.editedAt).not.toBeNull();

      // Not someone else's, not even an owner's or an admin's.
      const other = await bed.admin.patch(`${chat}/messages/${id}`, { text: 'changed' });
      expect(other.status).toBe(403);
      expect(other.body.error.id).toBe('forbidden');
      expect((await bed.admin.delete(`${chat}/messages/${id}`)).status).toBe(403);

      const removed = await bed.bob.delete(`${chat}/messages/${id}`);
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ text: '', mentions: [] });
      expect(removed.body.deletedAt).not.toBeNull();
      expect((await bed.bob.patch(`${chat}/messages/${id}`, { text: 'back' })).status).toBe(409);
      expect((await bed.bob.patch(`${chat}/messages/999999`, { text: 'x' })).status).toBe(404);
    });

    it('lets a viewer read but not post, and refuses bad input with what to fix', async () => {
      const viewer = await bed.cat.post(`${chat}/messages`, { text: 'may I?' });
      expect(viewer.status).toBe(403);
      expect(viewer.body.error.id).toBe('forbidden');
      expect((await bed.cat.get(`${chat}/messages`)).status).toBe(200);

      const empty = await bed.bob.post(`${chat}/messages`, { text: '   ' });
      expect(empty.status).toBe(400);
      expect(empty.body.error.id).toBe('validation_failed');
      expect(JSON.stringify(empty.body.error.details)).toContain('write a message');
      const long = await bed.bob.post(`${chat}/messages`, { text: 'x'.repeat(20_001) });
      expect(long.status).toBe(400);
      expect((await bed.bob.get(`${chat}/messages?limit=0`)).status).toBe(400);
      expect((await bed.bob.get(`${chat}/messages?after=-1`)).status).toBe(400);
    });

    it('answers 404 to a non-member on every chat route and on presence', async () => {
      const presence = `/api/workspaces/${bed.workspaceId}/presence`;
      const attempts = [
        bed.dan.get(`${chat}/messages`),
        bed.dan.post(`${chat}/messages`, { text: 'hi' }),
        bed.dan.patch(`${chat}/messages/1`, { text: 'hi' }),
        bed.dan.delete(`${chat}/messages/1`),
        bed.dan.get(`${chat}/unread`),
        bed.dan.post(`${chat}/read`, { lastReadId: 1 }),
        bed.dan.get(`${chat}/members`),
        bed.dan.get(`${chat}/events`),
        bed.dan.get(presence),
        bed.dan.get(`${presence}/stream?tab=dan-tab-0001`),
        bed.dan.post(`${presence}/heartbeat`, { tab: 'dan-tab-0001', panel: 'chat' }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(404);
        expect(res.body.error.id).toBe('not_found');
      }
      // …and no message was posted by the attempt.
      const page = await bed.admin.get(`${chat}/messages?limit=200`);
      expect(page.body.messages.some((m: { text: string }) => m.text === 'hi')).toBe(false);
    });

    it('refuses @agent with no agent to run, posting nothing', async () => {
      const before = (await bed.admin.get(`${chat}/messages?limit=1`)).body.messages.at(-1)?.id ?? 0;
      const res = await bed.bob.post(`${chat}/messages`, { text: '@agent run the tests' });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('No agent can run on this server');
      const after = (await bed.admin.get(`${chat}/messages?limit=1`)).body.messages.at(-1)?.id ?? 0;
      expect(after).toBe(before);
      // Only a message that starts with @agent goes to the agent.
      expect((await bed.bob.post(`${chat}/messages`, { text: 'ask @agent later' })).status).toBe(201);
    });

    it('lists the members for @mention autocomplete', async () => {
      const res = await bed.cat.get(`${chat}/members`);
      expect(res.status).toBe(200);
      expect(res.body.members.map((m: { username: string }) => m.username).sort()).toEqual([
        'ada',
        'bob',
        'cat',
      ]);
    });

    it('pages every message exactly once while 100 are posted concurrently', async () => {
      const before = await bed.admin.get(`${chat}/messages?limit=1`);
      const start = (before.body.messages.at(-1)?.id as number | undefined) ?? 0;
      const texts = Array.from({ length: 100 }, (_, i) => `concurrent ${i}`);
      const seen: number[] = [];
      const seenTexts: string[] = [];
      let cursor = start;
      const page = async () => {
        const res = await bed.cat.get(`${chat}/messages?after=${cursor}&limit=7`);
        expect(res.status).toBe(200);
        for (const m of res.body.messages as { id: number; text: string }[]) {
          expect(m.id).toBeGreaterThan(cursor);
          seen.push(m.id);
          seenTexts.push(m.text);
          cursor = m.id;
        }
        return res.body.hasMore as boolean;
      };
      let posting = true;
      const writers = Promise.all(
        texts.map((text, i) => (i % 2 ? bed.bob : bed.admin).post(`${chat}/messages`, { text })),
      ).finally(() => (posting = false));
      while (posting) await page();
      const results = await writers;
      expect(results.every((r) => r.status === 201)).toBe(true);
      while (await page());
      expect(new Set(seen).size).toBe(seen.length);
      expect(seenTexts.filter((t) => t.startsWith('concurrent ')).sort()).toEqual([...texts].sort());
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect(seen.length).toBe(100);

      // Scrolling back with `before` from the newest gives the same messages, each once.
      const back: number[] = [];
      let before2: number | undefined;
      for (;;) {
        const res = await bed.cat.get(`${chat}/messages?limit=30${before2 ? `&before=${before2}` : ''}`);
        const ids = (res.body.messages as { id: number }[]).map((m) => m.id);
        back.unshift(...ids);
        if (!res.body.hasMore || ids[0]! <= start + 1) break;
        before2 = ids[0];
      }
      expect(back.filter((id) => id > start)).toEqual(seen);
    });

    it('counts unread messages and mentions per member', async () => {
      const latest = (await bed.cat.get(`${chat}/messages?limit=1`)).body.messages[0].id as number;
      expect((await bed.cat.post(`${chat}/read`, { lastReadId: latest })).body).toMatchObject({
        unread: 0,
        lastReadId: latest,
      });
      await bed.admin.post(`${chat}/messages`, { text: 'one for @cat' });
      await bed.bob.post(`${chat}/messages`, { text: 'two' });
      const own = await bed.cat.get(`${chat}/unread`);
      expect(own.body).toEqual({ unread: 2, lastReadId: latest, mentions: 1 });
      // Bob's own message is not unread for him.
      const bobs = await bed.bob.get(`${chat}/unread`);
      expect(bobs.body.unread).toBeGreaterThan(0);
      const bobLast = (await bed.bob.get(`${chat}/messages?limit=1`)).body.messages[0].id as number;
      await bed.bob.post(`${chat}/read`, { lastReadId: bobLast - 1 });
      expect((await bed.bob.get(`${chat}/unread`)).body.unread).toBe(0);
      // The marker never moves back, and cannot move past the last message.
      await bed.cat.post(`${chat}/read`, { lastReadId: latest + 1000 });
      expect((await bed.cat.post(`${chat}/read`, { lastReadId: 1 })).body).toMatchObject({
        unread: 0,
        lastReadId: latest + 2,
      });
    });

    it('streams new messages and edits live, resuming after Last-Event-ID', async () => {
      const last = (await bed.cat.get(`${chat}/messages?limit=1`)).body.messages[0].id as number;
      const reader = await SseReader.open(bed.cat, `${chat}/events?after=${last}`);
      readers.push(reader);
      expect(reader.status).toBe(200);
      const posted = (await bed.bob.post(`${chat}/messages`, { text: 'live @cat' })).body;
      await reader.waitFor((events) => events.some((e) => e.event === 'message'));
      expect(reader.named('message')[0]).toMatchObject({
        id: String(posted.id),
        data: { text: 'live @cat' },
      });
      await bed.bob.patch(`${chat}/messages/${posted.id}`, { text: 'live, edited' });
      await reader.waitFor((events) => events.some((e) => e.event === 'message_updated'));
      expect(reader.named('message_updated')[0]?.data).toMatchObject({ id: posted.id, text: 'live, edited' });

      const resumed = await SseReader.open(bed.cat, `${chat}/events`, { 'last-event-id': String(last) });
      readers.push(resumed);
      await resumed.waitFor((events) => events.some((e) => e.event === 'message'));
      expect(resumed.named('message').map((e) => e.id)).toEqual([String(posted.id)]);
    });
  });
}
