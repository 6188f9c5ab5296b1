import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BubblewrapDriver } from '../../sandbox/bubblewrap/index.js';
import { HostDriver } from '../../sandbox/host/host-driver.js';
import { GitHttpServer } from '../../test/git-http-server.js';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../../test/server.js';
import { createWorkspace, settled } from '../../test/workspaces.js';
import { checkCloneUrl } from './clone-policy.js';
import { prepareWorkTree } from './prepare.js';

const bwrapSkip = await new BubblewrapDriver({ stateRoot: tmpdir() }).unavailableReason();
const asRoot = process.getuid?.() === 0;

const TEMPLATES = JSON.stringify({
  plain: { driver: 'host', network: 'full' },
  offline: { driver: 'bubblewrap', network: 'none' },
});

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).toString();
}

function makeRepo(path: string) {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  writeFileSync(join(path, 'README.md'), '# demo\n');
  git(path, 'add', '.');
  git(path, '-c', 'user.email=a@example.com', '-c', 'user.name=a', 'commit', '-qm', 'init');
}

/** A remote that accepts connections and never answers (a clone from it hangs until stopped). */
async function silentServer(): Promise<{ port: number; hangUp: () => void; server: Server }> {
  const sockets = new Set<Socket>();
  let answering = true;
  const server = createServer((socket) => {
    if (!answering) return socket.destroy();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  /** From now on every connection, open or new, is closed at once: a clone from here fails. */
  const hangUp = () => {
    answering = false;
    for (const socket of sockets) socket.destroy();
  };
  return { port: typeof address === 'object' && address ? address.port : 0, hangUp, server };
}

/**
 * The rules of clone URLs at workspace creation (issue 16, items 3 and 4):
 * file:// only under HANGAR_LOCAL_REPO_ROOTS, no loopback or private address
 * for a member (as webhooks), a timeout, at most 2 clones per user; and the
 * clone runs in a sandbox as the workspace's uid.
 */
describe('clone URLs at workspace creation', () => {
  let server: TestServer;
  let admin: TestClient;
  let bob: TestClient;
  let root: string;
  let allowed: string;
  let http: GitHttpServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'hangar-clone-'));
    chmodSync(root, 0o755); // sandbox uids reach the allowed repositories
    allowed = join(root, 'allowed');
    makeRepo(join(allowed, 'app'));
    makeRepo(join(root, 'elsewhere'));
    mkdirSync(join(root, 'served'));
    git(root, 'clone', '-q', '--bare', join(allowed, 'app'), join(root, 'served', 'app.git'));
    http = await new GitHttpServer(join(root, 'served'), new Set()).start();
    server = await startTestServer({
      env: {
        HANGAR_TEMPLATES: TEMPLATES,
        HANGAR_DEFAULT_TEMPLATE: 'plain',
        HANGAR_LOCAL_REPO_ROOTS: allowed,
        HANGAR_HOST_DRIVER_MULTI_USER: 'true',
        HANGAR_SANDBOX_UID_BASE: String(1_300_000 + Math.floor(Math.random() * 990) * 100),
        HANGAR_SANDBOX_UID_COUNT: '100',
      },
    });
    admin = await setupAdmin(server);
    bob = await createMember(server, admin, 'bob');
  });

  afterAll(async () => {
    await server?.services.workspaces.settle();
    for (const row of (await server?.services.workspaces.repo.list({})) ?? []) {
      await server.services.workspaces.destroy(row.id);
    }
    await server?.stop();
    await http?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function refused(client: TestClient, url: string, template = 'plain') {
    const res = await client.post('/api/workspaces', {
      name: 'refused',
      template,
      source: { type: 'git', url },
    });
    expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBe(400);
    return res.body.error as { id: string; message: string };
  }

  it('refuses file:// outside the allowed roots, for admins too: /root, another workspace, .., a host', async () => {
    const other = await createWorkspace(admin, { name: 'other' });
    const otherWork = join(server.config.dataDir, 'workspaces', other.body.id, 'work');
    for (const url of [
      'file:///root',
      `file://${join(root, 'elsewhere')}`,
      `file://${otherWork}`,
      `file://${join(allowed, '..', 'elsewhere')}`,
      `file://${allowed}/%2e%2e/elsewhere`,
      `file://localhost${join(root, 'elsewhere')}`,
      `file://${join(allowed, 'missing')}`,
    ]) {
      for (const client of [admin, bob]) {
        const error = await refused(client, url);
        expect(error.id).toBe('clone_url_refused');
        expect(error.message).toContain('HANGAR_LOCAL_REPO_ROOTS');
      }
    }
    // A bare path is no URL at all.
    const bare = await admin.post('/api/workspaces', { name: 'bare', source: { type: 'git', url: '/root' } });
    expect(bare.body.error.id).toBe('validation_failed');
    expect((await bob.get('/api/workspaces')).body.workspaces).toEqual([]);
  });

  it('refuses, for a member, this machine and private networks, by address or by name', async () => {
    for (const url of [
      http.url('app.git'),
      `http://[::1]:${http.host.split(':')[1]}/app.git`,
      'http://10.1.2.3/app.git',
      'https://192.168.1.1/app.git',
      'http://169.254.169.254/latest/meta-data',
      'git://localhost/app.git',
      `http://localhost:${http.host.split(':')[1]}/app.git`,
      'ssh://git@127.0.0.1/app.git',
      'git@localhost:app.git',
    ]) {
      const error = await refused(bob, url);
      expect(error.id, url).toBe('clone_url_refused');
      expect(error.message, url).toMatch(/loopback, private or link-local/);
    }
    expect((await bob.get('/api/workspaces')).body.workspaces).toEqual([]);
  });

  it('lets an admin clone from this machine, as an admin’s webhook may reach it', async () => {
    const ws = await createWorkspace(admin, {
      name: 'from-http',
      source: { type: 'git', url: http.url('app.git') },
    });
    expect(ws.body, JSON.stringify(ws.body)).toMatchObject({ state: 'running', error: null });
    const work = join(server.config.dataDir, 'workspaces', ws.body.id, 'work');
    expect(existsSync(join(work, 'README.md'))).toBe(true);
  });

  it('resolves names before it judges them (a name of this machine is refused for a member)', async () => {
    const lookup = async () => [{ address: '127.0.0.1' }];
    await expect(
      checkCloneUrl('https://code.example.com/app.git', { admin: false, localRepoRoots: [], lookup }),
    ).rejects.toMatchObject({ id: 'clone_url_refused' });
    const ok = await checkCloneUrl('https://code.example.com/app.git', {
      admin: false,
      localRepoRoots: [],
      lookup: async () => [{ address: '192.0.2.7' }],
    });
    expect(ok).toMatchObject({ kind: 'remote', addresses: ['192.0.2.7'] });
  });

  it('stops a clone from a remote that never answers, and caps clones under way at 2 per user', async () => {
    const silent = await silentServer();
    try {
      const url = `http://127.0.0.1:${silent.port}/app.git`;
      const ids: string[] = [];
      for (const name of ['slow-1', 'slow-2']) {
        const res = await admin.post('/api/workspaces', { name, source: { type: 'git', url } });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      const third = await admin.post('/api/workspaces', { name: 'slow-3', source: { type: 'git', url } });
      expect(third.status).toBe(429);
      expect(third.body.error.id).toBe('too_many_clones');
      // Another user has slots of their own (and an empty workspace needs none).
      expect((await admin.post('/api/workspaces', { name: 'no-clone' })).status).toBe(201);
      silent.hangUp(); // the remote goes away: both clones fail
      for (const id of ids) expect((await settled(admin, id)).body.state).toBe('error');
      const fourth = await admin.post('/api/workspaces', { name: 'slow-4', source: { type: 'git', url } });
      expect(fourth.status).toBe(201); // the slots were given back
      await settled(admin, fourth.body.id);
    } finally {
      silent.hangUp();
      silent.server.close();
    }
  });

  it('times out a clone (the timeout is the caller’s; 10 minutes by default)', async () => {
    const silent = await silentServer();
    const dir = mkdtempSync(join(tmpdir(), 'hangar-clone-timeout-'));
    try {
      const url = `http://127.0.0.1:${silent.port}/app.git`;
      const driver = new HostDriver();
      const spec = {
        id: 'timeout',
        workDir: join(dir, 'work'),
        homeDir: join(dir, 'home'),
        stateDir: join(dir, 'state'),
        uid: 1000,
        gid: 1000,
        env: {},
        network: 'full' as const,
        limits: {},
      };
      await expect(
        prepareWorkTree({
          driver,
          spec,
          source: { type: 'git', url },
          origin: await checkCloneUrl(url, { admin: true, localRepoRoots: [] }),
          workspaceName: 'timeout',
          template: { name: 'plain', network: 'full' },
          cloneTimeoutMs: 1_000,
        }),
      ).rejects.toThrow(/git clone did not finish within [\d.]+ minutes and was stopped/);
    } finally {
      silent.hangUp();
      silent.server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.skipIf(bwrapSkip)(`in a bubblewrap sandbox${bwrapSkip ? ` (skipped: ${bwrapSkip})` : ''}`, () => {
    it('refuses a URL for a template with network none, saying so', async () => {
      const error = await refused(admin, 'https://192.0.2.1/app.git', 'offline');
      expect(error.id).toBe('clone_needs_network');
      expect(error.message).toContain('network "none"');
    });

    it('clones as the workspace’s uid, running none of the repository’s commands on the host', async () => {
      const source = join(allowed, 'hooked');
      makeRepo(source);
      const marker = join(root, 'marker');
      const script = join(root, 'mark.sh');
      writeFileSync(script, `#!/bin/sh\nid -u > ${marker}\n`, { mode: 0o755 });
      for (const hook of ['post-checkout', 'pre-upload-pack', 'post-merge', 'reference-transaction'])
        writeFileSync(join(source, '.git', 'hooks', hook), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
      git(source, 'config', 'core.fsmonitor', script);
      git(source, 'config', 'uploadpack.packObjectsHook', script);
      git(source, 'config', 'core.hooksPath', join(source, '.git', 'hooks'));
      const ws = await createWorkspace(admin, {
        name: 'hooked',
        template: 'offline',
        source: { type: 'git', url: `file://${source}` },
      });
      expect(ws.body, JSON.stringify(ws.body)).toMatchObject({ state: 'running', error: null });
      const row = (await server.services.workspaces.repo.find(ws.body.id))!;
      const work = join(server.config.dataDir, 'workspaces', row.id, 'work');
      expect(existsSync(marker)).toBe(false);
      if (asRoot) {
        expect(statSync(join(work, 'README.md')).uid).toBe(Number(row.uid));
        expect(statSync(join(work, '.git', 'HEAD')).uid).toBe(Number(row.uid));
      }
    });

    // Only a root server could clone what only root reads: as another user there is nothing to show.
    it.skipIf(!asRoot)(
      `cannot clone what only root can read: the clone is not root${asRoot ? '' : ' (skipped: the server is not root)'}`,
      async () => {
        const secret = join(allowed, 'root-only');
        makeRepo(secret);
        chmodSync(secret, 0o700);
        const ws = await createWorkspace(admin, {
          name: 'root-only',
          template: 'offline',
          source: { type: 'git', url: `file://${secret}` },
        });
        expect(ws.body.state).toBe('error');
        expect(ws.body.error).toMatch(/git clone failed/);
      },
    );
  });
});
