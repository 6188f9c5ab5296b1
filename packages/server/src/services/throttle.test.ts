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
import { ACCOUNT_DELAY_AFTER, ACCOUNT_LOCK_AFTER, ADDRESS_DELAY_AFTER } from './throttle.js';

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

    it(`locks an account after ${ACCOUNT_LOCK_AFTER} failures until an admin unlocks it`, async () => {
      const created = await admin.post('/api/users', { username: 'carol', password: 'carol password' });
      for (let i = 0; i < ACCOUNT_LOCK_AFTER; i++) {
        await attempt('carol', `wrong ${i}`);
        clock.advance(16 * 60_000); // past the longest delay, so each try is a real guess
      }
      const locked = await attempt('carol', 'carol password');
      expect(locked.status).toBe(423);
      expect(locked.body.error.id).toBe('account_locked');
      expect((await admin.get(`/api/users/${created.body.id}`)).body.locked).toBe(true);
      const unlocked = await admin.post(`/api/users/${created.body.id}/unlock`);
      expect(unlocked.body.locked).toBe(false);
      expect((await attempt('carol', 'carol password')).status).toBe(200);
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
