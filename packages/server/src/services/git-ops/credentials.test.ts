import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/database.js';
import { TestClock } from '../../test/clock.js';
import { dialectCases, type TestDatabase } from '../../test/databases.js';
import { AccountService } from '../accounts.js';
import { ServerSecrets } from '../../common/secrets.js';
import { GitCredentialStore } from './credentials.js';

const DIALECTS = await dialectCases();

// Migration 0006 and the credential store, once per database dialect.
for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] git credentials`, () => {
    let database: TestDatabase;
    let store: Store;
    let credentials: GitCredentialStore;
    let users: string[];
    const dataDir = mkdtempSync(join(tmpdir(), 'hangar-cred-'));
    const clock = new TestClock();

    beforeAll(async () => {
      database = await dialect.create();
      store = openStore(database.url);
      await store.migrate();
      credentials = new GitCredentialStore(store.db, new ServerSecrets(dataDir), clock);
      const accounts = new AccountService(store.db, clock);
      users = [];
      for (const username of ['ana', 'ben']) {
        users.push((await accounts.create({ username, password: 'a long password', role: 'member' })).id);
      }
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('seals tokens, replaces one per host, and opens them only for their owner', async () => {
      const [ana, ben] = users as [string, string];
      await credentials.set(ana, { host: 'github.com', username: 'ana', token: 'ghp_first', label: '' });
      const second = await credentials.set(ana, {
        host: 'github.com',
        username: 'ana',
        token: 'ghp_second',
        label: 'new',
      });
      await credentials.set(ana, {
        host: 'gitlab.example.com:8443',
        username: 'oauth2',
        token: 'glpat',
        label: '',
      });
      await credentials.set(ben, { host: 'github.com', username: 'ben', token: 'ghp_ben', label: '' });

      const rows = await store.db.selectFrom('git_credentials').selectAll().execute();
      expect(rows).toHaveLength(3);
      expect(JSON.stringify(rows)).not.toMatch(/ghp_|glpat/);
      expect((await credentials.list(ana)).map((c) => [c.host, c.label])).toEqual([
        ['github.com', 'new'],
        ['gitlab.example.com:8443', ''],
      ]);
      expect(await credentials.forHost(ana, 'github.com')).toEqual({
        host: 'github.com',
        username: 'ana',
        token: 'ghp_second',
      });
      expect(await credentials.forHost(ben, 'github.com')).toMatchObject({ token: 'ghp_ben' });
      expect(await credentials.forHost(ben, 'gitlab.example.com:8443')).toBeUndefined();
      expect((await credentials.list(ana))[0]?.lastUsedAt).toBe(clock.now().toISOString());

      await expect(credentials.remove(ben, second.id)).rejects.toMatchObject({ status: 404 });
      await credentials.remove(ana, second.id);
      expect(await credentials.has(ana, 'github.com')).toBe(false);
      expect(await credentials.has(ben, 'github.com')).toBe(true);
    });
  });
}
