import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  ANSI,
  api,
  BIN,
  bwrapMissing,
  cliHome,
  killLeftovers,
  runCli,
  sandboxGone,
  closedPort,
  setupAdmin,
  spawnCli,
  startServe,
} from './test/harness.js';

// This file's own block of sandbox uids, apart from the other test files'.
const UID_BASE = 1_600_000 + Math.floor(Math.random() * 200) * 100;

describe.skipIf(bwrapMissing)('hangar client commands against `hangar serve --demo`', () => {
  let server: Awaited<ReturnType<typeof startServe>>;
  let adminToken: string;
  const home = cliHome();
  const env = () => home.env;
  /** The one directory whose repositories may be cloned with file:// or become worktrees. */
  const repoRoot = join(home.home, 'allowed');

  beforeAll(async () => {
    mkdirSync(repoRoot, { recursive: true });
    server = await startServe(
      {
        HANGAR_SANDBOX_UID_BASE: String(UID_BASE),
        HANGAR_SANDBOX_UID_COUNT: '100',
        HANGAR_LOCAL_REPO_ROOTS: repoRoot,
      },
      ['--demo'],
    );
    adminToken = await setupAdmin(server.url, server.setupToken!);
  }, 60_000);

  afterEach(() => killLeftovers());

  afterAll(async () => {
    if (!server) return;
    const list = await api(server.url, adminToken, 'GET', '/api/workspaces');
    for (const w of (list.body?.workspaces ?? []) as { id: string; name: string }[])
      await api(server.url, adminToken, 'DELETE', `/api/workspaces/${w.id}`, { confirm: w.name });
    await sandboxGone(UID_BASE, 100);
    await server?.stop();
    home.remove();
    expect(await sandboxGone(UID_BASE, 100, 5_000)).toEqual([]);
  }, 60_000);

  it('login: a wrong password is refused with the error id; the right one stores a 0600 token', async () => {
    const bad = await runCli(['login', server.url], env(), `${ADMIN.username}\nnot the password\n`);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^error: .*\[invalid_credentials\]\n$/);
    expect(() => statSync(home.credentialsFile)).toThrow();

    const good = await runCli(['login', server.url], env(), `${ADMIN.username}\n${ADMIN.password}\n`);
    expect(good.stderr).toContain(`Logged in to ${server.url} as ada`);
    expect(good.code).toBe(0);
    expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
    expect(statSync(`${home.env.XDG_CONFIG_HOME}/hangar`).mode & 0o777).toBe(0o700);
    const stored = home.credentials();
    expect(stored).toMatchObject({ url: server.url, username: 'ada' });
    expect(stored.token).toMatch(/\S{20,}/);
    // The password went to the server, never to the file; the login's cookie session was ended.
    expect(JSON.stringify(stored)).not.toContain(ADMIN.password);

    const who = await runCli(['whoami'], env());
    expect(who).toMatchObject({ code: 0, stdout: `ada (admin) on ${server.url}\n` });
    const json = JSON.parse((await runCli(['whoami', '--json'], env())).stdout);
    expect(json).toMatchObject({ url: server.url, user: { username: 'ada', role: 'admin' } });

    // HANGAR_URL and HANGAR_TOKEN stand in for a login, e.g. in CI; --token logs in with one.
    const bare = cliHome();
    try {
      const withToken = await runCli(['login', server.url, '--token', adminToken], bare.env);
      expect(withToken.code, withToken.stderr).toBe(0);
      expect(bare.credentials()).toMatchObject({ url: server.url, token: adminToken, username: 'ada' });
      expect(bare.credentials().tokenId).toMatch(/\S+/);
      const badToken = await runCli(['login', server.url, '--token', 'hgr_not_a_token'], bare.env);
      expect(badToken.code).toBe(3);
      expect(badToken.stderr).toMatch(/\[invalid_token\]\n$/);
      bare.remove();
      const viaEnv = await runCli(['whoami'], {
        ...bare.env,
        HANGAR_URL: server.url,
        HANGAR_TOKEN: stored.token!,
      });
      expect(viaEnv.stdout).toContain('ada (admin)');
      const none = await runCli(['whoami'], bare.env);
      expect(none.code).toBe(3);
      expect(none.stderr).toContain('not logged in: run `hangar login URL`');
    } finally {
      bare.remove();
    }
  }, 60_000);

  it('ws new, ls --json, rm; unknown names and missing confirmation are clear errors', async () => {
    const created = await runCli(['ws', 'new', 'cli-one', '--json'], env());
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'cli-one', state: 'running', myRole: 'owner' });

    const list = await runCli(['ws', 'ls', '--json'], env());
    const names = (JSON.parse(list.stdout) as { workspaces: { name: string; state: string }[] }).workspaces;
    expect(names).toContainEqual(expect.objectContaining({ name: 'cli-one', state: 'running' }));
    const table = await runCli(['ws', 'ls'], env());
    expect(table.stdout).toMatch(/^NAME\s+STATE\s+ROLE/);
    expect(table.stdout).toMatch(/cli-one\s+running\s+owner/);
    expect(table.stdout).not.toMatch(ANSI); // not a terminal: no colour

    const taken = await runCli(['ws', 'new', 'cli-one'], env());
    expect(taken.code).toBe(6);
    expect(taken.stderr).toMatch(/^error: .+\[\w+\]\n$/);

    const badName = await runCli(['ws', 'new', 'Not A Name'], env());
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(
      /workspace name may use lowercase letters.*\[validation_failed\]|\[bad_request\]/,
    );

    const unconfirmed = await runCli(['ws', 'rm', 'cli-one'], env());
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('pass --yes');

    const missing = await runCli(['ws', 'rm', 'no-such-ws', '--yes'], env());
    expect(missing).toMatchObject({ code: 5 });
    expect(missing.stderr).toContain('no workspace named "no-such-ws"');

    const removed = await runCli(['ws', 'rm', 'cli-one', '--yes'], env());
    expect(removed.code).toBe(0);
    const after = JSON.parse((await runCli(['ws', 'ls', '--json'], env())).stdout);
    expect(after.workspaces.map((w: { name: string }) => w.name)).not.toContain('cli-one');
  }, 90_000);

  it('ws stop, start, archive, restore, members, and new --repo', async () => {
    expect((await runCli(['ws', 'new', 'life'], env())).code).toBe(0);
    const state = async (action: string) => {
      const out = await runCli(['ws', action, 'life', '--json'], env());
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout).state as string;
    };
    expect(await state('stop')).toBe('stopped');
    expect(await state('start')).toBe('running');
    expect(await state('archive')).toBe('archived');
    const notRunning = await runCli(['attach', 'life'], env());
    expect(notRunning.code).toBe(2); // not a terminal: refused before anything else
    expect(notRunning.stderr).toContain('attach needs a terminal');
    expect(await state('restore')).not.toBe('archived');

    const bob = await api(server.url, adminToken, 'POST', '/api/users', {
      username: 'bob',
      password: 'member password 1',
    });
    expect(bob.status).toBe(201);
    const added = await runCli(['ws', 'members', 'life', 'add', 'bob', '--role', 'editor'], env());
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^bob\s+editor/m);
    const members = JSON.parse((await runCli(['ws', 'members', 'life', '--json'], env())).stdout);
    expect(
      members.members.map((m: { username: string; role: string }) => `${m.username}:${m.role}`).sort(),
    ).toEqual(['ada:owner', 'bob:editor']);
    const nobody = await runCli(['ws', 'members', 'life', 'add', 'nobody'], env());
    expect(nobody).toMatchObject({ code: 5 });
    const removed = await runCli(['ws', 'members', 'life', 'rm', 'bob'], env());
    expect(removed.stdout).not.toContain('bob');
    expect((await runCli(['ws', 'rm', 'life', '--yes'], env())).code).toBe(0);

    // --repo: a git URL is cloned (file:// only under the admin's allowed roots); a path must
    // be a repository under those roots.
    const makeRepo = (dir: string) => {
      const git = (...args: string[]) =>
        execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd: dir });
      mkdirSync(dir, { recursive: true });
      git('init', '-q');
      writeFileSync(join(dir, 'README'), 'cloned by hangar ws new\n');
      git('add', 'README');
      git('commit', '-q', '-m', 'readme');
    };
    const repo = join(repoRoot, 'repo');
    const outside = join(home.home, 'outside');
    makeRepo(repo);
    makeRepo(outside);
    const cloned = await runCli(['ws', 'new', 'cloned', '--repo', `file://${repo}`, '--json'], env());
    expect(cloned.code, cloned.stderr).toBe(0);
    const clone = JSON.parse(cloned.stdout);
    expect(clone).toMatchObject({ state: 'running', source: { type: 'git', url: `file://${repo}` } });
    const readme = await api(server.url, adminToken, 'POST', `/api/workspaces/${clone.id}/exec`, {
      command: ['cat', 'README'],
    });
    expect(readme.body.stdout).toBe('cloned by hangar ws new\n');
    const foreign = await runCli(['ws', 'new', 'foreign', '--repo', `file://${outside}`], env());
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain('[clone_url_refused]');
    const local = await runCli(['ws', 'new', 'worktree', '--repo', outside], env());
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('[path_not_allowed]');
    expect((await runCli(['ws', 'rm', 'cloned', '--yes'], env())).code).toBe(0);
  }, 90_000);

  it('chat streams the reply and answers permission prompts from stdin; logs -f follows it live', async () => {
    expect((await runCli(['ws', 'new', 'chat'], env())).code).toBe(0);
    const chat = spawnCli(
      ['chat', 'chat', '--agent', 'pi', '--model', 'hangar-demo', 'look around and leave a note'],
      env(),
    );
    // First the shell command, then the file write: "y" once, then "always".
    await chat.waitFor(/⚠ permission: Run: ls -la[\s\S]*Allow\? \[y\]es/, 60_000);
    chat.child.stdin!.write('y\n');
    const first = chat.all().length;
    await chat.waitFor(/⚠ permission: Write HELLO_FROM_HANGAR\.md[\s\S]*Allow\? /, 60_000, first);
    chat.child.stdin!.write('a\n');
    expect(await chat.exited).toBe(0);
    const out = chat.stdout();
    expect(out).toContain("Sure. Let me first look at what's in the workspace.");
    expect(out).toContain('thinking: The user wants something done'); // reasoning, dimmed on a terminal
    expect(out).toMatch(/╭─ bash\n│ command: ls -la/);
    expect(out).toContain('✓ allowed\n');
    expect(out).toContain('✓ allowed for this session');
    expect(out).toMatch(/╰─ write result:\n\s+Successfully wrote/);
    expect(out).toContain('Done! I listed the workspace with `ls -la` and wrote `HELLO_FROM_HANGAR.md`.');
    expect(out).not.toMatch(ANSI);

    // The agent really wrote the file in the sandbox.
    const ws = (await api(server.url, adminToken, 'GET', '/api/workspaces?q=chat')).body.workspaces[0];
    const cat = await api(server.url, adminToken, 'POST', `/api/workspaces/${ws.id}/exec`, {
      command: ['cat', 'HELLO_FROM_HANGAR.md'],
    });
    expect(cat.body.stdout).toContain('# Hello from Hangar');

    const sessions = JSON.parse((await runCli(['sessions', 'chat', '--json'], env())).stdout);
    expect(sessions.sessions).toHaveLength(1);
    const session = sessions.sessions[0] as { id: string; status: string; agent: string };
    expect(session).toMatchObject({ agent: 'pi', status: 'idle' });

    // logs -f: the history, then what happens next, as it happens.
    const logs = spawnCli(['logs', session.id, '-f'], env());
    await logs.waitFor(/Done! I listed the workspace/);
    const mark = logs.all().length;
    const hello = await runCli(['chat', 'chat', 'hello'], env()); // continues the live session
    expect(hello.code).toBe(0);
    expect(hello.stdout).toContain("Hello! I'm Hangar's demo model");
    await logs.waitFor(/› hello\n[\s\S]*Hello! I'm Hangar's demo model/, 30_000, mark);
    expect(logs.child.exitCode).toBeNull(); // still following
    logs.child.kill('SIGINT');
    expect(await logs.exited).toBe(130);

    const raw = await runCli(['logs', session.id, '--json'], env());
    const events = raw.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: number; event: { type: string } });
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.event.type)).toEqual(
      expect.arrayContaining(['RUN_STARTED', 'TOOL_CALL_START', 'RUN_FINISHED']),
    );

    const usage = JSON.parse((await runCli(['usage', '--by', 'model', '--json'], env())).stdout);
    expect(usage.rows.find((r: { key: string }) => r.key === 'hangar-demo')?.calls).toBeGreaterThanOrEqual(4);
    const table = await runCli(['usage', '--by', 'model'], env());
    expect(table.stdout).toMatch(/hangar-demo\s+\d+/);
  }, 180_000);

  it('network and server errors are one line naming the URL or the error id, with their exit codes', async () => {
    const port = await closedPort();
    const closed = await runCli(['ws', 'ls'], { ...home.env, HANGAR_URL: `http://127.0.0.1:${port}` });
    expect(closed.code).toBe(7);
    expect(closed.stderr).toBe(
      `error: cannot reach http://127.0.0.1:${port}/api/workspaces: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );

    const session = await runCli(['logs', 'nosuchsession'], env());
    expect(session.code).toBe(5);
    expect(session.stderr).toMatch(/^error: The session was not found\. \[not_found\]\n$/);

    const usageFlag = await runCli(['usage', '--by', 'planet'], env());
    expect(usageFlag.code).toBe(2);
    expect(usageFlag.stderr).toContain("argument 'planet' is invalid");
  }, 60_000);

  it('completion scripts for bash and zsh, generated from the commands', async () => {
    const bash = await runCli(['completion', 'bash'], env());
    expect(bash.code).toBe(0);
    execFileSync('bash', ['-n'], { input: bash.stdout });
    // `hangar` on the PATH, as installed: workspace names come from `hangar __complete workspaces`.
    const binDir = join(home.home, 'bin');
    mkdirSync(binDir, { recursive: true });
    writeFileSync(join(binDir, 'hangar'), `#!/bin/sh\nexec ${process.execPath} ${BIN} "$@"\n`, {
      mode: 0o755,
    });
    const complete = (line: string) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source /dev/stdin <<'EOS'\n${bash.stdout}\nEOS\nread -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _hangar; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { env: { ...home.env, LINE: line, PATH: `${binDir}:${process.env.PATH}` }, encoding: 'utf8' },
      )
        .trim()
        .split('\n');
    expect(complete('hangar w')).toEqual(['whoami', 'ws', 'workspace']);
    expect(complete('hangar ws ')).toEqual(
      expect.arrayContaining(['ls', 'new', 'rm', 'start', 'stop', 'archive', 'restore', 'members']),
    );
    expect(complete('hangar logs x --')).toEqual(expect.arrayContaining(['--follow', '--json']));
    expect(complete('hangar attach ')).toContain('chat'); // the workspace made by the chat test
    expect(complete('hangar ws stop c')).toEqual(['chat']);
    expect(complete('hangar attach chat ')).not.toContain('chat'); // only the first argument is a workspace

    const zsh = await runCli(['completion', 'zsh'], env());
    expect(zsh.stdout.startsWith('#compdef hangar\n')).toBe(true);
    expect(zsh.stdout).toContain("'attach:Attach this terminal");
    expect((await runCli(['completion', 'fish'], env())).code).toBe(2);
  }, 30_000);

  it('doctor: one pass/fail line per check, with the server reachable and logged in', async () => {
    const doctor = await runCli(['doctor', '--json'], env());
    const report = JSON.parse(doctor.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; fix?: string }[];
    };
    const names = report.checks.map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'bubblewrap',
        'podman',
        'tmux',
        'git',
        'data dir',
        'server',
        'login',
        'agent pi',
        'provider keys',
      ]),
    );
    expect(report.checks.find((c) => c.name === 'server')?.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'agent pi')?.ok).toBe(true);
    expect(doctor.code).toBe(report.ok ? 0 : 1);
    for (const check of report.checks.filter((c) => !c.ok)) expect(check.fix).toBeTruthy();

    const port = await closedPort();
    const text = await runCli(['doctor'], { ...home.env, HANGAR_URL: `http://127.0.0.1:${port}` });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      new RegExp(
        `^✗ server +cannot reach http://127\\.0\\.0\\.1:${port}.*\\n +fix: start it with \`hangar serve\``,
        'm',
      ),
    );
    expect(text.stdout).toMatch(/^✓ git +git version/m);
  }, 60_000);

  it('logout revokes the token on the server and removes the file', async () => {
    const token = home.credentials().token!;
    const out = await runCli(['logout'], env());
    expect(out).toMatchObject({ code: 0 });
    expect(() => statSync(home.credentialsFile)).toThrow();
    const reuse = await runCli(['whoami'], { ...home.env, HANGAR_URL: server.url, HANGAR_TOKEN: token });
    expect(reuse.code).toBe(3);
    expect(reuse.stderr).toMatch(/\[invalid_token\]\n$/);
  }, 30_000);
});
