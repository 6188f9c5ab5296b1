import { execFile } from 'node:child_process';
import { mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { chownTree } from '../../sandbox/uid.js';
import { KeyedLock } from '../../common/keyed-lock.js';

const run = promisify(execFile);
const HOST_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C' };

/*
 * A worktree's sandbox commits into the repository's shared .git (objects,
 * refs, its own admin dir under worktrees/), so its processes must be able to
 * write there. Under a root server, a sandbox whose driver runs it as the
 * workspace's own uid (capabilities.perWorkspaceUid) is let in by POSIX ACLs:
 * an access entry on what is there, and a default entry that new files and
 * directories inherit, whoever creates them. Any other sandbox runs as the server's own user (see
 * sandbox/bubblewrap/idmap.ts; the host driver), which must then own the repository.
 *
 * Git also refuses a worktree whose admin dir belongs to another user
 * ("dubious ownership"), so that dir, the workspace's alone, becomes the uid's.
 */

export interface GitDirAccessOptions {
  /** The repository's common git dir (absolute). */
  gitDir: string;
  /** The workspace's sandbox uid. */
  uid: number;
  /** The driver runs sandboxes as their own uid (capabilities.perWorkspaceUid): as root, `uid` on the host. */
  perWorkspaceUid: boolean;
  /** The setfacl program; default found on the host PATH. */
  setfacl?: string;
  /** The server's uid; default this process's (tests pretend to be another). */
  serverUid?: number;
}

export interface GitDirGrantOptions extends GitDirAccessOptions {
  gid: number;
  /**
   * The worktree (the workspace's workDir), whose .git file names its admin
   * dir; omitted before the worktree exists (its sandbox then adds it).
   */
  worktree?: string;
}

/**
 * setfacl reads, edits and writes back each file's ACL: two at once on one
 * repository (two workspaces of it) could each drop the other's entry.
 */
const perGitDir = new KeyedLock();

/** Gives the workspace's sandbox read-write access to the git dir, or says why it cannot. Idempotent. */
export async function grantGitDirAccess(options: GitDirGrantOptions): Promise<void> {
  const { gitDir, uid, perWorkspaceUid } = options;
  if (!perWorkspaceUid) return;
  const fail = (reason: string) =>
    new Error(`cannot let workspace uid ${uid} write the repository's git directory ${gitDir}: ${reason}`);
  const me = options.serverUid ?? process.getuid?.();
  if (me !== 0) {
    const owner = (await stat(gitDir)).uid;
    if (owner === me) return; // the sandbox's user namespace maps the server's uid to the sandbox user
    throw fail(
      `it belongs to uid ${owner}, and a server that does not run as root (uid ${me}) can only open repositories of its own user`,
    );
  }
  const adminDir = options.worktree && (await worktreeAdminDir(gitDir, options.worktree));
  // X: search on directories only; files stay non-executable.
  const args = ['-R', '-m', `u:${uid}:rwX`, '-m', `d:u:${uid}:rwX`, '--', gitDir];
  await perGitDir.run(gitDir, () =>
    setfacl(options, args).catch((error: unknown) => {
      throw fail(setfaclFailure(error));
    }),
  );
  if (adminDir) await chownTree([adminDir], uid, options.gid);
}

/**
 * The worktree's admin dir, <gitDir>/worktrees/<name>, from its .git file.
 * Checked, as the sandbox may have rewritten the file (or put a symbolic
 * link in worktrees/) to make the server chown something else.
 */
export async function worktreeAdminDir(gitDir: string, worktree: string): Promise<string> {
  const file = await readFile(join(worktree, '.git'), 'utf8');
  const named = /^gitdir: (.+)$/m.exec(file)?.[1];
  const dir = named && (await realpath(named).catch(() => undefined));
  if (!dir || dirname(dir) !== join(await realpath(gitDir), 'worktrees')) {
    throw new Error(`the worktree ${worktree} does not belong to the repository at ${gitDir}`);
  }
  return dir;
}

/**
 * Removes exactly the entries grantGitDirAccess added, and gives what the
 * sandbox created there (objects, refs, logs) to the git dir's owner: once
 * the workspace is gone its uid may go to another workspace, and the owner
 * must be able to write into the object directories the sandbox made.
 * A git dir that is gone needs nothing; other failures are thrown, and the
 * deletion is retried.
 */
export async function revokeGitDirAccess(options: GitDirAccessOptions): Promise<void> {
  const { gitDir, uid, perWorkspaceUid } = options;
  if (!perWorkspaceUid || (options.serverUid ?? process.getuid?.()) !== 0) return;
  const owner = await stat(gitDir).catch(() => undefined); // uid and gid of the git dir
  if (!owner) return;
  try {
    const args = ['-R', '-x', `u:${uid}`, '-x', `d:u:${uid}`, '--', gitDir];
    await perGitDir.run(gitDir, () => setfacl(options, args));
  } catch (error) {
    if (!grantImpossible(error)) throw error;
    return; // no setfacl, or no ACLs on this file system: nothing was granted
  }
  // -h -P: change symbolic links themselves, never follow them out of the tree.
  await run('chown', ['-R', '-h', '-P', `--from=${uid}`, `${owner.uid}:${owner.gid}`, '--', gitDir], {
    env: HOST_ENV,
    maxBuffer: 1024 * 1024,
  });
}

async function setfacl(options: GitDirAccessOptions, args: string[]): Promise<void> {
  await run(options.setfacl ?? 'setfacl', args, { env: HOST_ENV, maxBuffer: 1024 * 1024 });
}

function failureDetail(error: unknown): { missing: boolean; unsupported: boolean; detail: string } {
  const { code, stderr } = error as { code?: unknown; stderr?: unknown };
  const detail = String(stderr ?? '').trim() || (error instanceof Error ? error.message : String(error));
  return { missing: code === 'ENOENT', unsupported: /Operation not supported/i.test(detail), detail };
}

function grantImpossible(error: unknown): boolean {
  const { missing, unsupported } = failureDetail(error);
  return missing || unsupported;
}

function setfaclFailure(error: unknown): string {
  const { missing, unsupported, detail } = failureDetail(error);
  if (missing) return 'setfacl is not installed (apt-get install acl)';
  if (unsupported) {
    return `its file system does not support POSIX ACLs (mount it with ACL support, or run Hangar as the repository's owner): ${detail}`;
  }
  return `setfacl failed: ${detail}`;
}

/**
 * What a worktree's sandbox sees of its repository: the shared git dir
 * read-only (so the sandbox cannot plant a hook or a config that would run as
 * the repository's owner on the host), with write access only where commits
 * land: objects, refs, logs and this worktree's own admin directory.
 */
export async function worktreeBinds(gitDir: string, worktree: string) {
  const binds = [{ hostPath: gitDir, sandboxPath: gitDir, readOnly: true }];
  for (const name of ['objects', 'refs', 'logs']) {
    const dir = join(gitDir, name);
    await mkdir(dir, { recursive: true });
    binds.push({ hostPath: dir, sandboxPath: dir, readOnly: false });
  }
  const admin = await worktreeAdminDir(gitDir, worktree).catch(() => undefined);
  if (admin) binds.push({ hostPath: admin, sandboxPath: admin, readOnly: false });
  return binds;
}
