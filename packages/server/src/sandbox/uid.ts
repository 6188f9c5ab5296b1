import { execFile } from 'node:child_process';
import { lchown, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The kernel's "nobody" (overflow) id, which a sandbox must never run as. */
export const OVERFLOW_ID = 65534;

/**
 * Checks that a sandbox's uid and gid are unprivileged ids a driver may run
 * its processes as: not root, not nobody, within 32 bits.
 */
export function assertSandboxIds(uid: number, gid: number): void {
  for (const [name, id] of [
    ['uid', uid],
    ['gid', gid],
  ] as const) {
    if (!Number.isInteger(id) || id <= 0 || id >= 2 ** 32 - 1 || id === OVERFLOW_ID) {
      throw new Error(
        `sandbox ${name} ${id} is not an unprivileged id (it must be > 0 and not ${OVERFLOW_ID})`,
      );
    }
  }
}

/**
 * Gives a tree to the sandbox's uid and gid. Symbolic links are changed
 * themselves and never followed (`chown -R` without -H/-L does not traverse
 * them, and -h keeps it from touching their targets), so a link in a cloned
 * repository cannot make the server chown a file outside the tree.
 */
export async function chownTree(paths: string[], uid: number, gid: number): Promise<void> {
  // An empty directory (a new workspace's) is one lchown here, not a fork of chown -R.
  const trees: string[] = [];
  for (const path of paths) {
    const entries = await readdir(path).catch(() => undefined);
    if (entries?.length === 0) await lchown(path, uid, gid);
    else trees.push(path);
  }
  if (trees.length === 0) return;
  await run('chown', ['-R', '-h', '-P', `${uid}:${gid}`, '--', ...trees], {
    env: { PATH: '/usr/bin:/bin' },
    maxBuffer: 1024 * 1024,
  });
}
