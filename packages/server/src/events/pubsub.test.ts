import { EventType, type StoredEvent } from '@hangar/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../common/clock.js';
import { openStore, type Store } from '../store/database.js';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import { insertSessionRow } from '../test/sessions.js';
import { EventLog } from './event-log.js';
import { createPubSub, LocalPubSub, PostgresPubSub, type PubSub, type Topic } from './pubsub.js';

/** The keyed pub/sub (issue 19): in process on SQLite, LISTEN/NOTIFY between replicas on PostgreSQL. */

const DIALECTS = await dialectCases();
const postgres = DIALECTS.find((d) => d.dialect === 'postgres')!;

interface Posted {
  seq: number;
  /** Only this replica's subscribers see the body; other replicas read it from the table. */
  body?: string;
}
const POSTS: Topic<Posted> = {
  name: 'test_posts',
  notice: ({ seq }) => ({ seq }),
  fromNotice: (notice) => ({ seq: (notice as { seq: number }).seq }),
};

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const text = (delta: string) => ({ type: EventType.TEXT_MESSAGE_CONTENT as const, messageId: 'm1', delta });

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] keyed pub/sub, in process`, () => {
    let database: TestDatabase;
    let store: Store;
    let pubsub: PubSub;

    beforeAll(async () => {
      database = await dialect.create();
      store = openStore(database.url);
      await store.migrate();
      pubsub = createPubSub({ dialect: dialect.dialect, db: store.db, url: database.url, origin: 'solo' });
      await pubsub.ready();
    });
    afterAll(async () => {
      await pubsub?.close();
      await store?.close();
      await database?.drop();
    });

    it('hands a message whole to this process’s subscribers of its key only, once each, until they leave', async () => {
      const a: (Posted | undefined)[] = [];
      const b: (Posted | undefined)[] = [];
      const stopA = pubsub.subscribe(POSTS, 'w1', (m) => a.push(m));
      const stopB = pubsub.subscribe(POSTS, 'w2', (m) => b.push(m));
      await pubsub.publish(POSTS, 'w1', { seq: 1, body: 'hello' });
      expect(a).toEqual([{ seq: 1, body: 'hello' }]);
      expect(b).toEqual([]);
      stopA();
      await pubsub.publish(POSTS, 'w1', { seq: 2, body: 'gone' });
      await pubsub.publish(POSTS, 'w2', { seq: 1, body: 'other key' });
      // A notice of its own on PostgreSQL would come back through LISTEN: it is not delivered twice.
      await new Promise((r) => setTimeout(r, 200));
      expect(a).toHaveLength(1);
      expect(b).toEqual([{ seq: 1, body: 'other key' }]);
      stopB();
    });

    it('goes on when a subscriber throws', async () => {
      const errors: unknown[] = [];
      const local = new LocalPubSub((e) => errors.push(e));
      const seen: number[] = [];
      local.subscribe(POSTS, 'k', () => {
        throw new Error('broken subscriber');
      });
      local.subscribe(POSTS, 'k', (m) => seen.push(m!.seq));
      await local.publish(POSTS, 'k', { seq: 7 });
      expect(seen).toEqual([7]);
      expect(String(errors[0])).toContain('broken subscriber');
    });
  });
}

describe.skipIf(postgres.skipReason)('[postgres] keyed pub/sub between replicas', () => {
  let database: TestDatabase;
  let store: Store;
  let a: PostgresPubSub;
  let b: PostgresPubSub;

  beforeAll(async () => {
    database = await postgres.create();
    store = openStore(database.url);
    await store.migrate();
    a = new PostgresPubSub(store.db, database.url, 'replica-a');
    b = new PostgresPubSub(store.db, database.url, 'replica-b');
    await Promise.all([a.ready(), b.ready()]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await store?.close();
    await database?.drop();
  });

  it('tells other replicas the ids only; the writer’s own subscribers get the message whole', async () => {
    const onA: (Posted | undefined)[] = [];
    const onB: (Posted | undefined)[] = [];
    const stops = [
      a.subscribe(POSTS, 'w1', (m) => onA.push(m)),
      b.subscribe(POSTS, 'w1', (m) => onB.push(m)),
    ];
    await a.publish(POSTS, 'w1', { seq: 1, body: 'hello' });
    await a.publish(POSTS, 'w2', { seq: 1, body: 'not this key' });
    await a.publish(POSTS, 'w1', { seq: 2, body: 'again' });
    await until(() => onB.length === 2, 'the notices on replica b');
    expect(onB).toEqual([{ seq: 1 }, { seq: 2 }]);
    expect(onA).toEqual([
      { seq: 1, body: 'hello' },
      { seq: 2, body: 'again' },
    ]);
    for (const stop of stops) stop();
  });

  it('sends a notice made in a transaction when it commits, and never when it rolls back', async () => {
    const onB: (Posted | undefined)[] = [];
    const stop = b.subscribe(POSTS, 'tx', (m) => onB.push(m));
    const onA: (Posted | undefined)[] = [];
    const stopA = a.subscribe(POSTS, 'tx', (m) => onA.push(m));
    await expect(
      store.db.transaction().execute(async (trx) => {
        await a.publishWithin(trx, POSTS, 'tx', { seq: 1 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const deliver = await store.db
      .transaction()
      .execute((trx) => a.publishWithin(trx, POSTS, 'tx', { seq: 2, body: 'committed' }));
    deliver();
    await until(() => onB.length === 1, 'the committed notice');
    // A later notice arrives after it: the rolled-back one was never sent.
    await a.publish(POSTS, 'tx', { seq: 3 });
    await until(() => onB.length === 2, 'the next notice');
    expect(onB).toEqual([{ seq: 2 }, { seq: 3 }]);
    expect(onA).toEqual([{ seq: 2, body: 'committed' }, { seq: 3 }]);
    stop();
    stopA();
  });

  it('reconnects after losing its connection, then tells every subscriber to catch up', async () => {
    const onB: (Posted | undefined)[] = [];
    const stop = b.subscribe(POSTS, 'w9', (m) => onB.push(m));
    const killed = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where application_name = 'hangar-pubsub replica-b'`.execute(store.db);
    expect(killed.rows[0]?.n).toBe(1);
    // Published while b is away (or not yet back): b hears "catch up" once it listens again.
    await a.publish(POSTS, 'w9', { seq: 1 });
    await until(() => onB.includes(undefined), 'the catch-up call');
    await until(async () => {
      await a.publish(POSTS, 'w9', { seq: 2 });
      return onB.some((m) => m?.seq === 2);
    }, 'notices after the reconnection');
    stop();
  });

  it('follows a session on one replica as another appends: every event, in order, resumable from an id', async () => {
    const now = new Date().toISOString();
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
    await insertSessionRow(store.db, { id: 's1', workspace_id: 'w1' });
    const writer = new EventLog(store.db, systemClock, undefined, a);
    const reader = new EventLog(store.db, systemClock, undefined, b);
    for (let i = 0; i < 20; i++) await writer.append('s1', text(String(i)));
    const seen: StoredEvent[] = [];
    const stop = await reader.follow('s1', 5, (e) => seen.push(e));
    // Some one by one, some in one batch.
    for (let i = 20; i < 60; i++) await writer.append('s1', text(String(i)));
    await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append('s1', text(String(60 + i)))));
    await until(() => seen.length === 95, `95 events on the other replica (have ${seen.length})`);
    expect(seen.map((e) => e.id)).toEqual(Array.from({ length: 95 }, (_, i) => i + 6));
    expect(seen.map((e) => (e.event as { delta: string }).delta)).toEqual(
      Array.from({ length: 95 }, (_, i) => String(i + 5)),
    );
    stop();
    await writer.append('s1', text('after unsubscribe'));
    const again: StoredEvent[] = [];
    const stopAgain = await reader.follow('s1', 100, (e) => again.push(e));
    expect(again.map((e) => e.id)).toEqual([101]);
    await writer.append('s1', text('live'));
    await until(() => again.length === 2, 'the live event after a resume');
    stopAgain();
    expect(seen).toHaveLength(95);
  });

  it('misses nothing appended while the following replica’s listening connection was down', async () => {
    const writer = new EventLog(store.db, systemClock, undefined, a);
    const reader = new EventLog(store.db, systemClock, undefined, b);
    const start = (await writer.read('s1')).at(-1)!.id;
    const seen: number[] = [];
    const stop = await reader.follow('s1', start, (e) => seen.push(e.id));
    const listener = sql<{ pid: number }>`select pid from pg_stat_activity
      where application_name = 'hangar-pubsub replica-b'`;
    const [old] = (await listener.execute(store.db)).rows;
    await sql`select pg_terminate_backend(${old!.pid})`.execute(store.db);
    await until(
      async () => !(await listener.execute(store.db)).rows.some((r) => r.pid === old!.pid),
      'the end of the listening connection',
    );
    // Appended while b does not listen: their notices are lost to b, not the events.
    for (let i = 0; i < 5; i++) await writer.append('s1', text(`while away ${i}`));
    await until(() => seen.length === 5, `the events appended meanwhile (have ${seen.length})`);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => start + i));
    stop();
  });
});
