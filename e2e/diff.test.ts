import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAddress, SANDBOX_CA, startHttpsGitServer } from '../packages/server/src/test/git-remote.js';
import { FakeGitHub } from '../packages/server/src/test/fake-github.js';
import { hostGit as gitAsTest, makeBareRepo } from '../packages/server/src/test/git-repos.js';
import { GitHttpServer } from '../packages/server/src/test/git-http-server.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startHangar, type HangarProcess } from './support/hangar.js';

// The README's screenshots are refreshed with HANGAR_UPDATE_SCREENSHOTS=1; other runs keep theirs in test-results/.
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.HANGAR_UPDATE_SCREENSHOTS === '1' ? '../docs/screenshots/' : '../test-results/screenshots/',
    import.meta.url,
  ),
);
const NAME = 'diff-demo';
const BRANCH = 'feature/second-line';
const AGENT = 'claude-code';
/** The file the demo model writes. */
const NOTE = 'HELLO_FROM_HANGAR.md';
/** An agent starting and the scripted model working, in milliseconds. */
const REPLY_TIMEOUT = 45_000;
/** Creating, starting and deleting a real sandbox, in milliseconds. */
const STATE_TIMEOUT = 30_000;
/** A shell starting and answering, a git command finishing, in milliseconds. */
const OUTPUT_TIMEOUT = 15_000;
/** Seconds the terminal waits before writing, so the Diff tab is open and clean first. */
const WRITE_DELAY_S = 4;

const PASSWORD = 'correct horse battery';
const HUB_NAME = 'diff-pulls';
const HUB_TOKEN = `ghp_${Math.random().toString(36).slice(2)}SECRETtoken`;
/** The owner's token for the code host that serves the demo's origin (stored before the tests). */
const ORIGIN_TOKEN = `origin_${Math.random().toString(36).slice(2)}`;
/** Git runs in the workspace's sandbox (network full), which reaches the host only at its own address. */
const ADDRESS = hostAddress();
const skip = ADDRESS
  ? undefined
  : 'the host has no non-loopback IPv4 address for a sandbox to reach a remote on';
if (skip && process.env.CI === 'true') throw new Error(`CI requires a reachable host address: ${skip}`);
const OWNER = { username: 'ada', displayName: 'Ada Lovelace' };
const VIEWER = { username: 'vic', displayName: 'Vic Viewer' };

/** Plain git on the host as the test, with no user or system config; its output trimmed. */
function hostGit(cwd: string, ...args: string[]): string {
  return gitAsTest(cwd, ...args).trim();
}

/** The Diff panel's file row of a path; its accessible name carries the status and the line counts. */
function fileRow(page: Page, path: string) {
  const name = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*,`);
  return page.getByRole('list', { name: 'Changed files' }).getByRole('button', { name });
}

// An owner works in the panel and a viewer reads it. The workspace is a clone of a bare
// repository on disk (file://, under HANGAR_LOCAL_REPO_ROOTS); its `origin`, the remote the panel
// pushes to, is that repository served over HTTPS on the host's address, as a code host would:
// the workspace's git runs in its sandbox (network full) and never reaches the host's disk or loopback.
describe.skipIf(skip)(`the Diff panel in the browser${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let hangar: HangarProcess;
  let testBrowser: TestBrowser;
  let page: Page;
  let root: string;
  let origin: string;
  let workspaceId: string;
  let sessionId: string | undefined;
  let originGit: GitHttpServer;
  let hubGit: GitHttpServer;
  /** Plain HTTP, reads only: where the pull request's workspace is cloned from at creation. */
  let hubReads: GitHttpServer;
  /** The code hosts' certificates, which each workspace's repository trusts. */
  const certs = new Map<GitHttpServer, string>();
  let hub: FakeGitHub;
  /** Workspaces to delete at the end, by id, with their names (the typed confirmation). */
  const workspaces = new Map<string, string>();

  const cookies = new Map<string, string>();

  /** A request as one person (their session cookie, and the Origin the CSRF check wants). */
  const as = async (who: string | null, path: string, method = 'GET', body?: unknown) => {
    const headers: Record<string, string> = {
      origin: hangar.url,
      cookie: who ? (cookies.get(who) ?? '') : '',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${hangar.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hangar_session='));
    if (who && cookie) cookies.set(who, cookie.split(';')[0]!);
    return res;
  };
  const api = (path: string, method?: string, body?: unknown) => as(OWNER.username, path, method, body);
  /** A browser page signed in as one person. */
  const openAs = async (who: string): Promise<Page> => {
    const context = await testBrowser.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const [name, value] = cookies.get(who)!.split('=') as [string, string];
    await context.addCookies([{ name, value, url: hangar.url }]);
    return context.newPage();
  };
  const bare = (...args: string[]) => hostGit(root, '--git-dir', origin, ...args);
  /**
   * Points a workspace's `origin` at a repository of a code host over HTTPS, trusting the host's
   * test CA in the repository's own config, from inside the sandbox as a user would.
   */
  const useCodeHost = async (id: string, server: GitHttpServer, path: string) => {
    const script = `set -e
printf '%s' "$CA" > ${SANDBOX_CA}
git remote set-url origin "$URL"
git config http.sslCAInfo ${SANDBOX_CA}
git fetch -q origin`;
    const exec = await api(`/api/workspaces/${id}/exec`, 'POST', {
      command: ['/bin/sh', '-c', script],
      env: { CA: certs.get(server)!, URL: server.url(path) },
    });
    const result = (await exec.json()) as { exitCode: number; stderr: string };
    expect(exec.status, JSON.stringify(result)).toBe(200);
    expect(result.exitCode, result.stderr).toBe(0);
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'hangar-e2e-diff-'));
    chmodSync(root, 0o755); // the workspace's uid reads the origin when it clones it (file://)
    const served = join(root, 'served');
    origin = join(served, 'demo', 'origin.git');
    makeBareRepo(origin);
    // A GitHub host: its git over smart HTTPS (pushes need the token) and its REST API, scripted.
    const hubRepo = join(served, 'acme', 'app.git');
    makeBareRepo(hubRepo);
    // Two code hosts (pushes need their own token), and the hub's repositories read over plain HTTP.
    for (const [token, set] of [
      [ORIGIN_TOKEN, (s: GitHttpServer) => (originGit = s)],
      [HUB_TOKEN, (s: GitHttpServer) => (hubGit = s)],
    ] as const) {
      const { server, cert } = await startHttpsGitServer(served, new Set([token]), ADDRESS!);
      certs.set(set(server), cert);
    }
    hubReads = await new GitHttpServer(served, new Set(), { address: ADDRESS! }).start();
    hub = new FakeGitHub(HUB_TOKEN, (branch) => hostGit(root, '--git-dir', hubRepo, 'rev-parse', branch));
    await hub.start();

    hangar = await startHangar({
      // Every provider is the scripted demo model, which writes HELLO_FROM_HANGAR.md when asked to work.
      HANGAR_DEMO: 'true',
      HANGAR_SANDBOX_UID_BASE: String(1_700_000 + Math.floor(Math.random() * 999) * 100),
      HANGAR_SANDBOX_UID_COUNT: '100',
      // Pushes and fetches leave the sandbox for the code hosts on the host's address.
      HANGAR_TEMPLATES: JSON.stringify({ online: { driver: 'bubblewrap', network: 'full' } }),
      HANGAR_DEFAULT_TEMPLATE: 'online',
      HANGAR_LOCAL_REPO_ROOTS: served,
      HANGAR_FORGES: JSON.stringify({ [hubGit.host]: { kind: 'github', apiUrl: hub.url } }),
    });
    const setupToken = new URL(hangar.setupUrl!).searchParams.get('token');
    const setup = await as(OWNER.username, '/api/auth/setup', 'POST', {
      setupToken,
      ...OWNER,
      password: PASSWORD,
    });
    expect(setup.status).toBe(200);
    const viewer = await api('/api/users', 'POST', { ...VIEWER, password: PASSWORD, role: 'member' });
    expect(viewer.status).toBe(201);
    const viewerId = ((await viewer.json()) as { id: string }).id;
    const credential = await api('/api/me/git-credentials', 'POST', {
      host: originGit.host,
      username: OWNER.username,
      token: ORIGIN_TOKEN,
    });
    expect(credential.status).toBe(201);
    const login = await as(VIEWER.username, '/api/auth/login', 'POST', {
      username: VIEWER.username,
      password: PASSWORD,
    });
    expect(login.status).toBe(200);

    const created = await api('/api/workspaces?wait=true', 'POST', {
      name: NAME,
      source: { type: 'git', url: `file://${origin}` },
    });
    const workspace = (await created.json()) as { id: string; state: string; error: string | null };
    expect(created.status, JSON.stringify(workspace)).toBe(201);
    expect(workspace).toMatchObject({ state: 'running', error: null });
    workspaceId = workspace.id;
    workspaces.set(workspaceId, NAME);
    await useCodeHost(workspaceId, originGit, 'demo/origin.git');
    const member = await api(`/api/workspaces/${workspaceId}/members/${viewerId}`, 'PUT', { role: 'viewer' });
    expect(member.status).toBe(200);
    testBrowser = await launchBrowser();
    page = await openAs(OWNER.username);
    mkdirSync(SCREENSHOTS, { recursive: true });
  });
  afterAll(async () => {
    await testBrowser?.close();
    if (sessionId) await api(`/api/sessions/${sessionId}/stop`, 'POST', {});
    // Terminals outlive the server (tmux in the sandbox): delete the workspaces so none is left behind.
    for (const [id, name] of workspaces) {
      await api(`/api/workspaces/${id}`, 'DELETE', { confirm: name });
      const deadline = Date.now() + STATE_TIMEOUT;
      while ((await api(`/api/workspaces/${id}`)).status !== 404 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    await hangar?.stop();
    await Promise.all([originGit?.stop(), hubGit?.stop(), hubReads?.stop(), hub?.stop()]);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('shows a file edited in the terminal within a second, with its counts', async () => {
    await page.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await page.getByText(/^No terminals yet/).waitFor({ timeout: STATE_TIMEOUT });
    await page.getByRole('button', { name: 'New terminal', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^Connected$/ })
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    await page.locator('.terminal-screen').click();
    // The write happens later, with the Diff tab open; the shell notes when, in ms, outside the tree.
    await page.keyboard.type(
      `sleep ${WRITE_DELAY_S}; echo 'a second line' >> README.md; date +%s%3N > ~/written-at`,
    );
    await page.keyboard.press('Enter');

    await page.getByRole('tab', { name: 'Diff' }).click();
    await page.getByText('No changes: the working tree matches HEAD.').waitFor({ timeout: OUTPUT_TIMEOUT });
    await page
      .getByRole('status')
      .filter({ hasText: /^Live$/ })
      .waitFor();
    await expect(page.getByTestId('current-branch').textContent()).resolves.toBe('main');

    const row = fileRow(page, 'README.md');
    await row.waitFor({ timeout: (WRITE_DELAY_S + 10) * 1000 });
    const seenAt = Date.now();
    const exec = await api(`/api/workspaces/${workspaceId}/exec`, 'POST', {
      command: ['/bin/sh', '-c', 'cat ~/written-at'],
    });
    const writtenAt = Number(((await exec.json()) as { stdout: string }).stdout.trim());
    expect(writtenAt).toBeGreaterThan(0);
    // From the write in the sandbox to the row in the page (waitFor polls every ~100 ms at most).
    expect(seenAt - writtenAt).toBeLessThan(1000);

    await expect(row.getAttribute('title')).resolves.toBe('README.md (modified)');
    await expect(row.textContent()).resolves.toMatch(/1 added, 0 removed/);
    await expect(row.locator('.diff-counts').textContent()).resolves.toBe('+1 −0');
    await expect(page.locator('.diff-summary').textContent()).resolves.toBe('1 file changed, +1 −0');
    const patch = page.getByRole('article', { name: 'Changes in README.md' });
    await expect(patch.locator('tr.diff-add').textContent()).resolves.toContain('a second line');

    // Side by side: the new line on the right, against a blank on the left.
    await page.getByRole('button', { name: 'Split', exact: true }).click();
    await expect(patch.locator('td.diff-code.diff-add').textContent()).resolves.toContain('a second line');
    await expect(patch.locator('td.diff-code.diff-empty').count()).resolves.toBe(1);
    await page.locator('.workspace-tools').screenshot({ path: `${SCREENSHOTS}diff.png` });
    // The choice of layout outlives a reload.
    await page.reload();
    await page.getByRole('tab', { name: 'Diff' }).click();
    await fileRow(page, 'README.md').waitFor({ timeout: OUTPUT_TIMEOUT });
    await expect(
      page.getByRole('button', { name: 'Split', exact: true }).getAttribute('aria-pressed'),
    ).resolves.toBe('true');
    await page.getByRole('button', { name: 'Unified', exact: true }).click();
  });

  it('shows a viewer the same changes, read-only: no branch, commit or push controls', async () => {
    const viewer = await openAs(VIEWER.username);
    await viewer.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await viewer.getByRole('tab', { name: 'Diff' }).click();
    const row = fileRow(viewer, 'README.md');
    await row.waitFor({ timeout: OUTPUT_TIMEOUT });
    await expect(row.locator('.diff-counts').textContent()).resolves.toBe('+1 −0');
    await expect(viewer.getByTestId('current-branch').textContent()).resolves.toBe('main');
    const panel = viewer.locator('.diff-panel');
    for (const control of [
      panel.getByRole('checkbox'),
      panel.getByLabel('Commit message'),
      panel.getByRole('button', { name: /^(Commit|Push|Create branch|Fetch|Pull)/ }),
      panel.getByLabel('Switch branch'),
    ]) {
      await expect(control.count()).resolves.toBe(0);
    }
    await viewer.context().close();
  });

  it('commits the file from the panel as the Hangar user, and the tree is clean again', async () => {
    await page.getByRole('button', { name: 'Commit the change' }).click();
    // Without a message the form says so and sends nothing.
    await page.getByText('Write a commit message.').waitFor();
    await page.getByLabel('Commit message').fill('Add a second line');
    await page.getByRole('button', { name: 'Commit the change' }).click();
    await page
      .getByText(/^Committed [0-9a-f]{8} “Add a second line” on main/)
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    await page.getByText('No changes: the working tree matches HEAD.').waitFor({ timeout: OUTPUT_TIMEOUT });

    const branches = (await (await api(`/api/workspaces/${workspaceId}/git/branches`)).json()) as {
      head: string;
      local: { name: string; ahead: number; current: boolean }[];
    };
    expect(branches.local).toEqual([expect.objectContaining({ name: 'main', ahead: 1, current: true })]);
    await page.getByText('1 commit not on origin/main').waitFor();
    // The bare origin has not moved yet.
    expect(bare('log', '-1', '--format=%s', 'main')).toBe('init');
  });

  it('refuses a push to main with the guardrail’s message, then pushes a new branch to origin', async () => {
    await page.getByRole('button', { name: 'Push main' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /Pushing to "main" is refused/ })
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    expect(bare('log', '-1', '--format=%s', 'main')).toBe('init');

    await page.getByLabel('New branch name').fill(BRANCH);
    await page.getByRole('button', { name: 'Create branch' }).click();
    await expect
      .poll(() => page.getByTestId('current-branch').textContent(), { timeout: OUTPUT_TIMEOUT })
      .toBe(BRANCH);
    await page.getByRole('button', { name: `Push ${BRANCH}` }).click();
    await page
      .getByText(`Pushed ${BRANCH} to origin/${BRANCH} (a new branch there).`)
      .waitFor({ timeout: OUTPUT_TIMEOUT });

    const branches = (await (await api(`/api/workspaces/${workspaceId}/git/branches`)).json()) as {
      head: string;
    };
    expect(bare('rev-parse', `refs/heads/${BRANCH}`)).toBe(branches.head);
    const me = (await (await api('/api/me')).json()) as { user: { displayName: string } };
    expect(bare('log', '-1', '--format=%s%n%an', BRANCH)).toBe(`Add a second line\n${me.user.displayName}`);
    expect(bare('show', `${BRANCH}:README.md`)).toBe('# app\na second line');
    await page.getByText(`up to date with origin/${BRANCH}`).waitFor({ timeout: OUTPUT_TIMEOUT });
  });

  it('shows what an agent turn changed, in the turn filter and beside the turn in the chat', async () => {
    const started = await api('/api/sessions', 'POST', {
      workspaceId,
      agent: AGENT,
      model: 'hangar-demo',
      permissionMode: 'allow_all',
      prompt: 'look around and leave a note',
    });
    const session = (await started.json()) as { id: string; title: string };
    expect(started.status, JSON.stringify(session)).toBe(201);
    sessionId = session.id;
    let turns: { turnId: string; files: { path: string; additions: number }[] }[] = [];
    await expect
      .poll(
        async () => {
          ({ turns } = (await (await api(`/api/sessions/${session.id}/turns`)).json()) as {
            turns: typeof turns;
          });
          return turns.flatMap((turn) => turn.files.map((file) => file.path));
        },
        { timeout: REPLY_TIMEOUT, interval: 500 },
      )
      .toContain(NOTE);
    const written = turns.flatMap((turn) => turn.files).find((file) => file.path === NOTE)!;
    expect(written.additions).toBeGreaterThan(0);

    // The live tree has the note as a new file; the turn filter shows the turn's own diff.
    await fileRow(page, NOTE).waitFor({ timeout: OUTPUT_TIMEOUT });
    await page.getByLabel('Show').selectOption({ label: `Agent session: ${session.title || AGENT}` });
    await expect
      .poll(() => page.locator('.diff-summary').textContent(), { timeout: OUTPUT_TIMEOUT })
      .toBe(`1 file changed, +${written.additions} −0`);
    await expect(fileRow(page, NOTE).textContent()).resolves.toMatch(/new, untracked|added/);
    // No commit form for a past turn: it is history.
    await expect(page.getByRole('button', { name: /^Commit/ }).count()).resolves.toBe(0);

    await page.getByRole('tab', { name: 'Agent' }).click();
    // Right after the turn in the chat: what it changed, opened as a person would (click the summary
    // again if the transcript shifted under the first click).
    const changes = page.getByText('Changes in this turn: 1 file');
    await changes.waitFor({ timeout: OUTPUT_TIMEOUT });
    const entry = page.locator('.turn-changes details');
    await expect
      .poll(
        async () => {
          if (!(await entry.evaluate((node) => node.hasAttribute('open')))) await changes.click();
          return entry.evaluate((node) => node.hasAttribute('open'));
        },
        { timeout: OUTPUT_TIMEOUT },
      )
      .toBe(true);
    await fileRow(page, NOTE).click();
    await page.getByRole('article', { name: `Changes in ${NOTE}` }).waitFor({ timeout: OUTPUT_TIMEOUT });
  });

  it('falls back to polling with If-None-Match when the event stream is refused; a big patch is cut with a notice', async () => {
    const polling = await openAs(OWNER.username);
    await polling.route('**/diff/events', (route) =>
      route.fulfill({ status: 503, body: 'no streams today' }),
    );
    const answers: number[] = [];
    polling.on('response', (response) => {
      if (new URL(response.url()).pathname === `/api/workspaces/${workspaceId}/diff`)
        answers.push(response.status());
    });
    await polling.goto(`${hangar.url}/workspaces/${workspaceId}`);
    await polling.getByRole('tab', { name: 'Diff' }).click();
    await polling
      .getByRole('status')
      .filter({ hasText: /^Reconnecting \(polling\)$/ })
      .waitFor({ timeout: OUTPUT_TIMEOUT });
    await fileRow(polling, NOTE).waitFor({ timeout: OUTPUT_TIMEOUT });
    // Unchanged polls cost a 304.
    await expect.poll(() => answers.includes(304), { timeout: OUTPUT_TIMEOUT }).toBe(true);

    const exec = await api(`/api/workspaces/${workspaceId}/exec`, 'POST', {
      command: ['/bin/sh', '-c', 'printf "one\\ntwo\\n" > polled.txt'],
    });
    expect(exec.status).toBe(200);
    const row = fileRow(polling, 'polled.txt');
    await row.waitFor({ timeout: OUTPUT_TIMEOUT });
    await expect(row.locator('.diff-counts').textContent()).resolves.toBe('+2 −0');
    expect(answers).toContain(200);

    // A patch above the per-file cap is cut, says so, and keeps exact counts.
    const big = await api(`/api/workspaces/${workspaceId}/exec`, 'POST', {
      command: ['/bin/sh', '-c', "seq 1 20000 | sed 's/$/ is a line of a file too big to show/' > big.txt"],
    });
    expect(big.status).toBe(200);
    const bigRow = fileRow(polling, 'big.txt');
    await bigRow.waitFor({ timeout: OUTPUT_TIMEOUT });
    await expect(bigRow.locator('.diff-counts').textContent()).resolves.toBe('+20000 −0');
    await bigRow.click();
    const patch = polling.getByRole('article', { name: 'Changes in big.txt' });
    await patch.getByText(/too large to show whole/).waitFor();
    await expect(patch.locator('tr.diff-add').count()).resolves.toBeLessThan(20000);
    await expect(polling.locator('.diff-summary').textContent()).resolves.toContain(
      'some patches are cut short',
    );
    await polling.context().close();
  });

  it('opens a pull request on a GitHub host: token form, prefilled draft, CI and review state', async () => {
    const created = await api('/api/workspaces?wait=true', 'POST', {
      name: HUB_NAME,
      source: { type: 'git', url: hubReads.url('acme/app.git') },
    });
    const workspace = (await created.json()) as { id: string; state: string; error: string | null };
    expect(created.status, JSON.stringify(workspace)).toBe(201);
    workspaces.set(workspace.id, HUB_NAME);
    await useCodeHost(workspace.id, hubGit, 'acme/app.git');
    const git = (suffix: string, body: unknown) =>
      api(`/api/workspaces/${workspace.id}/git/${suffix}`, 'POST', body);
    expect((await git('branches', { name: 'feature/login' })).status).toBe(201);
    const exec = await api(`/api/workspaces/${workspace.id}/exec`, 'POST', {
      command: ['/bin/sh', '-c', 'echo "login form" > login.txt'],
    });
    expect(exec.status).toBe(200);
    expect((await git('commit', { message: 'Add the login form' })).status).toBe(201);

    await page.goto(`${hangar.url}/workspaces/${workspace.id}`);
    await page.getByRole('tab', { name: 'Diff' }).click();
    const pulls = page.locator('.diff-pull-requests');
    await pulls.getByText(`Add your token for ${hubGit.host} to see the pull requests of acme/app`).waitFor({
      timeout: OUTPUT_TIMEOUT,
    });
    // Pushing without a token: the remote asks for one, and the panel says where to add it.
    await page.getByRole('button', { name: 'Push feature/login' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: `add or replace your token for ${hubGit.host}` })
      .waitFor({ timeout: OUTPUT_TIMEOUT });

    const form = page.getByRole('form', { name: `Add a token for ${hubGit.host}` });
    await form.getByLabel('Username').fill('ada');
    await form.getByLabel('Token').fill(HUB_TOKEN);
    await form.getByRole('button', { name: 'Save token' }).click();
    await page.getByRole('button', { name: 'Push feature/login' }).click();
    await page
      .getByText('Pushed feature/login to origin/feature/login (a new branch there).')
      .waitFor({ timeout: OUTPUT_TIMEOUT });

    // The forge reports a passing check and an approval for what gets opened.
    const sha = hostGit(
      root,
      '--git-dir',
      join(root, 'served', 'acme', 'app.git'),
      'rev-parse',
      'feature/login',
    );
    hub.statuses.set(sha, [{ context: 'ci/test', state: 'success', target_url: 'https://ci.example/1' }]);
    hub.reviews.set(1, [{ login: 'bob', state: 'APPROVED' }]);

    const open = page.getByRole('form', { name: 'Open a pull request' });
    await open.waitFor({ timeout: OUTPUT_TIMEOUT });
    await expect(open.getByLabel('Title').inputValue()).resolves.toBe('Add the login form');
    await expect(open.getByLabel('Base branch').inputValue()).resolves.toBe('main');
    // No agent worked here: the body is drawn from the branch's commits, and says so.
    await open.getByText('Prefilled from the branch’s commits.').waitFor();
    const description = await open.getByLabel('Description').inputValue();
    await open.getByRole('button', { name: 'Open pull request' }).click();
    // Once open, the pull request is listed and the form goes (one open pull request per branch).
    const row = pulls.locator('.diff-pull').filter({ hasText: '#1 Add the login form' });
    await row.waitFor({ timeout: OUTPUT_TIMEOUT });
    expect(hub.pulls).toEqual([
      expect.objectContaining({
        number: 1,
        title: 'Add the login form',
        head: 'feature/login',
        base: 'main',
        body: description,
      }),
    ]);
    for (const badge of ['open', 'checks passed', 'approved']) {
      await row
        .locator('.badge', { hasText: new RegExp(`^${badge}$`) })
        .first()
        .waitFor();
    }
    await expect(row.getByRole('link', { name: 'ci/test' }).getAttribute('href')).resolves.toBe(
      'https://ci.example/1',
    );
    await expect(page.getByRole('form', { name: 'Open a pull request' }).count()).resolves.toBe(0);
  }, 120_000); // a second workspace, a push over HTTP and the forge's answers, on a busy machine
});
