import { realpath, rm, mkdir, readdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import type { WorkspaceSource } from '@hangar/protocol';
import { errors } from '../../errors.js';
import { safeGit } from '../../git/safe-git.js';

const CLONE_TIMEOUT_MS = 10 * 60_000;

export function worktreeBranch(workspaceName: string): string {
  return `hangar/${workspaceName}`;
}

/**
 * Checks a local repository path against the allowed roots, following
 * symlinks, and returns its real path.
 */
export async function allowedRepository(path: string, roots: string[]): Promise<string> {
  if (!isAbsolute(path)) throw errors.pathNotAllowed(path);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw errors.pathNotAllowed(path);
  }
  for (const root of roots) {
    const realRoot = await realpath(root).catch(() => undefined);
    if (!realRoot) continue;
    const rest = relative(realRoot, real);
    if (rest === '' || (!rest.startsWith('..') && !isAbsolute(rest))) {
      const top = await safeGit(['rev-parse', '--show-toplevel'], { cwd: real }).catch(() => '');
      if (top.trim() === '') throw errors.pathNotAllowed(path);
      return real;
    }
  }
  throw errors.pathNotAllowed(path);
}

/** Fills an empty workDir from the source. Returns the branch of a worktree. */
export async function prepareSource(
  source: WorkspaceSource,
  workDir: string,
  workspaceName: string,
): Promise<string | null> {
  await rm(workDir, { recursive: true, force: true });
  await mkdir(dirname(workDir), { recursive: true });
  switch (source.type) {
    case 'empty':
      await mkdir(workDir, { recursive: true });
      return null;
    case 'git': {
      const branch = source.branch ? ['--branch', source.branch] : [];
      await safeGit(['clone', '--no-recurse-submodules', ...branch, '--', source.url, workDir], {
        cwd: dirname(workDir),
        timeoutMs: CLONE_TIMEOUT_MS,
      });
      return null;
    }
    case 'local': {
      const branch = worktreeBranch(workspaceName);
      const exists = await safeGit(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
        cwd: source.path,
      })
        .then(() => true)
        .catch(() => false);
      // A branch left by an earlier workspace of this name is reused, so no work on it is lost.
      const args = exists ? [workDir, branch] : ['-b', branch, workDir, source.baseRef ?? 'HEAD'];
      await safeGit(['worktree', 'add', ...args], { cwd: source.path });
      return branch;
    }
  }
}

/** Detaches a worktree from its repository before its files go; the branch stays. */
export async function removeWorktree(source: WorkspaceSource, workDir: string): Promise<void> {
  if (source.type !== 'local') return;
  await safeGit(['worktree', 'remove', '--force', workDir], { cwd: source.path }).catch(() => undefined);
  await safeGit(['worktree', 'prune'], { cwd: source.path }).catch(() => undefined);
}

/** True when the worktree has no uncommitted or untracked changes. */
export async function worktreeClean(workDir: string): Promise<boolean> {
  const entries = await readdir(workDir).catch(() => []);
  if (entries.length === 0) return true;
  const status = await safeGit(['status', '--porcelain'], { cwd: workDir });
  return status.trim() === '';
}

/** The repository's shared .git directory, which a worktree's sandbox must see. */
export async function commonGitDir(source: WorkspaceSource): Promise<string | undefined> {
  if (source.type !== 'local') return undefined;
  const dir = await safeGit(['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: source.path,
  });
  return dir.trim();
}
