import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../test/clock.js';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import {
  ADMIN,
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../test/server.js';
import {
  ACCOUNT_DELAY_AFTER,
  ACCOUNT_LOCK_AFTER,
  ADDRESS_DELAY_AFTER,
  LOCK_MS,
  MAX_DELAY_MS,
} from './throttle.js';

const DIALECTS = await dialectCases();

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] login throttling`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let admin: TestClient;
    const clock = new TestClock();
    const attempt = (username: string, password: string) =>
      server.client().post('/api/auth/login', { username, password });

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer({ database, clock });
      admin = await setupAdmin(server);
      await createMember(server, admin, 'bob');
      clock.advance(1000); // attempts compare by timestamp: keep them after bob's first login
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it(`throttles an account after ${ACCOUNT_DELAY_AFTER} wrong passwords, with growing delays`, async () => {
      for (let i = 1; i < ACCOUNT_DELAY_AFTER; i++)
        expect((await attempt('bob', `wrong ${i}`)).status).toBe(401);
      const fifth = await attempt('bob', 'wrong 5');
      expect(fifth.status).toBe(429);
      expect(fifth.body.error).toMatchObject({ id: 'login_throttled', retryAfter: 30 });
      expect(fifth.headers.get('retry-after')).toBe('30');
      // Even the right password waits while throttled.
      expect((await attempt('bob', 'member password 1')).body.error.id).toBe('login_throttled');
      clock.advance(31_000);
      const sixth = await attempt('bob', 'wrong 6');
      expect(sixth.body.error.retryAfter).toBe(60);
      clock.advance(61_000);
      expect((await attempt('bob', 'member password 1')).status).toBe(200);
      // Success resets the count.
      expect((await attempt('bob', 'wrong again')).status).toBe(401);
    });

    /** Wrong passwords, each past the longest throttle delay, so each is a real guess. */
    const guessWrong = async (username: string, times: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < times; i++) {
        statuses.push((await attempt(username, `wrong ${i}`)).status);
        clock.advance(MAX_DELAY_MS + 60_000);
      }
      return statuses;
    };

    it(`locks an account after ${ACCOUNT_LOCK_AFTER} failures for a while: it lifts by itself, longer after each further failure`, async () => {
      const created = await admin.post('/api/users', { username: 'carol', password: 'carol password' });
      expect(await guessWrong('carol', ACCOUNT_LOCK_AFTER - 1)).not.toContain(423);
      const locked = await attempt('carol', 'wrong again');
      expect(locked.status).toBe(423);
      expect(locked.body.error).toMatchObject({ id: 'account_locked', retryAfter: LOCK_MS / 1000 });
      expect(locked.headers.get('retry-after')).toBe(String(LOCK_MS / 1000));
      // Even the right password waits while locked, and the admin sees the lock.
      expect((await attempt('carol', 'carol password')).status).toBe(423);
      expect((await admin.get(`/api/users/${created.body.id}`)).body.locked).toBe(true);
      clock.advance(LOCK_MS - 60_000);
      expect((await attempt('carol', 'carol password')).status).toBe(423);
      // Lifted by itself; one more wrong guess locks twice as long.
      clock.advance(61_000);
      const again = await attempt('carol', 'still wrong');
      expect(again.body.error).toMatchObject({ id: 'account_locked', retryAfter: (2 * LOCK_MS) / 1000 });
      clock.advance(2 * LOCK_MS + 1000);
      expect((await attempt('carol', 'carol password')).status).toBe(200);
      expect((await admin.get(`/api/users/${created.body.id}`)).body.locked).toBe(false);
    });

    it('an admin lifts a lock before it ends', async () => {
      const created = await admin.post('/api/users', { username: 'dave', password: 'dave password' });
      await guessWrong('dave', ACCOUNT_LOCK_AFTER - 1);
      expect((await attempt('dave', 'wrong again')).status).toBe(423);
      expect((await attempt('dave', 'dave password')).status).toBe(423);
      const unlocked = await admin.post(`/api/users/${created.body.id}/unlock`);
      expect(unlocked.body.locked).toBe(false);
      expect((await attempt('dave', 'dave password')).status).toBe(200);
    });

    it('never locks the last active admin out: only throttles them', async () => {
      const statuses = await guessWrong(ADMIN.username, ACCOUNT_LOCK_AFTER + 2);
      expect(statuses).not.toContain(423);
      expect(statuses.at(-1)).toBe(429);
      expect((await attempt(ADMIN.username, ADMIN.password)).status).toBe(200);
      // With a second active admin, the first one is no longer the last: a lock applies.
      const erin = { username: 'erin', password: 'erin password 1', role: 'admin' };
      expect((await admin.post('/api/users', erin)).status).toBe(201);
      clock.advance(1000); // attempts compare by timestamp: keep these after the last success
      await guessWrong(ADMIN.username, ACCOUNT_LOCK_AFTER - 1);
      expect((await attempt(ADMIN.username, 'wrong again')).status).toBe(423);
      expect((await attempt(ADMIN.username, ADMIN.password)).status).toBe(423);
    });

    it(`throttles an address after ${ADDRESS_DELAY_AFTER} failures across accounts`, async () => {
      clock.advance(2 * 3600_000);
      for (let i = 0; i < ADDRESS_DELAY_AFTER - 1; i++)
        expect((await attempt(`ghost${i}`, 'guess guess')).status).toBe(401);
      const last = await attempt('ghost-last', 'guess guess');
      expect(last.status).toBe(429);
      // The admin logging in from the same address must wait too.
      expect((await attempt(ADMIN.username, ADMIN.password)).status).toBe(429);
      clock.advance(31_000);
      expect((await attempt(ADMIN.username, ADMIN.password)).status).toBe(200);
    });
  });
}
