import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitFailure, neutralGitEnv } from './safe-git.js';

// The environment is what the sandboxed git of diffs, the git API and clones gets; git runs here
// on the test's own temporary repository only to show what that environment turns off.
describe('neutralGitEnv', () => {
  const root = mkdtempSync(join(tmpdir(), 'hangar-git-'));
  const repo = join(root, 'repo');
  const marker = (name: string) => join(root, `pwned-${name}`);
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const plain = (...args: string[]) =>
    execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });

  function hostileRepo() {
    mkdirSync(repo);
    plain('init', '-q', '-b', 'main');
    plain('config', 'user.email', 'a@example.com');
    plain('config', 'user.name', 'a');
    writeFileSync(join(repo, 'a.txt'), 'hello\n');
    writeFileSync(join(repo, '.gitattributes'), '* filter=evil diff=evil\n');
    plain('add', '.');
    plain('commit', '-qm', 'init');
    // The repository's own config and hooks try to run code on checkout, status and diff.
    plain('config', 'filter.evil.smudge', `touch ${marker('smudge')}; cat`);
    plain('config', 'filter.evil.process', `touch ${marker('process')}`);
    plain('config', 'diff.evil.textconv', `touch ${marker('textconv')}; cat`);
    plain('config', 'core.fsmonitor', `touch ${marker('fsmonitor')}`);
    plain('config', 'core.pager', `touch ${marker('pager')}`);
    writeFileSync(join(repo, '.git/hooks/post-checkout'), `#!/bin/sh\ntouch ${marker('hook')}\n`);
    chmodSync(join(repo, '.git/hooks/post-checkout'), 0o755);
  }

  it('turns off hooks, filters, textconv, fsmonitor and pager, per the names the repository defines', () => {
    hostileRepo();
    const names = plain('config', '--list', '--name-only').toString().split('\n').filter(Boolean);
    const env = neutralGitEnv(names);
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env });
    const tree = join(root, 'tree');
    git(repo, 'worktree', 'add', '-q', '-b', 'hangar/t', tree, 'HEAD');
    expect(readFileSync(join(tree, 'a.txt'), 'utf8')).toBe('hello\n');
    writeFileSync(join(tree, 'a.txt'), 'changed\n');
    git(tree, 'status', '--short');
    git(tree, 'diff', '--no-ext-diff', '--textconv');
    git(tree, 'log', '-1', '-p', '--no-ext-diff');
    for (const name of ['smudge', 'process', 'textconv', 'fsmonitor', 'pager', 'hook'])
      expect(existsSync(marker(name)), name).toBe(false);
  });

  it('lets a credential for one call come last, so it wins', () => {
    const env = neutralGitEnv([], [['http.https://example.test/.extraHeader', 'Authorization: x']]);
    const count = Number(env.GIT_CONFIG_COUNT);
    expect(env[`GIT_CONFIG_KEY_${count - 1}`]).toBe('http.https://example.test/.extraHeader');
  });

  it('reports git failures with git’s own reason, secrets redacted', () => {
    const error = gitFailure(
      'push',
      {
        stderr: "hint: x\nfatal: unable to access 'https://tok123456@host/': denied\n",
        fallback: 'exit 128',
      },
      ['tok123456'],
    );
    expect(error.message).toBe("git push failed: fatal: unable to access 'https://***@host/': denied");
  });
});
