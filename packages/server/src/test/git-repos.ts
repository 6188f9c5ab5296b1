import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/nonexistent',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Seed',
  GIT_AUTHOR_EMAIL: 'seed@example.com',
  GIT_COMMITTER_NAME: 'Seed',
  GIT_COMMITTER_EMAIL: 'seed@example.com',
};

/** Plain git on the host, as the test (not through Hangar). */
export function hostGit(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/**
 * A bare repository with one commit on `main` (README.md), writable by every
 * uid (`--shared=0777`): workspaces of several sandbox uids push to it.
 */
export function makeBareRepo(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  hostGit(dirname(path), 'init', '-q', '--bare', '--shared=0777', '-b', 'main', path);
  const seed = `${path}.seed`;
  hostGit(dirname(path), 'clone', '-q', path, seed);
  writeFileSync(join(seed, 'README.md'), '# app\n');
  hostGit(seed, 'add', '.');
  hostGit(seed, 'commit', '-qm', 'init');
  hostGit(seed, 'push', '-q', 'origin', 'HEAD:main');
}

/** Adds a commit to the bare repository's branch from its seed clone (someone else pushing). */
export function pushFromElsewhere(bare: string, file: string, content: string, branch = 'main'): string {
  const seed = `${bare}.seed`;
  hostGit(seed, 'fetch', '-q', 'origin');
  hostGit(seed, 'checkout', '-q', '-B', branch, `origin/${branch}`);
  writeFileSync(join(seed, file), content);
  hostGit(seed, 'add', '.');
  hostGit(seed, 'commit', '-qm', `change ${file}`);
  hostGit(seed, 'push', '-q', 'origin', `HEAD:${branch}`);
  return hostGit(seed, 'rev-parse', 'HEAD').trim();
}
