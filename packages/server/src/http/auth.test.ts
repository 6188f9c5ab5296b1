import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import {
  ADMIN,
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../test/server.js';

const DIALECTS = await dialectCases();

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] accounts and auth over HTTP`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let admin: TestClient;

    beforeAll(async () => {
      database = await dialect.create();
      server = await startTestServer({ database });
    });
    afterAll(async () => {
      await server?.stop();
      await database?.drop();
    });

    it('reports that setup is needed and refuses a wrong setup token', async () => {
      const anon = server.client();
      expect((await anon.get('/api/auth/status')).body).toMatchObject({
        setupRequired: true,
        authMode: 'password',
      });
      expect(server.setupUrl).toMatch(/\/setup\?token=setup_/);
      const wrong = await anon.post('/api/auth/setup', { setupToken: 'setup_wrong', ...ADMIN });
      expect(wrong.status).toBe(403);
      expect(wrong.body.error.id).toBe('invalid_setup_token');
    });

    it('creates the first admin with the setup token, once', async () => {
      admin = await setupAdmin(server);
      const me = await admin.get('/api/me');
      expect(me.status).toBe(200);
      expect(me.body.user).toMatchObject({ username: 'ada', role: 'admin', displayName: 'Ada' });
      expect(me.body.user).not.toHaveProperty('passwordHash');
      const token = new URL(server.setupUrl!).searchParams.get('token')!;
      const again = await server
        .client()
        .post('/api/auth/setup', { setupToken: token, username: 'eve', password: 'x'.repeat(12) });
      expect(again.status).toBe(409);
      expect(again.body.error.id).toBe('setup_done');
      expect((await server.client().get('/api/auth/status')).body.setupRequired).toBe(false);
    });

    it('sets an httpOnly SameSite=Lax session cookie on login', async () => {
      const client = server.client();
      const res = await client.post('/api/auth/login', ADMIN);
      expect(res.status).toBe(200);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hangar_session='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
    });

    it('refuses a wrong password with invalid_credentials, the same for unknown users', async () => {
      const wrong = await server
        .client()
        .post('/api/auth/login', { username: 'ada', password: 'nope nope nope' });
      const unknown = await server
        .client()
        .post('/api/auth/login', { username: 'nobody', password: 'nope nope nope' });
      expect([wrong.status, unknown.status]).toEqual([401, 401]);
      expect(wrong.body.error.id).toBe('invalid_credentials');
      expect(unknown.body).toEqual(wrong.body);
    });

    it('refuses a logged-out cookie at once', async () => {
      const client = server.client();
      await client.post('/api/auth/login', ADMIN);
      const cookie = client.cookie;
      expect((await client.get('/api/me')).status).toBe(200);
      expect((await client.post('/api/auth/logout')).status).toBe(200);
      client.cookie = cookie; // a copy of the cookie kept by an attacker
      const after = await client.get('/api/me');
      expect(after.status).toBe(401);
      expect(after.body.error.id).toBe('unauthenticated');
    });

    it('creates, uses and revokes API tokens; a revoked token is refused at once', async () => {
      const created = await admin.post('/api/tokens', { name: 'laptop cli', expiresInDays: 30 });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^hgr_/);
      const cli = server.client();
      cli.token = created.body.secret;
      cli.origin = undefined;
      expect((await cli.get('/api/me')).body.user.username).toBe('ada');
      // The secret is never listed again.
      const list = await admin.get('/api/tokens');
      expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
      expect(list.body.tokens[0]).toMatchObject({
        name: 'laptop cli',
        prefix: created.body.secret.slice(0, 12),
      });
      expect((await admin.delete(`/api/tokens/${created.body.token.id}`)).status).toBe(200);
      const refused = await cli.get('/api/me');
      expect(refused.status).toBe(401);
      expect(refused.body.error.id).toBe('invalid_token');
    });

    it('lets a member read their own data but not call admin routes', async () => {
      const member = await createMember(server, admin, 'bob');
      expect((await member.get('/api/me')).body.user.role).toBe('member');
      for (const [method, path] of [
        ['GET', '/api/users'],
        ['POST', '/api/users'],
        ['GET', '/api/invitations'],
        ['POST', '/api/groups'],
        ['GET', '/api/login-attempts'],
      ] as const) {
        const res = await member.request(method, path, method === 'POST' ? {} : undefined);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect(res.body.error.id).toBe('admin_required');
      }
      expect((await member.get('/api/groups')).status).toBe(200);
    });

    it('ends other sessions when the password changes, keeping the current one', async () => {
      const elsewhere = server.client();
      await elsewhere.post('/api/auth/login', { username: 'bob', password: 'member password 1' });
      const here = server.client();
      await here.post('/api/auth/login', { username: 'bob', password: 'member password 1' });
      const wrong = await here.post('/api/me/password', {
        currentPassword: 'not it at all',
        newPassword: 'a new password 2',
      });
      expect(wrong.body.error.id).toBe('wrong_password');
      const changed = await here.post('/api/me/password', {
        currentPassword: 'member password 1',
        newPassword: 'a new password 2',
      });
      expect(changed.status).toBe(200);
      expect((await here.get('/api/me')).status).toBe(200);
      expect((await elsewhere.get('/api/me')).status).toBe(401);
      expect(
        (await server.client().post('/api/auth/login', { username: 'bob', password: 'a new password 2' }))
          .status,
      ).toBe(200);
    });

    it('disabling a user ends their sessions and refuses their login', async () => {
      const carol = await createMember(server, admin, 'carol');
      const id = (await carol.get('/api/me')).body.user.id;
      expect((await admin.patch(`/api/users/${id}`, { disabled: true })).body.disabled).toBe(true);
      expect((await carol.get('/api/me')).status).toBe(401);
      const login = await server
        .client()
        .post('/api/auth/login', { username: 'carol', password: 'member password 1' });
      expect(login.body.error.id).toBe('account_disabled');
    });

    it('keeps at least one active admin', async () => {
      const me = (await admin.get('/api/me')).body.user;
      const demote = await admin.patch(`/api/users/${me.id}`, { role: 'member' });
      expect(demote.status).toBe(409);
      expect(demote.body.error.id).toBe('last_admin');
      expect((await admin.delete(`/api/users/${me.id}`)).body.error.id).toBe('forbidden');
    });

    it('rejects a taken username with a conflict', async () => {
      const res = await admin.post('/api/users', { username: 'bob', password: 'another password' });
      expect(res.status).toBe(409);
      expect(res.body.error.id).toBe('conflict');
    });

    it('invites: a single-use, expiring link creates an account', async () => {
      const created = await admin.post('/api/invitations', { role: 'member', email: 'dan@example.com' });
      expect(created.status).toBe(201);
      expect(created.body.url).toContain(`/invite?token=${created.body.token}`);
      const anon = server.client();
      const preview = await anon.get(`/api/invitations/preview?token=${created.body.token}`);
      expect(preview.body).toMatchObject({ role: 'member', email: 'dan@example.com' });
      const accept = await anon.post('/api/invitations/accept', {
        token: created.body.token,
        username: 'dan',
        password: 'dans password',
      });
      expect(accept.status).toBe(200);
      expect((await anon.get('/api/me')).body.user).toMatchObject({
        username: 'dan',
        email: 'dan@example.com',
      });
      const reuse = await server.client().post('/api/invitations/accept', {
        token: created.body.token,
        username: 'dan2',
        password: 'dans password',
      });
      expect(reuse.status).toBe(410);
      expect(reuse.body.error.id).toBe('invitation_invalid');
      const revoked = await admin.post('/api/invitations', {});
      await admin.delete(`/api/invitations/${revoked.body.invitation.id}`);
      const late = await server.client().get(`/api/invitations/preview?token=${revoked.body.token}`);
      expect(late.body.error.id).toBe('invitation_invalid');
    });

    it('manages groups and their members', async () => {
      const users = (await admin.get('/api/users')).body.users as { id: string; username: string }[];
      const bob = users.find((u) => u.username === 'bob')!;
      const group = await admin.post('/api/groups', { name: 'platform', description: 'Platform team' });
      expect(group.status).toBe(201);
      const added = await admin.put(`/api/groups/${group.body.id}/members/${bob.id}`);
      expect(added.body.memberIds).toEqual([bob.id]);
      expect((await admin.post('/api/groups', { name: 'platform' })).status).toBe(409);
      const removed = await admin.delete(`/api/groups/${group.body.id}/members/${bob.id}`);
      expect(removed.body.memberIds).toEqual([]);
      expect((await admin.delete(`/api/groups/${group.body.id}`)).status).toBe(200);
      expect((await admin.get(`/api/groups/${group.body.id}`)).status).toBe(404);
    });

    it('records every login attempt for admins to read', async () => {
      const res = await admin.get('/api/login-attempts?username=ada');
      const outcomes = (res.body.attempts as { outcome: string }[]).map((a) => a.outcome);
      expect(outcomes).toContain('success');
      expect(outcomes).toContain('bad_credentials');
    });
  });
}
