import { GitError } from '../../git/safe-git.js';
import type { UserRow } from '../accounts.js';
import { gitErrors } from './errors.js';
import type { WorkspaceGitRunner } from './runner.js';

/** The Hangar user as git author and committer (the repository's user.* settings do not count). */
export function authorEnv(
  user: Pick<UserRow, 'username' | 'display_name' | 'email'>,
): Record<string, string> {
  const name = user.display_name || user.username;
  const email = user.email ?? `${user.username}@users.noreply.hangar.invalid`;
  return {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: email,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: email,
  };
}

/** Stages the files (every change when none are named) and commits them, and only them. */
export async function commitChanges(
  git: WorkspaceGitRunner,
  user: Pick<UserRow, 'username' | 'display_name' | 'email'>,
  input: { message: string; files?: string[] | undefined },
) {
  const paths = input.files ? ['--', ...input.files] : [];
  try {
    await git.run(['add', '--all', ...paths]);
  } catch (error) {
    const missing = error instanceof GitError && /pathspec '(.+)' did not match/.exec(error.stderr);
    if (missing) throw gitErrors.pathNotChanged(missing[1]!);
    throw error;
  }
  try {
    await git.run(['commit', '--no-verify', '--quiet', '--cleanup=strip', '-m', input.message, ...paths], {
      env: authorEnv(user),
    });
  } catch (error) {
    if (
      error instanceof GitError &&
      /nothing (added )?to commit|no changes added|nothing to commit/i.test(
        `${error.stdout}\n${error.stderr}`,
      )
    )
      throw gitErrors.nothingToCommit();
    throw error;
  }
  const [meta, changed, branch] = await Promise.all([
    git.run(['log', '-1', '--no-show-signature', '--format=%H%x00%s%x00%an%x00%ae%x00%cI', 'HEAD']),
    git.run(['diff-tree', '--no-commit-id', '--name-only', '-r', '-z', '--root', 'HEAD']),
    git.probe(['symbolic-ref', '--quiet', '--short', 'HEAD']),
  ]);
  const [sha = '', subject = '', authorName = '', authorEmail = '', committedAt = ''] = meta
    .trim()
    .split('\0');
  return {
    branch: branch?.trim() || null,
    commit: { sha, subject, authorName, authorEmail, committedAt },
    files: changed.split('\0').filter(Boolean),
  };
}
