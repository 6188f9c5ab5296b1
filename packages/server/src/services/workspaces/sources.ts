import { lstat, readdir, readFile, realpath, rm, rmdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { WorkspaceSource } from '@hangar/protocol';
import { errors } from '../../errors.js';
import { worktreeAdminDir } from './git-access.js';

/*
 * The server runs no git here: a worktree's repository is one whose .git a
 * workspace's sandbox can write to (objects, refs, its admin dir), so what is
 * needed of it on the host is read as files, and git itself runs in the
 * sandbox (see prepare.ts).
 */

export function worktreeBranch(workspaceName: string): string {
  return `hangar/${workspaceName}`;
}

/**
 * Checks a local repository path against the allowed roots, following
 * symlinks, and returns its real path: a work tree with its `.git` at the top.
 */
export async function allowedRepository(path: string, roots: readonly string[]): Promise<string> {
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
      if (!(await commonGitDirOf(real).catch(() => undefined))) throw errors.pathNotAllowed(path);
      return real;
    }
  }
  throw errors.pathNotAllowed(path);
}

/** The repository's shared .git directory, which a worktree's sandbox must see. */
export async function commonGitDir(source: WorkspaceSource): Promise<string | undefined> {
  if (source.type !== 'local') return undefined;
  return commonGitDirOf(source.path);
}

/**
 * `<repo>/.git`, or for a repository whose .git is a file (a linked worktree
 * or submodule), the dir it names and that dir's `commondir`: what
 * `git rev-parse --git-common-dir` answers, read from the admin's own files.
 */
async function commonGitDirOf(repo: string): Promise<string> {
  const dotGit = join(repo, '.git');
  const info = await lstat(dotGit);
  if (info.isDirectory()) return realpath(dotGit);
  if (!info.isFile()) throw new Error(`${dotGit} is neither a directory nor a file`);
  const named = /^gitdir: (.+)$/m.exec(await readFile(dotGit, 'utf8'))?.[1]?.trim();
  if (!named) throw new Error(`${dotGit} names no git directory`);
  const gitDir = resolve(repo, named);
  const common = await readFile(join(gitDir, 'commondir'), 'utf8').catch(() => undefined);
  return realpath(common ? resolve(gitDir, common.trim()) : gitDir);
}

/**
 * Detaches a worktree from its repository and removes its files (as
 * `git worktree remove --force`, without git): its admin dir, found from the
 * worktree's .git file or, when that is gone, from the admin dirs' `gitdir`
 * files that name it. The branch stays.
 */
export async function removeWorktree(source: WorkspaceSource, workDir: string): Promise<void> {
  if (source.type !== 'local') return;
  const gitDir = await commonGitDir(source).catch(() => undefined);
  if (gitDir) {
    const admins = new Set<string>();
    const named = await worktreeAdminDir(gitDir, workDir).catch(() => undefined);
    if (named) admins.add(named);
    const root = join(gitDir, 'worktrees');
    for (const entry of await readdir(root).catch(() => [])) {
      const file = await readFile(join(root, entry, 'gitdir'), 'utf8').catch(() => '');
      if (file.trim() === join(workDir, '.git')) admins.add(join(root, entry));
    }
    // rm never follows a symbolic link out of the tree it removes.
    for (const dir of admins) await rm(dir, { recursive: true, force: true });
    await rmdir(root).catch(() => undefined); // when it is empty, as `git worktree prune` leaves it
  }
  await rm(workDir, { recursive: true, force: true });
}
