import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';
import { startServer } from '../server.js';
import { bwrapMissing, notRoot } from '../test/requirements.js';
import { setupAdmin, startTestServer } from '../test/server.js';
import { createWorkspace, settled, shellIn } from '../test/workspaces.js';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
/** A uid that is no one's on a test host. */
const STRANGER = 65534;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-data-dir-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A skipped test says why in its title (CI runs as root with bubblewrap, so neither skips there). */
const skipped = (reason: string | undefined) => (reason ? ` (skipped: ${reason})` : '');

describe('the data dir at start', () => {
  it.skipIf(bwrapMissing ?? notRoot)(
    `makes a data dir left open (0755, database 0644) private; workspaces reach only their sandbox${skipped(bwrapMissing ?? notRoot)}`,
    async () => {
      const dataDir = tempDir();
      const env = { HANGAR_SANDBOX_UID_BASE: String(2_100_000 + Math.floor(Math.random() * 900) * 100) };
      const first = await startTestServer({ dataDir, env });
      let id: string;
      try {
        const admin = await setupAdmin(first);
        const ws = await createWorkspace(admin, { name: 'tight' });
        expect(ws.body.state, JSON.stringify(ws.body)).toBe('running');
        id = ws.body.id as string;
      } finally {
        await first.stop();
      }
      // What an older server, or a umask of 022, left behind.
      const db = join(dataDir, 'hangar.db');
      const workspaceDir = join(dataDir, 'workspaces', id);
      const open = [dataDir, join(dataDir, 'workspaces'), workspaceDir];
      for (const dir of open) chmodSync(dir, 0o755);
      for (const file of [db, `${db}-wal`, `${db}-shm`, join(dataDir, 'secret.key')])
        if (existsSync(file)) chmodSync(file, 0o644);

      const server = await startTestServer({ dataDir, env });
      try {
        for (const dir of open) expect(modeOf(dir), dir).toBe('700');
        expect(modeOf(db)).toBe('600');
        expect(modeOf(join(dataDir, 'secret.key'))).toBe('600');
        // The database is open again: its WAL files exist, made with the database's mode.
        for (const file of [`${db}-wal`, `${db}-shm`]) expect(modeOf(file), file).toBe('600');
        // Another user of the host cannot even look at a workspace's files.
        expect(() =>
          execFileSync(
            'setpriv',
            [
              `--reuid=${STRANGER}`,
              `--regid=${STRANGER}`,
              '--clear-groups',
              'ls',
              join(workspaceDir, 'work'),
            ],
            { stdio: 'pipe' },
          ),
        ).toThrow(/Permission denied/);
        // The workspace's sandbox still reaches its files (bind mounts made as root).
        const admin = server.client();
        await admin.post('/api/auth/login', { username: 'ada', password: 'correct horse battery' });
        await admin.post(`/api/workspaces/${id}/start`);
        const shell = await shellIn(admin, id, 'echo kept > /workspace/f && cat /workspace/f');
        expect(shell, JSON.stringify(shell)).toMatchObject({ exitCode: 0, stdout: 'kept\n' });
        await admin.request('DELETE', `/api/workspaces/${id}`, { confirm: 'tight' });
        await settled(admin, id);
      } finally {
        await server.stop();
      }
    },
    120_000,
  );

  it('creates a new SQLite database 0600, so its -wal and -shm files are 0600 too', async () => {
    const dataDir = join(tempDir(), 'fresh');
    const server = await startTestServer({ dataDir });
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect(modeOf(join(dataDir, 'workspaces'))).toBe('700');
      for (const file of ['hangar.db', 'hangar.db-wal', 'hangar.db-shm', 'secret.key'])
        expect(modeOf(join(dataDir, file)), file).toBe('600');
    } finally {
      await server.stop();
    }
  });

  it.skipIf(notRoot)(
    `refuses a data dir that belongs to another user, saying what to fix${skipped(notRoot)}`,
    async () => {
      const dataDir = join(tempDir(), 'theirs');
      mkdirSync(dataDir, { mode: 0o755 });
      chownSync(dataDir, STRANGER, STRANGER);
      const config = loadConfig({ HANGAR_DATA_DIR: dataDir, HANGAR_PORT: '0', HANGAR_LOG_LEVEL: 'silent' });
      await expect(startServer(config)).rejects.toThrow(
        new RegExp(`belongs to uid ${STRANGER}, not to this server .*chown -R 0 `),
      );
      expect(modeOf(dataDir)).toBe('755'); // left as it was
      expect(existsSync(join(dataDir, 'hangar.db'))).toBe(false);
    },
  );
});
