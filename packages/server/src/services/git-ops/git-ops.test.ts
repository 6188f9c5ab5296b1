import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BubblewrapDriver } from '../../sandbox/bubblewrap/index.js';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../../test/server.js';
import type { GitHttpServer } from '../../test/git-http-server.js';
import { createWorkspace } from '../../test/workspaces.js';
import { hostGit, makeBareRepo, pushFromElsewhere } from '../../test/git-repos.js';
import { cloneInside, hostAddress, startHttpsGitServer } from '../../test/git-remote.js';

const address = hostAddress();
const skip =
  (await new BubblewrapDriver({ stateRoot: tmpdir() }).unavailableReason()) ??
  (address ? undefined : 'the host has no non-loopback IPv4 address for a sandbox to reach a remote on');
if (skip && process.env.CI === 'true') throw new Error(`CI requires bubblewrap: ${skip}`);

const TOKEN = `tok_${Math.random().toString(36).slice(2)}SECRET`;
const TEMPLATES = JSON.stringify({
  guarded: { driver: 'bubblewrap', network: 'full' },
  open: {
    driver: 'bubblewrap',
    network: 'full',
    git: { allowProtectedPush: true, allowRemoteBranchDelete: true },
  },
});

/**
 * The git API on a real server, with real bubblewrap workspaces whose git
 * runs inside their sandboxes, cloned (inside) from a bare repository that a
 * code host on the host's address serves over HTTPS (`origin`).
 */
describe.skipIf(skip)(`git operations${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: TestServer;
  let admin: TestClient;
  let root: string;
  let origin: string;
  let remote: { server: GitHttpServer; cert: string };
  let markers: string;
  const ws: Record<string, { id: string; work: string; uid: number }> = {};

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'hangar-gitops-'));
    chmodSync(root, 0o755); // sandbox uids reach the local repository (and the markers) on the host
    origin = join(root, 'served', 'origin.git');
    makeBareRepo(origin);
    remote = await startHttpsGitServer(join(root, 'served'), new Set([TOKEN]), address!);
    markers = join(root, 'markers');
    mkdirSync(markers);
    chmodSync(markers, 0o777); // anything git ran, as any uid, could leave a marker here
    server = await startTestServer({
      env: {
        HANGAR_TEMPLATES: TEMPLATES,
        HANGAR_DEFAULT_TEMPLATE: 'guarded',
        HANGAR_SANDBOX_UID_BASE: String(1_200_000 + Math.floor(Math.random() * 990) * 100),
        HANGAR_SANDBOX_UID_COUNT: '100',
        HANGAR_LOCAL_REPO_ROOTS: join(root, 'local'),
      },
    });
    admin = await setupAdmin(server);
    expect((await admin.patch('/api/me', { email: 'ada@example.com' })).status).toBe(200);
    const credential = { host: remote.server.host, username: 'ada', token: TOKEN };
    expect((await admin.post('/api/me/git-credentials', credential)).status).toBe(201);
  });

  afterAll(async () => {
    await server?.services.workspaces.settle();
    for (const row of (await server?.services.workspaces.repo.list({})) ?? []) {
      await server.services.workspaces.destroy(row.id);
    }
    await server?.stop();
    await remote?.server.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(readdirSync(markers)).toEqual([]);
  });

  const originUrl = () => remote.server.url('origin.git');

  async function workspace(name: string, template: string) {
    const res = await createWorkspace(admin, { name, template, source: { type: 'empty' } });
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ state: 'running', error: null });
    await cloneInside(admin, res.body.id, originUrl(), remote.cert);
    const row = (await server.services.workspaces.repo.find(res.body.id))!;
    ws[name] = {
      id: row.id,
      work: join(server.config.dataDir, 'workspaces', row.id, 'work'),
      uid: Number(row.uid),
    };
    return ws[name]!;
  }

  async function sh(id: string, script: string) {
    const res = await admin.post(`/api/workspaces/${id}/exec`, { command: ['/bin/sh', '-c', script] });
    expect(res.status).toBe(200);
    expect(res.body.exitCode, res.body.stderr).toBe(0);
    return res.body.stdout as string;
  }

  const bare = (...args: string[]) => hostGit(root, '--git-dir', origin, ...args).trim();

  it('commits as the Hangar user and pushes a new branch that lands in the bare origin', async () => {
    const { id, work, uid } = await workspace('guarded', 'guarded');
    await sh(id, 'echo notes > notes.txt && echo "from guarded" >> README.md');

    const before = await admin.get(`/api/workspaces/${id}/git/branches`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ current: 'main', defaultBranch: 'main' });
    expect(before.body.local).toEqual([
      expect.objectContaining({ name: 'main', upstream: 'origin/main', ahead: 0, current: true }),
    ]);
    expect(before.body.remotes).toEqual([{ name: 'origin', url: originUrl() }]);

    const branch = await admin.post(`/api/workspaces/${id}/git/branches`, { name: 'feature/notes' });
    expect(branch.status).toBe(201);
    expect(branch.body.current).toBe('feature/notes');

    const commit = await admin.post(`/api/workspaces/${id}/git/commit`, {
      message: 'Add notes',
      files: ['notes.txt'],
    });
    expect(commit.status, JSON.stringify(commit.body)).toBe(201);
    expect(commit.body).toMatchObject({
      branch: 'feature/notes',
      files: ['notes.txt'],
      commit: { subject: 'Add notes', authorName: 'Ada', authorEmail: 'ada@example.com' },
    });
    // Only the named file was committed; objects git wrote belong to the sandbox uid.
    expect(await sh(id, 'git status --porcelain')).toBe(' M README.md\n');
    const sha: string = commit.body.commit.sha;
    expect(statSync(join(work, '.git/objects', sha.slice(0, 2), sha.slice(2))).uid).toBe(uid);
    expect(statSync(join(work, '.git/index')).uid).toBe(uid);

    const push = await admin.post(`/api/workspaces/${id}/git/push`, {});
    expect(push.status, JSON.stringify(push.body)).toBe(200);
    expect(push.body).toMatchObject({
      remote: 'origin',
      branch: 'feature/notes',
      remoteBranch: 'feature/notes',
      sha,
      created: true,
    });
    expect(bare('log', '-1', '--format=%H|%an <%ae>|%s', 'feature/notes')).toBe(
      `${sha}|Ada <ada@example.com>|Add notes`,
    );
    const after = await admin.get(`/api/workspaces/${id}/git/branches`);
    expect(after.body.local).toContainEqual(
      expect.objectContaining({ name: 'feature/notes', upstream: 'origin/feature/notes', ahead: 0 }),
    );
  });

  it('refuses force-push, pushes to the default or a protected branch, and remote deletion', async () => {
    const { id } = ws.guarded!;
    const main = bare('rev-parse', 'main');
    const force = await admin.post(`/api/workspaces/${id}/git/push`, { force: true });
    expect(force.status).toBe(403);
    expect(force.body.error.id).toBe('git_force_push_refused');

    const toMaster = await admin.post(`/api/workspaces/${id}/git/push`, { remoteBranch: 'master' });
    expect(toMaster.status).toBe(403);
    expect(toMaster.body.error).toMatchObject({ id: 'git_protected_branch' });

    expect((await admin.post(`/api/workspaces/${id}/git/switch`, { name: 'main' })).status).toBe(200);
    const commit = await admin.post(`/api/workspaces/${id}/git/commit`, { message: 'Guarded readme' });
    expect(commit.status).toBe(201);
    const toMain = await admin.post(`/api/workspaces/${id}/git/push`, {});
    expect(toMain.status).toBe(403);
    expect(toMain.body.error.id).toBe('git_protected_branch');
    expect(toMain.body.error.message).toContain('default branch');
    const forceMain = await admin.post(`/api/workspaces/${id}/git/push`, { force: true });
    expect(forceMain.body.error.id).toBe('git_force_push_refused');

    const del = await admin.delete(`/api/workspaces/${id}/git/remote-branches?name=feature%2Fnotes`);
    expect(del.status).toBe(403);
    expect(del.body.error.id).toBe('git_remote_delete_refused');
    expect(bare('rev-parse', 'main')).toBe(main);
    expect(bare('branch', '--list', 'feature/notes')).toContain('feature/notes');
  });

  it('where the template allows protected pushes, still refuses force; deletes remote branches', async () => {
    const { id } = await workspace('open', 'open');
    await sh(id, 'echo "from open" >> README.md');
    expect((await admin.post(`/api/workspaces/${id}/git/commit`, { message: 'Open readme' })).status).toBe(
      201,
    );
    const push = await admin.post(`/api/workspaces/${id}/git/push`, {});
    expect(push.status, JSON.stringify(push.body)).toBe(200);
    expect(push.body).toMatchObject({ remoteBranch: 'main', created: false });
    expect(bare('log', '-1', '--format=%s', 'main')).toBe('Open readme');

    const force = await admin.post(`/api/workspaces/${id}/git/push`, { force: true });
    expect(force.body.error.id).toBe('git_force_push_refused');

    const del = await admin.delete(`/api/workspaces/${id}/git/remote-branches?name=feature%2Fnotes`);
    expect(del.status, JSON.stringify(del.body)).toBe(200);
    expect(bare('branch', '--list', 'feature/notes')).toBe('');
  });

  it('pulls fast-forward; divergence and conflicts answer 409 with ids and change nothing', async () => {
    const guarded = ws.guarded!.id;
    const head = await sh(guarded, 'git rev-parse HEAD');
    const ff = await admin.post(`/api/workspaces/${guarded}/git/pull`, {});
    expect(ff.status).toBe(409);
    expect(ff.body.error.id).toBe('git_not_fast_forward');
    const merge = await admin.post(`/api/workspaces/${guarded}/git/pull`, { mode: 'merge' });
    expect(merge.status).toBe(409);
    expect(merge.body.error).toMatchObject({ id: 'git_pull_conflict', details: { files: ['README.md'] } });
    expect(await sh(guarded, 'git status --porcelain && git rev-parse HEAD')).toBe(head);

    const open = ws.open!.id;
    const upstream = pushFromElsewhere(origin, 'CHANGELOG.md', 'v1\n');
    const pull = await admin.post(`/api/workspaces/${open}/git/pull`, {});
    expect(pull.status, JSON.stringify(pull.body)).toBe(200);
    expect(pull.body).toMatchObject({ updated: true, after: upstream });
    expect(await sh(open, 'cat CHANGELOG.md')).toBe('v1\n');
  });

  it('runs no hook, fsmonitor, filter, driver, pager or remote command of a hostile repository', async () => {
    const { id, work, uid } = await workspace('hostile', 'open');
    const marker = (name: string) => `touch ${join(markers, name)}`;
    const hooks = [
      'pre-commit',
      'post-commit',
      'commit-msg',
      'pre-push',
      'post-checkout',
      'post-merge',
      'reference-transaction',
      'pre-auto-gc',
      'post-rewrite',
      'pre-receive',
      'post-receive',
      'update',
    ];
    for (const hook of hooks) {
      writeFileSync(join(work, '.git/hooks', hook), `#!/bin/sh\n${marker(hook)}\n`, { mode: 0o755 });
    }
    const config = {
      'core.fsmonitor': marker('fsmonitor'),
      'core.pager': marker('pager'),
      'pager.status': marker('pager-status'),
      'core.editor': marker('editor'),
      'filter.evil.clean': `${marker('clean')}; cat`,
      'filter.evil.smudge': `${marker('smudge')}; cat`,
      'filter.evil.process': marker('process'),
      'diff.evil.textconv': marker('textconv'),
      'merge.evil.driver': marker('merge-driver'),
      'remote.origin.uploadpack': `${marker('uploadpack')}; git-upload-pack`,
      'remote.origin.receivepack': `${marker('receivepack')}; git-receive-pack`,
      'credential.helper': `!${marker('credential')}`,
      'commit.gpgSign': 'true',
      'gpg.program': marker('gpg'),
      'core.sshCommand': marker('ssh'),
    };
    for (const [key, value] of Object.entries(config))
      hostGit(work, 'config', '--file', '.git/config', key, value);
    writeFileSync(join(work, '.gitattributes'), '* filter=evil diff=evil merge=evil\n');
    writeFileSync(join(work, 'new.txt'), 'new\n');
    for (const file of ['.gitattributes', 'new.txt', '.git/config']) chownSync(join(work, file), uid, uid);

    const api = `/api/workspaces/${id}/git`;
    const calls: [string, string, unknown?][] = [
      ['GET', `${api}/branches`],
      ['POST', `${api}/branches`, { name: 'hostile' }],
      ['POST', `${api}/commit`, { message: 'Hostile change' }],
      ['POST', `${api}/switch`, { name: 'main' }],
      ['POST', `${api}/switch`, { name: 'hostile' }],
      ['POST', `${api}/fetch`, {}],
      ['POST', `${api}/push`, {}],
      ['POST', `${api}/pull`, { mode: 'merge' }],
      ['GET', `${api}/pulls/draft`],
    ];
    for (const [method, path, body] of calls) {
      const res = await admin.request(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      expect(readdirSync(markers), `${method} ${path}`).toEqual([]);
    }
    expect(bare('log', '-1', '--format=%s', 'hostile')).toBe('Hostile change');

    // The same repository does run them under plain git: the test would see a marker.
    try {
      hostGit(work, '-c', 'safe.directory=*', 'commit', '--allow-empty', '-qm', 'plain git');
    } catch {
      // gpg.program "signs" nothing: the commit fails after its hooks ran
    }
    expect(readdirSync(markers).length).toBeGreaterThan(0);
    for (const name of readdirSync(markers)) rmSync(join(markers, name));
  });

  it('commits in a worktree of a local repository (its git dir outside the workspace)', async () => {
    const local = join(root, 'local', 'app');
    mkdirSync(join(root, 'local'), { mode: 0o700 }); // the sandbox uid cannot traverse it: only the ACL lets it in
    hostGit(root, 'clone', '-q', origin, local);
    const res = await createWorkspace(admin, { name: 'tree', source: { type: 'local', path: local } });
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ state: 'running', branch: 'hangar/tree' });
    const id: string = res.body.id;
    await sh(id, 'echo tree > tree.txt');
    const branches = await admin.get(`/api/workspaces/${id}/git/branches`);
    expect(branches.body.current).toBe('hangar/tree');
    const commit = await admin.post(`/api/workspaces/${id}/git/commit`, { message: 'From the worktree' });
    expect(commit.status, JSON.stringify(commit.body)).toBe(201);
    expect(hostGit(local, 'log', '-1', '--format=%an|%s', 'hangar/tree').trim()).toBe(
      'Ada|From the worktree',
    );
    const uid = Number((await server.services.workspaces.repo.find(id))!.uid);
    const sha: string = commit.body.commit.sha;
    expect(statSync(join(local, '.git/objects', sha.slice(0, 2), sha.slice(2))).uid).toBe(uid);
  });

  it('lets viewers read and answers 403 to every write; 404 to non-members', async () => {
    const { id } = ws.guarded!;
    const viewer = await createMember(server, admin, 'vera');
    const me = await viewer.get('/api/me');
    const member = await admin.request('PUT', `/api/workspaces/${id}/members/${me.body.user.id}`, {
      role: 'viewer',
    });
    expect(member.status).toBe(200);
    const api = `/api/workspaces/${id}/git`;
    expect((await viewer.get(`${api}/branches`)).status).toBe(200);
    const writes: [string, string, unknown?][] = [
      ['POST', `${api}/init`, {}],
      ['POST', `${api}/branches`, { name: 'x' }],
      ['POST', `${api}/switch`, { name: 'main' }],
      ['POST', `${api}/commit`, { message: 'x' }],
      ['POST', `${api}/fetch`, {}],
      ['POST', `${api}/pull`, {}],
      ['POST', `${api}/push`, {}],
      ['POST', `${api}/pulls`, { title: 'x' }],
      ['DELETE', `${api}/remote-branches?name=main`],
    ];
    for (const [method, path, body] of writes) {
      const res = await viewer.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.id).toBe('forbidden');
    }
    const stranger = await createMember(server, admin, 'sam');
    expect((await stranger.get(`${api}/branches`)).status).toBe(404);
    expect((await stranger.post(`${api}/commit`, { message: 'x' })).status).toBe(404);
  });

  it('refuses git on a stopped workspace with 409 (it never runs on the host), and serves it once started', async () => {
    const { id } = await workspace('paused', 'guarded');
    expect((await admin.post(`/api/workspaces/${id}/stop`)).status).toBe(200);
    const api = `/api/workspaces/${id}/git`;
    const calls: [string, string, unknown?][] = [
      ['GET', `${api}/branches`],
      ['POST', `${api}/commit`, { message: 'x' }],
      ['POST', `${api}/push`, {}],
      ['POST', `${api}/fetch`, {}],
      ['GET', `${api}/pulls/draft`],
    ];
    for (const [method, path, body] of calls) {
      const res = await admin.request(method, path, body);
      expect([res.status, res.body.error?.id], `${method} ${path}`).toEqual([
        409,
        'git_workspace_not_running',
      ]);
      expect(res.body.error.message).toContain('start the workspace first');
    }
    expect((await admin.post(`/api/workspaces/${id}/start`)).status).toBe(200);
    expect((await admin.get(`${api}/branches`)).body).toMatchObject({ current: 'main' });
  });

  it('answers bad input with 4xx ids', async () => {
    const { id } = ws.guarded!;
    const api = `/api/workspaces/${id}/git`;
    const cases: [string, unknown, number, string][] = [
      [`${api}/branches`, { name: '-x' }, 400, 'validation_failed'],
      [`${api}/branches`, { name: 'main' }, 409, 'git_branch_exists'],
      [`${api}/branches`, { name: 'y', from: 'no-such-ref' }, 404, 'git_unknown_ref'],
      [`${api}/switch`, { name: 'nope' }, 404, 'git_unknown_ref'],
      [`${api}/commit`, { message: 'x', files: ['../etc/passwd'] }, 400, 'validation_failed'],
      [`${api}/commit`, { message: 'x', files: ['missing.txt'] }, 400, 'git_path_not_changed'],
      [`${api}/commit`, { message: ' ' }, 400, 'validation_failed'],
      [`${api}/fetch`, { remote: 'upstream' }, 404, 'git_unknown_remote'],
    ];
    for (const [path, body, status, errorId] of cases) {
      const res = await admin.post(path, body);
      expect([res.status, res.body.error?.id], `${path} ${JSON.stringify(body)}`).toEqual([status, errorId]);
    }
    await sh(id, 'git status --porcelain'); // a clean tree: nothing to commit
    const nothing = await admin.post(`${api}/commit`, { message: 'x' });
    expect([nothing.status, nothing.body.error.id]).toEqual([409, 'git_nothing_to_commit']);
    const blank = (await createWorkspace(admin, { name: 'blank', source: { type: 'empty' } })).body;
    const res = await admin.get(`/api/workspaces/${blank.id}/git/branches`);
    expect([res.status, res.body.error.id]).toEqual([409, 'git_not_a_repository']);
  });

  it('makes a workspace without a repository one, inside its sandbox (git init), and refuses a second time', async () => {
    const blank = (await createWorkspace(admin, { name: 'to-init', source: { type: 'empty' } })).body;
    const row = (await server.services.workspaces.repo.find(blank.id))!;
    const api = `/api/workspaces/${blank.id}/git`;
    const init = await admin.post(`${api}/init`, {});
    expect(init.status, JSON.stringify(init.body)).toBe(201);
    expect(init.body).toMatchObject({ current: 'main', head: null, local: [], remotes: [] });
    // Made by git in the sandbox, as the workspace's own uid (never by the server's git on the host).
    const gitDir = join(server.config.dataDir, 'workspaces', row.id, 'work', '.git');
    expect(statSync(gitDir).uid).toBe(Number(row.uid));
    expect(await sh(blank.id, 'git symbolic-ref --short HEAD')).toBe('main\n');
    expect((await admin.get(`${api}/branches`)).status).toBe(200);
    const again = await admin.post(`${api}/init`, {});
    expect([again.status, again.body.error?.id]).toEqual([409, 'git_already_a_repository']);
  });
});
