import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BubblewrapDriver } from '../../sandbox/bubblewrap/index.js';
import { FakeGitHub } from '../../test/fake-github.js';
import { FakeGitLab } from '../../test/fake-gitlab.js';
import type { GitHttpServer } from '../../test/git-http-server.js';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../../test/server.js';
import { createWorkspace } from '../../test/workspaces.js';
import { hostGit, makeBareRepo } from '../../test/git-repos.js';
import { cloneInside, hostAddress, startHttpsGitServer } from '../../test/git-remote.js';
import { insertSessionRow } from '../../test/sessions.js';

const address = hostAddress();
const skip =
  (await new BubblewrapDriver({ stateRoot: tmpdir() }).unavailableReason()) ??
  (address ? undefined : 'the host has no non-loopback IPv4 address for a sandbox to reach a remote on');
if (skip && process.env.CI === 'true') throw new Error(`CI requires bubblewrap: ${skip}`);

const TOKEN = `ghp_${Math.random().toString(36).slice(2)}SECRETtoken`;
const GL_TOKEN = `glpat-${Math.random().toString(36).slice(2)}SECRETtoken`;
const WRONG = `ghp_wrong${Math.random().toString(36).slice(2)}`;
const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`;

/** Every file under a directory, .git included, as text. */
function treeText(dir: string): string {
  let out = '';
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out += treeText(path);
    else if (entry.isFile() && statSync(path).size < 1_000_000) out += readFileSync(path, 'latin1');
  }
  return out;
}

/**
 * Pushing over HTTP with a stored credential, and pull/merge requests against
 * scripted GitHub and GitLab servers, on a real server and bubblewrap workspaces.
 */
describe.skipIf(skip)(`pull requests and credentials${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let server: TestServer;
  let admin: TestClient;
  let root: string;
  let githubGit: GitHttpServer;
  let gitlabGit: GitHttpServer;
  const certs = new Map<GitHttpServer, string>();
  let github: FakeGitHub;
  let gitlab: FakeGitLab;
  const log: string[] = [];
  const responses: string[] = [];
  const ws: Record<string, { id: string; work: string }> = {};
  const served = (path: string) => join(root, 'served', path);
  const headOf = (repo: string) => (branch: string) =>
    hostGit(root, '--git-dir', served(repo), 'rev-parse', `refs/heads/${branch}`).trim();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'hangar-pulls-'));
    chmodSync(root, 0o755);
    makeBareRepo(served('acme/app.git'));
    makeBareRepo(served('group/app.git'));
    // Git runs in the sandbox (network full), which reaches the host only at its own address.
    for (const [token, set] of [
      [TOKEN, (s: GitHttpServer) => (githubGit = s)],
      [GL_TOKEN, (s: GitHttpServer) => (gitlabGit = s)],
    ] as const) {
      const { server: git, cert } = await startHttpsGitServer(
        join(root, 'served'),
        new Set([token]),
        address!,
      );
      certs.set(set(git), cert);
    }
    github = new FakeGitHub(TOKEN, headOf('acme/app.git'));
    gitlab = new FakeGitLab(GL_TOKEN, headOf('group/app.git'));
    await github.start();
    await gitlab.start();
    server = await startTestServer({
      env: {
        HANGAR_TEMPLATES: JSON.stringify({ guarded: { driver: 'bubblewrap', network: 'full' } }),
        HANGAR_DEFAULT_TEMPLATE: 'guarded',
        HANGAR_SANDBOX_UID_BASE: String(1_200_000 + Math.floor(Math.random() * 990) * 100),
        HANGAR_SANDBOX_UID_COUNT: '100',
        HANGAR_LOG_LEVEL: 'trace',
        HANGAR_FORGES: JSON.stringify({
          [githubGit.host]: { kind: 'github', apiUrl: github.url },
          [gitlabGit.host]: { kind: 'gitlab', apiUrl: `${gitlab.url}/api/v4` },
        }),
      },
      logStream: (line) => log.push(line),
    });
    admin = await setupAdmin(server);
    // Every answer the admin gets is kept, to look for the token in.
    const request = admin.request.bind(admin);
    admin.request = async (...args: Parameters<TestClient['request']>) => {
      const res = await request(...args);
      responses.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
      return res;
    };
  });

  afterAll(async () => {
    await server?.services.workspaces.settle();
    for (const row of (await server?.services.workspaces.repo.list({})) ?? []) {
      await server.services.workspaces.destroy(row.id);
    }
    await server?.stop();
    await Promise.all([githubGit?.stop(), gitlabGit?.stop(), github?.stop(), gitlab?.stop()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function workspace(name: string, git: GitHttpServer, path: string) {
    const res = await createWorkspace(admin, { name, source: { type: 'empty' } });
    expect(res.body, JSON.stringify(res.body)).toMatchObject({ state: 'running', error: null });
    await cloneInside(admin, res.body.id, git.url(path), certs.get(git)!);
    ws[name] = { id: res.body.id, work: join(server.config.dataDir, 'workspaces', res.body.id, 'work') };
    const exec = await admin.post(`/api/workspaces/${res.body.id}/exec`, {
      command: ['/bin/sh', '-c', 'git switch -q -c feature && echo "login form" > login.txt'],
    });
    expect(exec.body.exitCode, exec.body.stderr).toBe(0);
    const commit = await admin.post(`/api/workspaces/${res.body.id}/git/commit`, {
      message: 'Add the login form',
    });
    expect(commit.status).toBe(201);
    return ws[name]!;
  }

  it('stores credentials sealed, lists them without the token, and keeps them per user', async () => {
    const bad = await admin.post('/api/me/git-credentials', {
      host: 'https://x',
      username: 'a',
      token: 't',
    });
    expect([bad.status, bad.body.error.id]).toEqual([400, 'validation_failed']);
    const created = await admin.post('/api/me/git-credentials', {
      host: githubGit.host,
      username: 'ada',
      token: WRONG,
      label: 'laptop',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      host: githubGit.host,
      username: 'ada',
      label: 'laptop',
      createdAt: expect.any(String),
      lastUsedAt: null,
    });
    const rows = await server.store.db.selectFrom('git_credentials').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(WRONG);

    const bob = await createMember(server, admin, 'bob');
    expect((await bob.get('/api/me/git-credentials')).body.credentials).toEqual([]);
    expect((await bob.delete(`/api/me/git-credentials/${created.body.id}`)).status).toBe(404);
    expect((await admin.get('/api/me/git-credentials')).body.credentials).toHaveLength(1);
  });

  it('pushes over HTTP with the stored token only; a refused token is reported without it', async () => {
    const { id } = await workspace('hub', githubGit, 'acme/app.git');
    const refused = await admin.post(`/api/workspaces/${id}/git/push`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.id).toBe('git_remote_auth_failed');
    expect(refused.body.error.message).toContain(githubGit.host);

    const replaced = await admin.post('/api/me/git-credentials', {
      host: githubGit.host,
      username: 'ada',
      token: TOKEN,
    });
    expect(replaced.status).toBe(201);
    const push = await admin.post(`/api/workspaces/${id}/git/push`, {});
    expect(push.status, JSON.stringify(push.body)).toBe(200);
    expect(push.body).toMatchObject({
      url: githubGit.url('acme/app.git'),
      remoteBranch: 'feature',
      created: true,
    });
    expect(
      hostGit(root, '--git-dir', served('acme/app.git'), 'log', '-1', '--format=%s', 'feature').trim(),
    ).toBe('Add the login form');
    const pushes = githubGit.requests.filter((r) => r.path.endsWith('/git-receive-pack'));
    expect(pushes.at(-1)?.authorization).toBe(basic('ada', TOKEN));
    // The earlier, wrong token was offered (and refused); the error above does not show it.
    expect(githubGit.requests.some((r) => r.authorization === basic('ada', WRONG))).toBe(true);
    const listed = (await admin.get('/api/me/git-credentials')).body.credentials;
    expect(listed[0].lastUsedAt).not.toBeNull();
  });

  it('opens a GitHub pull request with an agent-written body, and shows CI and review state', async () => {
    const { id } = ws.hub!;
    const now = new Date().toISOString();
    const db = server.store.db;
    await insertSessionRow(db, { id: 'sess1', workspace_id: id, agent: 'claude-code', title: 'Login form' });
    const events = [
      { type: 'TEXT_MESSAGE_START', messageId: 'm1', role: 'assistant' },
      { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm1', delta: 'Looking at the form.' },
      { type: 'TEXT_MESSAGE_START', messageId: 'm2', role: 'assistant' },
      { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm2', delta: 'Added a login form ' },
      { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm2', delta: 'in login.txt.' },
      { type: 'TEXT_MESSAGE_END', messageId: 'm2' },
    ];
    await db
      .insertInto('session_events')
      .values(
        events.map((e, i) => ({
          session_id: 'sess1',
          seq: i + 1,
          at: now,
          type: e.type,
          data: JSON.stringify(e),
        })),
      )
      .execute();

    const draft = await admin.get(`/api/workspaces/${id}/git/pulls/draft`);
    expect(draft.status).toBe(200);
    expect(draft.body).toMatchObject({
      forge: { kind: 'github', host: githubGit.host, project: 'acme/app', hasCredential: true },
      head: 'feature',
      base: 'main',
      title: 'Add the login form',
      body: 'Added a login form in login.txt.',
      bodySource: 'agent',
    });

    const created = await admin.post(`/api/workspaces/${id}/git/pulls`, {
      title: draft.body.title,
      body: draft.body.body,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      number: 1,
      state: 'open',
      head: 'feature',
      base: 'main',
      draft: false,
    });
    const [post] = github.received('POST', /^\/repos\/acme\/app\/pulls$/);
    expect(post?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(post?.headers.accept).toBe('application/vnd.github+json');
    expect(post?.body).toEqual({
      title: 'Add the login form',
      body: 'Added a login form in login.txt.',
      head: 'feature',
      base: 'main',
      draft: false,
    });

    const sha = headOf('acme/app.git')('feature');
    github.statuses.set(sha, [{ context: 'ci/build', state: 'success', target_url: 'https://ci.example/1' }]);
    github.checkRuns.set(sha, [{ name: 'lint', status: 'in_progress', conclusion: null }]);
    github.reviews.set(1, [
      { login: 'bob', state: 'COMMENTED' },
      { login: 'bob', state: 'APPROVED' },
    ]);
    const list = await admin.get(`/api/workspaces/${id}/git/pulls`);
    expect(list.status).toBe(200);
    expect(list.body.branch).toBe('feature');
    expect(list.body.pulls).toHaveLength(1);
    expect(list.body.pulls[0].status).toEqual({
      ci: {
        state: 'pending',
        checks: [
          { name: 'ci/build', state: 'success', url: 'https://ci.example/1' },
          { name: 'lint', state: 'pending', url: 'https://github.example/runs/1' },
        ],
      },
      review: {
        state: 'approved',
        reviews: [
          { user: 'bob', state: 'commented' },
          { user: 'bob', state: 'approved' },
        ],
      },
    });
    expect(github.received('GET', new RegExp(`/commits/${sha}/status$`))).not.toHaveLength(0);

    github.checkRuns.set(sha, [{ name: 'lint', status: 'completed', conclusion: 'failure' }]);
    github.reviews.set(1, [{ login: 'cy', state: 'CHANGES_REQUESTED' }]);
    const one = await admin.get(`/api/workspaces/${id}/git/pulls/1`);
    expect(one.body.status).toMatchObject({
      ci: { state: 'failure' },
      review: { state: 'changes_requested' },
    });

    const again = await admin.post(`/api/workspaces/${id}/git/pulls`, { title: 'Again' });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ id: 'forge_refused' });
    expect(again.body.error.message).toContain('already exists');
  });

  it('opens a GitLab merge request as a draft, with pipeline and approval state', async () => {
    const { id } = await workspace('lab', gitlabGit, 'group/app.git');
    const noToken = await admin.post(`/api/workspaces/${id}/git/pulls`, { title: 'x' });
    expect([noToken.status, noToken.body.error.id]).toEqual([409, 'forge_credential_missing']);
    await admin.post('/api/me/git-credentials', {
      host: gitlabGit.host,
      username: 'oauth2',
      token: GL_TOKEN,
    });
    expect((await admin.post(`/api/workspaces/${id}/git/push`, {})).status).toBe(200);

    const created = await admin.post(`/api/workspaces/${id}/git/pulls`, {
      title: 'Login form',
      body: 'Adds the form.',
      draft: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      number: 1,
      title: 'Draft: Login form',
      draft: true,
      head: 'feature',
      base: 'main',
    });
    const [post] = gitlab.received('POST', /^\/api\/v4\/projects\/group%2Fapp\/merge_requests$/);
    expect(post?.headers['private-token']).toBe(GL_TOKEN);
    expect(post?.body).toMatchObject({
      source_branch: 'feature',
      target_branch: 'main',
      title: 'Draft: Login form',
      description: 'Adds the form.',
    });

    gitlab.pipelines.set(1, [
      { id: 12, status: 'running' },
      { id: 11, status: 'failed' },
    ]);
    const pending = await admin.get(`/api/workspaces/${id}/git/pulls`);
    expect(pending.body.forge).toMatchObject({ kind: 'gitlab', project: 'group/app' });
    expect(pending.body.pulls[0].status).toMatchObject({
      ci: { state: 'pending', checks: [{ name: 'pipeline #12', state: 'pending' }] },
      review: { state: 'pending', reviews: [] },
    });
    gitlab.pipelines.set(1, [{ id: 13, status: 'success' }]);
    gitlab.approvedBy.set(1, ['bob']);
    const done = await admin.get(`/api/workspaces/${id}/git/pulls/1`);
    expect(done.body.status).toMatchObject({
      ci: { state: 'success' },
      review: { state: 'approved', reviews: [{ user: 'bob', state: 'approved' }] },
    });
  });

  it('never shows the tokens: not in answers, the server log, the workspace tree or its .git/config', async () => {
    const secrets = [
      TOKEN,
      GL_TOKEN,
      WRONG,
      basic('ada', TOKEN).slice(6),
      basic('oauth2', GL_TOKEN).slice(6),
    ];
    expect(log.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      expect(responses.join('\n')).not.toContain(secret);
      expect(log.join('\n')).not.toContain(secret);
      for (const { work } of Object.values(ws)) expect(treeText(work)).not.toContain(secret);
    }
    for (const { work } of Object.values(ws)) {
      expect(readFileSync(join(work, '.git/config'), 'utf8')).not.toMatch(/extraheader|authorization|token/i);
    }
  });
});
