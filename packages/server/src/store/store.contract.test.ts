import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createServices, type Services } from '../wiring.js';
import { TestClock } from '../test/clock.js';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import { isUniqueViolation, openStore, type Store } from './database.js';

const DIALECTS = await dialectCases();
const DAY = 86_400_000;

// The same contract for every store dialect.
for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] store contract`, () => {
    let database: TestDatabase;
    let store: Store;
    let services: Services;
    const clock = new TestClock();

    beforeAll(async () => {
      database = await dialect.create();
      store = openStore(database.url);
      expect(await store.isReady()).toBe(false);
      await store.migrate();
      services = createServices(store, {
        config: loadConfig({ HANGAR_DATA_DIR: mkdtempSync(join(tmpdir(), 'hangar-store-')) }),
        drivers: new Map(),
        serverPort: () => 0,
        clock,
      });
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it('applies migrations once and reports ready', async () => {
      await store.migrate(); // a second boot finds nothing to do
      expect(await store.isReady()).toBe(true);
      const again = openStore(database.url);
      expect(await again.isReady()).toBe(true);
      await again.close();
    });

    if (dialect.dialect === 'sqlite') {
      it('runs SQLite in WAL mode with foreign keys and a busy timeout', async () => {
        const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
        const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
        const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db);
        expect(mode.rows[0]?.journal_mode).toBe('wal');
        expect(fk.rows[0]?.foreign_keys).toBe(1);
        expect(busy.rows[0]?.timeout).toBeGreaterThanOrEqual(1000);
      });
    }

    it('creates users with unique lowercase usernames and hashed passwords', async () => {
      const user = await services.accounts.create({
        username: 'ana',
        password: 'ana password',
        role: 'admin',
      });
      expect(user.password_hash).toMatch(/^\$argon2id\$/);
      expect((await services.accounts.findByUsername('ANA'))?.id).toBe(user.id);
      await expect(
        services.accounts.create({ username: 'ana', password: 'x'.repeat(10), role: 'member' }),
      ).rejects.toMatchObject({
        id: 'conflict',
      });
      expect(await services.accounts.count()).toBe(1);
    });

    it('detects unique violations in this dialect', async () => {
      const row = { id: 'dup', name: 'n', description: '', created_at: 'now' };
      await store.db.insertInto('groups').values(row).execute();
      const error = await store.db
        .insertInto('groups')
        .values(row)
        .execute()
        .catch((e: unknown) => e);
      expect(isUniqueViolation(error)).toBe(true);
      await store.db.deleteFrom('groups').where('id', '=', 'dup').execute();
    });

    it('expires idle sessions and slides active ones', async () => {
      const user = (await services.accounts.findByUsername('ana'))!;
      const { secret } = await services.sessions.create(user.id, { address: '127.0.0.1', userAgent: 'test' });
      clock.advance(6 * DAY);
      expect(await services.sessions.resolve(secret)).toBeDefined(); // used: slides the idle expiry
      clock.advance(6 * DAY);
      expect(await services.sessions.resolve(secret)).toBeDefined();
      clock.advance(8 * DAY);
      expect(await services.sessions.resolve(secret)).toBeUndefined();
    });

    it('expires and revokes API tokens, and stores only their hash', async () => {
      const user = (await services.accounts.findByUsername('ana'))!;
      const { row, secret } = await services.tokens.create(user.id, { name: 'ci', expiresInDays: 1 });
      expect(row.secret_hash).not.toContain(secret.slice(4));
      expect((await services.tokens.resolve(secret))?.user.id).toBe(user.id);
      clock.advance(DAY + 1);
      expect(await services.tokens.resolve(secret)).toBeUndefined();
      const other = await services.tokens.create(user.id, { name: 'forever' });
      await services.tokens.revoke(user.id, other.row.id);
      expect(await services.tokens.resolve(other.secret)).toBeUndefined();
      await expect(services.tokens.revoke(user.id, other.row.id)).rejects.toMatchObject({ id: 'not_found' });
    });

    it('removes sessions, tokens and memberships with their user (foreign keys cascade)', async () => {
      const user = await services.accounts.create({
        username: 'temp',
        password: 'temp password',
        role: 'member',
      });
      const { secret } = await services.sessions.create(user.id, { address: '::1', userAgent: '' });
      await services.tokens.create(user.id, { name: 't' });
      const group = await services.groups.create({ name: 'g1', description: '' });
      await services.groups.addMember(group.id, user.id);
      await services.accounts.remove(user.id);
      expect(await services.sessions.resolve(secret)).toBeUndefined();
      expect(await services.tokens.list(user.id)).toEqual([]);
      expect((await services.groups.get(group.id)).member_ids).toEqual([]);
    });

    it('accepts an invitation once and not after it expires', async () => {
      const ana = (await services.accounts.findByUsername('ana'))!;
      const { token } = await services.invitations.create(ana.id, { role: 'member', expiresInHours: 1 });
      const [first, second] = await Promise.allSettled([
        services.invitations.accept(token, { username: 'first', password: 'first password' }),
        services.invitations.accept(token, { username: 'second', password: 'second password' }),
      ]);
      expect(first.status).toBe('fulfilled');
      expect(second.status).toBe('rejected');
      expect(await services.accounts.findByUsername('second')).toBeUndefined();
      const late = await services.invitations.create(ana.id, { role: 'member', expiresInHours: 1 });
      clock.advance(3600_001);
      await expect(services.invitations.open(late.token)).rejects.toMatchObject({ id: 'invitation_invalid' });
    });

    it('counts failed logins per account since the last success', async () => {
      await services.throttle.record('zed', '10.0.0.1', 'bad_credentials', null);
      await services.throttle.record('zed', '10.0.0.1', 'bad_credentials', null);
      expect((await services.throttle.state('zed', '10.0.0.9', undefined)).accountFailures).toBe(2);
      clock.advance(1);
      await services.throttle.record('zed', '10.0.0.1', 'success', null);
      expect((await services.throttle.state('zed', '10.0.0.9', undefined)).accountFailures).toBe(0);
    });
  });
}
