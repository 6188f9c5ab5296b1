import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/*
 * A cheap fingerprint of a work tree's git state: sizes, mtimes and inodes of
 * HEAD, the index, the config, packed refs, info/exclude, info/attributes and
 * the branch HEAD names, found from the host (a worktree's git dir lies
 * outside its tree). Only stat and
 * small reads of regular files, never followed into a FIFO: the paths are
 * the workspace's to choose, and nothing read here is ever shown, it only
 * decides whether to recompute.
 */

export interface GitFingerprint {
  /** Everything that can change the diff without touching the work tree. */
  state: string;
  /** The repository's config alone (its drivers are neutralised per config). */
  config: string;
}

export async function gitFingerprint(workDir: string): Promise<GitFingerprint> {
  const dotGit = join(workDir, '.git');
  const entry = await lstat(dotGit).catch(() => undefined);
  let gitDir: string;
  let commonDir: string;
  if (entry?.isDirectory()) {
    gitDir = commonDir = dotGit;
  } else if (entry?.isFile()) {
    const pointer = /^gitdir: (.+)$/m.exec((await readSmall(dotGit)) ?? '')?.[1]?.trim();
    if (!pointer) return { state: 'nogit', config: '' };
    gitDir = resolve(workDir, pointer);
    commonDir = resolve(gitDir, (await readSmall(join(gitDir, 'commondir')))?.trim() || '.');
  } else {
    return { state: 'nogit', config: '' };
  }
  const head = await readSmall(join(gitDir, 'HEAD'));
  const ref = /^ref: (refs\/[^\s]+)$/m.exec(head ?? '')?.[1];
  const files = [
    join(gitDir, 'HEAD'),
    join(gitDir, 'index'),
    join(commonDir, 'packed-refs'),
    // What is untracked and how files diff, beside .gitignore and .gitattributes in the tree.
    join(commonDir, 'info', 'exclude'),
    join(commonDir, 'info', 'attributes'),
    ...(ref && !ref.split('/').includes('..') ? [join(commonDir, ref)] : []),
  ];
  const stats = await Promise.all([...files, join(commonDir, 'config')].map(statKey));
  return { state: `${entry.ino}|${head ?? ''}|${stats.join('|')}`, config: stats.at(-1) ?? '' };
}

async function statKey(path: string): Promise<string> {
  const s = await lstat(path).catch(() => undefined);
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : '-';
}

/** A regular file's first 4 KiB, or undefined (never blocks on a FIFO, never follows a last link). */
async function readSmall(path: string): Promise<string | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => undefined,
  );
  if (!handle) return undefined;
  try {
    if (!(await handle.stat()).isFile()) return undefined;
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.toString('utf8', 0, bytesRead);
  } finally {
    await handle.close();
  }
}
