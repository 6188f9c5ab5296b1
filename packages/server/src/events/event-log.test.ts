import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventType, type StoredEvent } from '@hangar/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../common/clock.js';
import { openStore, type Store } from '../store/database.js';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import { EventLog } from './event-log.js';
import { insertSessionRow } from '../test/sessions.js';

const DIALECTS = await dialectCases();
const text = (delta: string) => ({ type: EventType.TEXT_MESSAGE_CONTENT as const, messageId: 'm1', delta });

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] session event log`, () => {
    let database: TestDatabase;
    let store: Store;
    let log: EventLog;
    const dir = mkdtempSync(join(tmpdir(), 'hangar-events-'));
    const now = new Date().toISOString();

    beforeAll(async () => {
      database = await dialect.create();
      store = openStore(database.url);
      await store.migrate();
      await store.db
        .insertInto('workspaces')
        .values({
          id: 'w1',
          name: 'w1',
          state: 'running',
          error: null,
          template: 't',
          driver: 'host',
          network: 'none',
          source: '{"type":"empty"}',
          branch: null,
          uid: 1,
          created_by: null,
          created_at: now,
          updated_at: now,
          last_active_at: now,
          prepared_at: now,
          archived_at: null,
          files_expired_at: null,
          disk_bytes: null,
          disk_measured_at: null,
          token_generation: 0,
          token_active: 0,
        })
        .execute();
      for (const id of ['s1', 's2', 's3']) await insertSessionRow(store.db, { id, workspace_id: 'w1' });
      log = new EventLog(store.db, systemClock, store.sqlite);
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('numbers events 1, 2, 3… per session and reads them back in order', async () => {
      await log.append('s1', { type: EventType.RUN_STARTED, threadId: 's1', runId: 'r1' });
      await log.append('s1', text('Hel'));
      await log.append('s2', text('other session'));
      await log.append('s1', text('lo'));
      const events = await log.read('s1');
      expect(events.map((e) => e.id)).toEqual([1, 2, 3]);
      expect(events.map((e) => e.event.type)).toEqual([
        'RUN_STARTED',
        'TEXT_MESSAGE_CONTENT',
        'TEXT_MESSAGE_CONTENT',
      ]);
      expect((await log.read('s1', 2)).map((e) => e.id)).toEqual([3]);
      expect((await log.read('s2')).map((e) => e.id)).toEqual([1]);
    });

    it('stores appends made at once by several sessions (one INSERT per loop turn), numbered and delivered in order', async () => {
      const ids = ['b1', 'b2', 'b3'];
      for (const id of ids) await insertSessionRow(store.db, { id, workspace_id: 'w1' });
      const seen = new Map<string, number[]>(ids.map((id) => [id, []]));
      const stops = await Promise.all(ids.map((id) => log.follow(id, 0, (e) => seen.get(id)!.push(e.id))));
      // Not awaited one by one: all 150 appends are pending together.
      const appended = await Promise.all(
        Array.from({ length: 50 }, (_, i) => ids.map((id) => log.append(id, text(`${id}-${i}`)))).flat(),
      );
      for (const stop of stops) stop();
      for (const id of ids) {
        const mine = appended.filter((e) => e.sessionId === id).map((e) => e.id);
        expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(seen.get(id)).toEqual(mine);
        const stored = await log.read(id);
        expect(stored.map((e) => (e.event as { delta: string }).delta)).toEqual(
          Array.from({ length: 50 }, (_, i) => `${id}-${i}`),
        );
      }
    });

    it('goes on when a subscriber throws: the append succeeds and other subscribers hear of it', async () => {
      const seen: number[] = [];
      const last = (await log.read('s2')).at(-1)?.id ?? 0;
      const stopBad = await log.follow('s2', last, () => {
        throw new Error('a broken subscriber');
      });
      const stopGood = await log.follow('s2', last, (e) => seen.push(e.id));
      const warned = new Promise((resolve) => process.once('warning', resolve));
      const appended = await log.append('s2', text('still stored'));
      expect(seen).toEqual([appended.id]);
      expect(String(await warned)).toContain('a broken subscriber');
      stopBad();
      stopGood();
      expect((await log.append('s2', text('and the next one'))).id).toBe(appended.id + 1);
    });

    it('keeps an append made while another query’s transaction is open, though that transaction rolls back', async () => {
      let appended: Promise<StoredEvent> | undefined;
      await expect(
        store.db.transaction().execute(async (trx) => {
          await trx.updateTable('agent_sessions').set({ title: 'renamed' }).where('id', '=', 's2').execute();
          appended = log.append('s2', text('written beside a transaction'));
          await new Promise((resolve) => setTimeout(resolve, 20)); // the log flushes meanwhile
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      const stored = await appended!;
      expect((await log.read('s2', stored.id - 1)).map((e) => e.event)).toEqual([
        text('written beside a transaction'),
      ]);
    });

    it('refuses an event that is not a valid AG-UI event', async () => {
      await expect(
        log.append('s1', { type: 'TEXT_MESSAGE_CONTENT', delta: 'no message id' } as never),
      ).rejects.toThrow();
      await expect(log.append('s1', { type: 'NOT_AN_EVENT' } as never)).rejects.toThrow();
    });

    it('continues numbering after a restart (a new log on the same store)', async () => {
      const restarted = new EventLog(store.db, systemClock, store.sqlite);
      expect((await restarted.append('s1', text('!'))).id).toBe(4);
    });

    it('follows from an id: replay, then live, with no gap and no duplicate while events keep coming', async () => {
      for (let i = 0; i < 50; i++) await log.append('s3', text(String(i)));
      const seen: StoredEvent[] = [];
      const writer = (async () => {
        for (let i = 50; i < 150; i++) await log.append('s3', text(String(i)));
      })();
      const stop = await log.follow('s3', 10, (e) => seen.push(e));
      await writer;
      stop();
      expect(seen.map((e) => e.id)).toEqual(Array.from({ length: 140 }, (_, i) => i + 11));
      await log.append('s3', text('after unsubscribe'));
      expect(seen).toHaveLength(140);
    });
  });
}
