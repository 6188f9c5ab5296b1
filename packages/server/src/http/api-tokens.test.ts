import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_DELAY_AFTER } from '../services/throttle.js';
import { TestClock } from '../test/clock.js';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../test/server.js';

const DIALECTS = await dialectCases();
const PASSWORD = 'member password 1';

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] API tokens and password changes`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let admin: TestClient;
    const clock = new TestClock();

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer({ database, clock });
      admin = await setupAdmin(server);
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    /** A client that holds a new API token of the user signed in as `browser`. */
    const tokenClient = async (browser: TestClient, expiresInDays?: number) => {
      const created = await browser.post('/api/tokens', {
        name: 'cli',
        ...(expiresInDays && { expiresInDays }),
      });
      expect(created.status).toBe(201);
      const cli = server.client();
      cli.token = created.body.secret;
      cli.origin = undefined;
      return cli;
    };

    it('an API token cannot create tokens (one could outlive it): a clear 403', async () => {
      const bob = await createMember(server, admin, 'bob');
      const shortLived = await tokenClient(bob, 1);
      const minted = await shortLived.post('/api/tokens', { name: 'ten years', expiresInDays: 3650 });
      expect(minted.status).toBe(403);
      expect(minted.body.error.id).toBe('password_session_required');
      expect(minted.body.error.message).toMatch(/cannot create API tokens.*sign in .* with your password/);
      // Nothing was made; the token still reads and revokes.
      expect((await bob.get('/api/tokens')).body.tokens).toHaveLength(1);
      expect((await shortLived.get('/api/me')).status).toBe(200);
    });

    it('an API token cannot change the password, even with the right current one', async () => {
      const carol = await createMember(server, admin, 'carol');
      const cli = await tokenClient(carol);
      const res = await cli.post('/api/me/password', {
        currentPassword: PASSWORD,
        newPassword: 'taken over by a token',
      });
      expect(res.status).toBe(403);
      expect(res.body.error.id).toBe('password_session_required');
      const login = await server.client().post('/api/auth/login', { username: 'carol', password: PASSWORD });
      expect(login.status).toBe(200);
    });

    it('a password change keeps API tokens by default, and revokes them all with revokeTokens', async () => {
      const dave = await createMember(server, admin, 'dave');
      const kept = await tokenClient(dave);
      const first = await dave.post('/api/me/password', {
        currentPassword: PASSWORD,
        newPassword: 'second password 2',
      });
      expect(first.status).toBe(200);
      expect((await kept.get('/api/me')).status).toBe(200);

      const another = await tokenClient(dave);
      const second = await dave.post('/api/me/password', {
        currentPassword: 'second password 2',
        newPassword: 'third password 3',
        revokeTokens: true,
      });
      expect(second.status).toBe(200);
      for (const cli of [kept, another]) {
        const refused = await cli.get('/api/me');
        expect(refused.status).toBe(401);
        expect(refused.body.error.id).toBe('invalid_token');
      }
      expect((await dave.get('/api/tokens')).body.tokens).toEqual([]);
      // The session that made the change goes on.
      expect((await dave.get('/api/me')).status).toBe(200);
    });

    it('throttles the current-password check like a login', async () => {
      const erin = await createMember(server, admin, 'erin');
      clock.advance(1000); // attempts compare by timestamp: keep them after erin's login
      const change = (currentPassword: string) =>
        erin.post('/api/me/password', { currentPassword, newPassword: 'erin new password' });
      for (let i = 1; i < ACCOUNT_DELAY_AFTER; i++) expect((await change(`wrong ${i}`)).status).toBe(403);
      const throttled = await change('wrong again');
      expect(throttled.status).toBe(429);
      expect(throttled.body.error).toMatchObject({ id: 'login_throttled', retryAfter: 30 });
      // The right password waits too, and so does a login to the same account.
      expect((await change(PASSWORD)).body.error.id).toBe('login_throttled');
      const login = await server.client().post('/api/auth/login', { username: 'erin', password: PASSWORD });
      expect(login.body.error.id).toBe('login_throttled');
      clock.advance(31_000);
      expect((await change(PASSWORD)).status).toBe(200);
    });
  });
}
