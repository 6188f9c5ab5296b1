import { mkdirSync } from 'node:fs';

/** The mount point of the private mount namespace git runs in; empty on the host. */
const NS_ROOT = '/run/hangar-git';

/** Who git runs as for a workspace: its sandbox uid and gid, and where its git dir is. */
export interface WorkspaceUser {
  uid: number;
  gid: number;
  /** A worktree of a local repository: the repository's common git dir and the worktree's admin dir name. */
  worktree?: { commonDir: string; name: string };
}

/*
 * Git as the sandbox user, on the host: files it writes keep the workspace's
 * ownership, and a repository's config can reach nothing that user cannot.
 * That user cannot traverse the server's data dir, so git runs in a private
 * mount namespace where the workspace tree (and a worktree's git dir) is bound
 * under a fresh tmpfs; the host sees none of these mounts. The script takes
 * its paths as arguments: nothing is interpolated into it.
 */
const SCRIPT = `set -e
root=$1; work=$2; uid=$3; gid=$4; common=$5; admin=$6; shift 6
mount -t tmpfs -o mode=0755,size=64k hangar-git "$root"
mkdir "$root/work"
mount --bind "$work" "$root/work"
if [ -n "$common" ]; then
  mkdir "$root/common"
  mount --bind "$common" "$root/common"
  export GIT_DIR="$root/common/worktrees/$admin" GIT_WORK_TREE="$root/work"
fi
cd "$root/work"
exec setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- git "$@"`;

let prepared = false;

/** The command line that runs `git args` as the workspace user in `workDir`. */
export function asWorkspaceUser(
  user: WorkspaceUser,
  workDir: string,
  args: string[],
): { command: string; argv: string[]; cwd: string } {
  if (!prepared) {
    mkdirSync(NS_ROOT, { recursive: true, mode: 0o755 });
    prepared = true;
  }
  const { commonDir = '', name = '' } = user.worktree ?? {};
  if (name.includes('/') || name === '..') throw new Error(`bad worktree admin dir name "${name}"`);
  const argv = ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', SCRIPT, 'hangar-git'];
  argv.push(NS_ROOT, workDir, String(user.uid), String(user.gid), commonDir, name, ...args);
  return { command: 'unshare', argv, cwd: '/' };
}
