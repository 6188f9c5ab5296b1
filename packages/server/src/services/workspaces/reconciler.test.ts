import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../test/clock.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../../test/server.js';
import { createWorkspace } from '../../test/workspaces.js';

const TEMPLATES = JSON.stringify({ plain: { driver: 'host', network: 'full' } });
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=a@example.com', '-c', 'user.name=a', ...args], {
    cwd,
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
  }).toString();

describe('workspace reconciler', () => {
  const clock = new TestClock(Date.now());
  const roots = mkdtempSync(join(tmpdir(), 'hangar-reconcile-'));
  const repo = join(roots, 'repo');
  let server: TestServer;
  let admin: TestClient;

  beforeAll(async () => {
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    server = await startTestServer({
      clock,
      env: {
        HANGAR_TEMPLATES: TEMPLATES,
        HANGAR_DEFAULT_TEMPLATE: 'plain',
        HANGAR_LOCAL_REPO_ROOTS: roots,
        HANGAR_IDLE_STOP_MINUTES: '30',
        HANGAR_ARCHIVE_EXPIRY_DAYS: '7',
      },
    });
    // A token without expiry: the test moves the clock past a browser session's idle limit.
    const browser = await setupAdmin(server);
    admin = server.client();
    admin.token = (await browser.post('/api/tokens', { name: 'reconciler test' })).body.secret;
    admin.origin = undefined;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(roots, { recursive: true, force: true });
  });

  it('measures disk use per workspace and in total', async () => {
    const ws = await createWorkspace(admin, { name: 'disk' });
    await admin.post(`/api/workspaces/${ws.body.id}/exec`, {
      command: ['sh', '-c', 'head -c 300000 /dev/zero > blob'],
    });
    clock.advance(10 * 60_000);
    await server.reconciler.runOnce();
    const after = await admin.get(`/api/workspaces/${ws.body.id}`);
    expect(after.body.diskBytes).toBeGreaterThanOrEqual(300_000);
    expect((await admin.get('/api/workspaces')).body.totalDiskBytes).toBeGreaterThanOrEqual(300_000);
  });

  it('stops a workspace idle longer than the configured time, and only that one', async () => {
    const idle = await createWorkspace(admin, { name: 'idle' });
    clock.advance(20 * 60_000);
    const busy = await createWorkspace(admin, { name: 'busy' });
    clock.advance(15 * 60_000);
    await server.reconciler.runOnce();
    expect((await admin.get(`/api/workspaces/${idle.body.id}`)).body.state).toBe('stopped');
    expect((await admin.get(`/api/workspaces/${busy.body.id}`)).body.state).toBe('running');
  });

  it('expires a clean archived worktree after the configured days, keeping its branch; restore brings it back', async () => {
    const ws = await createWorkspace(admin, { name: 'old', source: { type: 'local', path: repo } });
    const work = join(server.config.dataDir, 'workspaces', ws.body.id, 'work');
    await admin.post(`/api/workspaces/${ws.body.id}/exec`, {
      command: ['sh', '-c', 'echo more >> a.txt && git -c user.email=a@b -c user.name=a commit -qam more'],
    });
    await admin.post(`/api/workspaces/${ws.body.id}/archive`);
    clock.advance(6 * 86_400_000);
    await server.reconciler.runOnce();
    expect(existsSync(join(work, 'a.txt'))).toBe(true);
    clock.advance(2 * 86_400_000);
    await server.reconciler.runOnce();
    expect(existsSync(work)).toBe(false);
    expect(git(repo, 'log', '--oneline', 'hangar/old')).toContain('more');
    expect((await admin.post(`/api/workspaces/${ws.body.id}/restore`)).body.state).toBe('creating');
    await server.services.workspaces.settle();
    const restored = await admin.post(`/api/workspaces/${ws.body.id}/exec`, { command: ['cat', 'a.txt'] });
    expect(restored.body.stdout).toBe('a\nmore\n');
  });

  it('keeps an archived worktree with uncommitted changes past its expiry', async () => {
    const ws = await createWorkspace(admin, { name: 'dirty', source: { type: 'local', path: repo } });
    await admin.post(`/api/workspaces/${ws.body.id}/exec`, { command: ['sh', '-c', 'echo wip > wip.txt'] });
    await admin.post(`/api/workspaces/${ws.body.id}/archive`);
    clock.advance(30 * 86_400_000);
    await server.reconciler.runOnce();
    expect(existsSync(join(server.config.dataDir, 'workspaces', ws.body.id, 'work', 'wip.txt'))).toBe(true);
  });
});
