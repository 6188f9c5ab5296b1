import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { safeGit } from './safe-git.js';

describe('safeGit', () => {
  const root = mkdtempSync(join(tmpdir(), 'hangar-git-'));
  const repo = join(root, 'repo');
  const marker = (name: string) => join(root, `pwned-${name}`);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function hostileRepo() {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    mkdirSync(repo);
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'a@example.com');
    git('config', 'user.name', 'a');
    writeFileSync(join(repo, 'a.txt'), 'hello\n');
    writeFileSync(join(repo, '.gitattributes'), '* filter=evil\n');
    git('add', '.');
    git('commit', '-qm', 'init');
    // The repository's own config and hooks try to run code on checkout and status.
    git('config', 'filter.evil.smudge', `touch ${marker('smudge')}; cat`);
    git('config', 'filter.evil.process', `touch ${marker('process')}`);
    git('config', 'core.fsmonitor', `touch ${marker('fsmonitor')}`);
    git('config', 'core.pager', `touch ${marker('pager')}`);
    writeFileSync(join(repo, '.git/hooks/post-checkout'), `#!/bin/sh\ntouch ${marker('hook')}\n`);
    chmodSync(join(repo, '.git/hooks/post-checkout'), 0o755);
  }

  it('adds a worktree and reads status without running hooks, filters, fsmonitor or pager', async () => {
    hostileRepo();
    const tree = join(root, 'tree');
    await safeGit(['worktree', 'add', '-q', '-b', 'hangar/t', tree, 'HEAD'], { cwd: repo });
    expect(readFileSync(join(tree, 'a.txt'), 'utf8')).toBe('hello\n');
    await safeGit(['status', '--short'], { cwd: tree });
    await safeGit(['log', '-1'], { cwd: tree });
    for (const name of ['smudge', 'process', 'fsmonitor', 'pager', 'hook'])
      expect(existsSync(marker(name)), name).toBe(false);
  });

  it('reads a repository owned by another user (a sandbox uid)', async () => {
    const other = join(root, 'other');
    mkdirSync(other);
    execFileSync('git', ['init', '-q', other]);
    execFileSync('chown', ['-R', '54321:54321', other]);
    await expect(safeGit(['status', '--porcelain'], { cwd: other })).resolves.toBe('');
  });

  it('reports git failures with git’s own message', async () => {
    await expect(
      safeGit(['clone', 'file:///nonexistent/repo.git', join(root, 'x')], { cwd: root }),
    ).rejects.toThrow(/does not appear to be a git repository|does not exist/i);
  });
});
