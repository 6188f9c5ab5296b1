import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../test/server.js';
import { createWorkspace, settled } from '../test/workspaces.js';

const DIALECTS = await dialectCases();

// The host driver keeps this suite about the API (states, roles, sources, errors);
// the sandbox drivers have their own contract suite.
const TEMPLATES = JSON.stringify({
  plain: { driver: 'host', description: 'no isolation', network: 'full' },
  scripted: {
    driver: 'host',
    network: 'full',
    setupScript: 'echo run >> setup-log && test -z "$FAIL_SETUP"',
  },
  failing: { driver: 'host', network: 'full', setupScript: 'echo nope >&2; exit 3' },
});

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
  }).toString();
}

function makeRepo(path: string) {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  writeFileSync(join(path, 'README.md'), '# demo\n');
  git(path, 'add', '.');
  git(path, '-c', 'user.email=a@example.com', '-c', 'user.name=a', 'commit', '-qm', 'init');
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect.skipReason)(`[${dialect.dialect}] workspaces API`, () => {
    let database: TestDatabase;
    let server: TestServer;
    let admin: TestClient;
    let bob: TestClient;
    let bobId: string;
    const roots = mkdtempSync(join(tmpdir(), 'hangar-repos-'));

    beforeAll(async () => {
      database = await dialect.create();
      makeRepo(join(roots, 'allowed', 'app'));
      makeRepo(join(roots, 'elsewhere'));
      server = await startTestServer({
        database,
        env: {
          HANGAR_TEMPLATES: TEMPLATES,
          HANGAR_DEFAULT_TEMPLATE: 'plain',
          HANGAR_LOCAL_REPO_ROOTS: join(roots, 'allowed'),
          HANGAR_HOST_DRIVER_MULTI_USER: 'true',
        },
      });
      admin = await setupAdmin(server);
      bob = await createMember(server, admin, 'bob');
      bobId = (await bob.get('/api/me')).body.user.id;
    });
    afterAll(async () => {
      await server?.services.workspaces.settle();
      await server?.stop();
      await database?.drop();
      rmSync(roots, { recursive: true, force: true });
    });

    it('creates an empty workspace that becomes running, with its owner and a uid', async () => {
      const ws = await createWorkspace(admin, { name: 'alpha' });
      expect(ws.body).toMatchObject({
        name: 'alpha',
        state: 'running',
        template: 'plain',
        driver: 'host',
        isolated: false,
        myRole: 'owner',
      });
      expect(ws.body.members).toEqual([expect.objectContaining({ username: 'ada', role: 'owner' })]);
      expect(existsSync(join(server.config.dataDir, 'workspaces', ws.body.id, 'work'))).toBe(true);
      const run = await admin.post(`/api/workspaces/${ws.body.id}/exec`, {
        command: ['sh', '-c', 'echo hi > f.txt && cat f.txt && pwd'],
      });
      expect(run.body).toMatchObject({ exitCode: 0, truncated: false });
      expect(run.body.stdout).toContain('hi');
      expect(run.body.stdout.trim().endsWith('/work')).toBe(true);
    });

    it('answers a create with ?wait=true once the workspace is ready', async () => {
      const res = await admin.post('/api/workspaces?wait=true', { name: 'waited' });
      expect(res.status).toBe(201);
      expect(res.body.state).toBe('running');
      await admin.request('DELETE', `/api/workspaces/${res.body.id}`, { confirm: 'waited' });
      expect((await settled(admin, res.body.id)).status).toBe(404);
    });

    it('runs the template’s setup script once, and reports its failure', async () => {
      const ws = await createWorkspace(admin, { name: 'with-setup', template: 'scripted' });
      expect(ws.body.state).toBe('running');
      await admin.post(`/api/workspaces/${ws.body.id}/stop`);
      await admin.post(`/api/workspaces/${ws.body.id}/start`);
      const log = await admin.post(`/api/workspaces/${ws.body.id}/exec`, { command: ['cat', 'setup-log'] });
      expect(log.body.stdout).toBe('run\n'); // not again on start
      const failed = await createWorkspace(admin, { name: 'bad-setup', template: 'failing' });
      expect(failed.body).toMatchObject({
        state: 'error',
        error: expect.stringMatching(/setup script exited with 3: nope/),
      });
      for (const [id, name] of [
        [ws.body.id, 'with-setup'],
        [failed.body.id, 'bad-setup'],
      ]) {
        await admin.request('DELETE', `/api/workspaces/${id}`, { confirm: name });
        expect((await settled(admin, id)).status).toBe(404);
      }
    });

    it('lists with filters by state, owner and text', async () => {
      await createWorkspace(admin, { name: 'beta-service' });
      const all = await admin.get('/api/workspaces');
      expect(all.body.workspaces.map((w: { name: string }) => w.name).sort()).toEqual([
        'alpha',
        'beta-service',
      ]);
      expect((await admin.get('/api/workspaces?q=beta')).body.workspaces).toHaveLength(1);
      expect((await admin.get('/api/workspaces?state=stopped')).body.workspaces).toHaveLength(0);
      expect((await admin.get('/api/workspaces?owner=ada')).body.workspaces).toHaveLength(2);
      expect((await admin.get('/api/workspaces?owner=bob')).body.workspaces).toHaveLength(0);
      expect((await admin.get('/api/workspaces?state=sleeping')).body.error.id).toBe('validation_failed');
    });

    it('shows members only their workspaces; a non-member gets 404', async () => {
      const alpha = (await admin.get('/api/workspaces?q=alpha')).body.workspaces[0];
      expect((await bob.get('/api/workspaces')).body.workspaces).toEqual([]);
      const hidden = await bob.get(`/api/workspaces/${alpha.id}`);
      expect(hidden.status).toBe(404);
      expect((await bob.post(`/api/workspaces/${alpha.id}/stop`)).status).toBe(404);
    });

    it('enforces roles: viewers read, editors operate, owners manage', async () => {
      const alpha = (await admin.get('/api/workspaces?q=alpha')).body.workspaces[0];
      const added = await admin.request('PUT', `/api/workspaces/${alpha.id}/members/${bobId}`, {
        role: 'viewer',
      });
      expect(added.body.members).toHaveLength(2);
      expect((await bob.get(`/api/workspaces/${alpha.id}`)).body.myRole).toBe('viewer');
      const exec = await bob.post(`/api/workspaces/${alpha.id}/exec`, { command: ['true'] });
      expect(exec.status).toBe(403);
      expect(exec.body.error.id).toBe('forbidden');
      await admin.request('PUT', `/api/workspaces/${alpha.id}/members/${bobId}`, { role: 'editor' });
      expect((await bob.post(`/api/workspaces/${alpha.id}/exec`, { command: ['true'] })).body.exitCode).toBe(
        0,
      );
      expect((await bob.patch(`/api/workspaces/${alpha.id}`, { name: 'bobs' })).status).toBe(403);
      expect((await bob.request('DELETE', `/api/workspaces/${alpha.id}`, { confirm: 'alpha' })).status).toBe(
        403,
      );
      // The last owner cannot be demoted.
      const me = (await admin.get('/api/me')).body.user.id;
      const demote = await admin.request('PUT', `/api/workspaces/${alpha.id}/members/${me}`, {
        role: 'viewer',
      });
      expect(demote.body.error.id).toBe('last_owner');
    });

    it('stops and starts, refusing actions that do not fit the state', async () => {
      const alpha = (await admin.get('/api/workspaces?q=alpha')).body.workspaces[0];
      expect((await admin.post(`/api/workspaces/${alpha.id}/stop`)).body.state).toBe('stopped');
      const again = await admin.post(`/api/workspaces/${alpha.id}/stop`);
      expect(again.status).toBe(409);
      expect(again.body.error.id).toBe('invalid_state');
      expect(
        (await admin.post(`/api/workspaces/${alpha.id}/exec`, { command: ['true'] })).body.error.id,
      ).toBe('invalid_state');
      expect((await admin.post(`/api/workspaces/${alpha.id}/start`)).body.state).toBe('running');
      const run = await admin.post(`/api/workspaces/${alpha.id}/exec`, { command: ['cat', 'f.txt'] });
      expect(run.body.stdout).toBe('hi\n'); // files persist across stop and start
    });

    it('archives and restores, keeping the files', async () => {
      const beta = (await admin.get('/api/workspaces?q=beta')).body.workspaces[0];
      await admin.post(`/api/workspaces/${beta.id}/exec`, { command: ['sh', '-c', 'echo kept > k.txt'] });
      expect((await admin.post(`/api/workspaces/${beta.id}/archive`)).body.state).toBe('archived');
      expect((await admin.post(`/api/workspaces/${beta.id}/start`)).body.error.id).toBe('invalid_state');
      expect((await admin.post(`/api/workspaces/${beta.id}/restore`)).body.state).toBe('running');
      expect(
        (await admin.post(`/api/workspaces/${beta.id}/exec`, { command: ['cat', 'k.txt'] })).body.stdout,
      ).toBe('kept\n');
    });

    it('renames, refusing a taken or invalid name', async () => {
      const beta = (await admin.get('/api/workspaces?q=beta')).body.workspaces[0];
      expect((await admin.patch(`/api/workspaces/${beta.id}`, { name: 'alpha' })).body.error.id).toBe(
        'workspace_name_taken',
      );
      expect((await admin.patch(`/api/workspaces/${beta.id}`, { name: 'Not Valid' })).body.error.id).toBe(
        'validation_failed',
      );
      expect((await admin.patch(`/api/workspaces/${beta.id}`, { name: 'gamma' })).body.name).toBe('gamma');
    });

    it('answers bad input with 4xx and an error id', async () => {
      for (const [body, id] of [
        [{ name: 'Bad Name!' }, 'validation_failed'],
        [{ name: '' }, 'validation_failed'],
        [{ name: 'x'.repeat(41) }, 'validation_failed'],
        [{ name: 'alpha' }, 'workspace_name_taken'],
        [{ name: 'delta', template: 'nope' }, 'unknown_template'],
        [{ name: 'delta', source: { type: 'git', url: 'not a url' } }, 'validation_failed'],
        [{ name: 'delta', source: { type: 'local', path: join(roots, 'elsewhere') } }, 'path_not_allowed'],
        [
          { name: 'delta', source: { type: 'local', path: join(roots, 'allowed', '..', 'elsewhere') } },
          'path_not_allowed',
        ],
        [{ name: 'delta', source: { type: 'local', path: 'relative/path' } }, 'path_not_allowed'],
        [{ name: 'delta', source: { type: 'local', path: join(roots, 'allowed') } }, 'path_not_allowed'],
        [{ name: 'delta', source: { type: 'svn' } }, 'validation_failed'],
      ] as const) {
        const res = await admin.post('/api/workspaces', body);
        expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
        expect(res.status, JSON.stringify(body)).toBeLessThan(500);
        expect(res.body.error.id, JSON.stringify(body)).toBe(id);
      }
    });

    it('ties workspace errors to the field a form should mark', async () => {
      const taken = await admin.post('/api/workspaces', { name: 'alpha' });
      expect(taken.body.error.details).toEqual([expect.objectContaining({ where: 'body', path: 'name' })]);
      const template = await admin.post('/api/workspaces', { name: 'epsilon', template: 'nope' });
      expect(template.body.error.details[0].path).toBe('template');
    });

    it('puts an unreachable git URL into error with git’s message; retry works once it is reachable', async () => {
      // Under the allowed roots (file:// clones may name nothing else), not yet a repository.
      const remote = join(roots, 'allowed', 'later.git');
      mkdirSync(remote);
      const ws = await createWorkspace(admin, {
        name: 'from-git',
        source: { type: 'git', url: `file://${remote}` },
      });
      expect(ws.body.state).toBe('error');
      expect(ws.body.error).toMatch(
        /git clone failed: .*(does not appear to be a git repository|does not exist)/,
      );
      makeRepo(join(roots, 'later-src'));
      git(roots, 'clone', '-q', '--bare', join(roots, 'later-src'), remote);
      const retried = await admin.post(`/api/workspaces/${ws.body.id}/retry`);
      expect(retried.body.state).toBe('creating');
      const done = await settled(admin, ws.body.id);
      expect(done.body).toMatchObject({ state: 'running', error: null });
      const readme = await admin.post(`/api/workspaces/${ws.body.id}/exec`, {
        command: ['cat', 'README.md'],
      });
      expect(readme.body.stdout).toBe('# demo\n');
    });

    it('makes a local repository a worktree on branch hangar/<name>, removed on delete', async () => {
      const repo = join(roots, 'allowed', 'app');
      const ws = await createWorkspace(admin, { name: 'wt', source: { type: 'local', path: repo } });
      expect(ws.body).toMatchObject({ state: 'running', branch: 'hangar/wt' });
      const work = join(server.config.dataDir, 'workspaces', ws.body.id, 'work');
      expect(git(repo, 'worktree', 'list')).toContain(work);
      const del = await admin.request('DELETE', `/api/workspaces/${ws.body.id}`, { confirm: 'wt' });
      expect(del.status).toBe(200);
      expect((await settled(admin, ws.body.id)).status).toBe(404);
      expect(git(repo, 'worktree', 'list')).not.toContain(work);
      expect(git(repo, 'branch', '--list', 'hangar/wt')).toContain('hangar/wt'); // commits on the branch are kept
      expect(existsSync(work)).toBe(false);
    });

    it('deletes only with the name as confirmation', async () => {
      const gamma = (await admin.get('/api/workspaces?q=gamma')).body.workspaces[0];
      const wrong = await admin.request('DELETE', `/api/workspaces/${gamma.id}`, { confirm: 'yes' });
      expect(wrong.body.error.id).toBe('confirmation_mismatch');
      expect((await admin.request('DELETE', `/api/workspaces/${gamma.id}`, {})).body.error.id).toBe(
        'validation_failed',
      );
      expect(
        (await admin.request('DELETE', `/api/workspaces/${gamma.id}`, { confirm: 'gamma' })).status,
      ).toBe(200);
      expect((await settled(admin, gamma.id)).status).toBe(404);
      expect(existsSync(join(server.config.dataDir, 'workspaces', gamma.id))).toBe(false);
    });
  });
}

describe('host driver with several accounts', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: { HANGAR_TEMPLATES: TEMPLATES, HANGAR_DEFAULT_TEMPLATE: 'plain' },
    });
  });
  afterAll(() => server?.stop());

  it('is refused unless an admin allows it', async () => {
    const admin = await setupAdmin(server);
    expect((await createWorkspace(admin, { name: 'solo' })).body.state).toBe('running');
    await createMember(server, admin, 'bob');
    const refused = await admin.post('/api/workspaces', { name: 'shared' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.id).toBe('host_driver_refused');
  });
});
