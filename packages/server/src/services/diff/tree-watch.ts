import { constants, watch, type FSWatcher } from 'node:fs';
import { open, readdir, type FileHandle } from 'node:fs/promises';

const DIRECTORY_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** `/proc/self/fd/<fd>/<name>`: `name` looked up in the directory the handle holds (Node has no openat). */
function at(handle: FileHandle, name = '.'): string {
  return `/proc/self/fd/${handle.fd}/${name}`;
}

/*
 * A watch of a work tree that reports a change as soon as the kernel does:
 * one inotify watch per directory (fs.watch, not recursive), none of the
 * 50 ms batching of @parcel/watcher (which stays the fallback for trees with
 * more directories than `maxDirectories`). Each directory is opened name by
 * name with O_NOFOLLOW relative to its parent's descriptor, and watched and
 * listed through that descriptor, so a directory swapped for a symbolic link
 * during the walk never leads the watch out of the tree; a directory that
 * appears is watched and reported itself (a change made in it before its
 * watch began is under that path); one that goes away is unwatched. Nothing
 * is read from the files: the paths only say what to diff again.
 */

export interface TreeWatchOptions {
  /** Directories (relative to the root) neither watched nor walked. */
  ignore: (relativeDir: string) => boolean;
  /** More directories than this (or out of inotify watches): start() fails and the watch closes, or, later, onOverflow is called. */
  maxDirectories: number;
  onOverflow: () => void;
}

export class TooManyDirectories extends Error {}

export class TreeWatch {
  private readonly dirs = new Map<string, FSWatcher>();
  private batch: string[] = [];
  private flushing = false;
  private started = false;
  private overflowed = false;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly options: TreeWatchOptions,
    /** Paths relative to the root that changed, batched per turn of the event loop. */
    private readonly onChange: (paths: string[]) => void,
  ) {}

  get directories(): number {
    return this.dirs.size;
  }

  /** Watches the whole tree; resolves once every directory found is watched. */
  async start(): Promise<void> {
    await this.addTree('');
    this.started = true;
    if (this.overflowed) {
      this.close();
      throw new TooManyDirectories(`more than ${this.options.maxDirectories} directories`);
    }
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.dirs.values()) watcher.close();
    this.dirs.clear();
  }

  /** Watches `top` and every directory under it (opened name by name, never through a link); false: not a directory. */
  private async addTree(top: string): Promise<boolean> {
    let handle = await open(this.root, DIRECTORY_FLAGS).catch(() => undefined);
    for (const name of top === '' ? [] : top.split('/')) {
      const next = handle && (await open(at(handle, name), DIRECTORY_FLAGS).catch(() => undefined));
      await handle?.close();
      handle = next;
    }
    if (!handle) return false;
    await this.walk(top, handle);
    return true;
  }

  /** Watches a directory held open, then, depth first, the directories in it; closes the handle. */
  private async walk(dir: string, handle: FileHandle): Promise<void> {
    try {
      if (this.closed || this.dirs.has(dir) || (dir !== '' && this.options.ignore(dir))) return;
      if (this.dirs.size >= this.options.maxDirectories) {
        this.overflow();
        return;
      }
      if (!this.watchDir(dir, handle)) return;
      const entries = await readdir(at(handle), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const child = await open(at(handle, entry.name), DIRECTORY_FLAGS).catch(() => undefined);
        if (child) await this.walk(dir === '' ? entry.name : `${dir}/${entry.name}`, child);
      }
    } finally {
      await handle.close();
    }
  }

  private overflow(): void {
    if (this.overflowed) return;
    this.overflowed = true;
    if (this.started) this.options.onOverflow();
  }

  /** The watch is on the directory the handle holds (the kernel resolves /proc/self/fd to it). */
  private watchDir(dir: string, handle: FileHandle): boolean {
    let watcher: FSWatcher;
    try {
      watcher = watch(at(handle), { persistent: false }, (type, name) => this.event(dir, type, name));
    } catch (error) {
      // Out of inotify watches (ENOSPC) is too many directories; anything else, the directory went.
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') this.overflow();
      return false;
    }
    watcher.on('error', () => {
      this.unwatch(dir);
      this.report(dir);
    });
    this.dirs.set(dir, watcher);
    return true;
  }

  private event(dir: string, type: string, name: string | Buffer | null): void {
    if (this.closed) return;
    const base = name === null ? '' : String(name);
    const path = base === '' ? dir : dir === '' ? base : `${dir}/${base}`;
    this.report(path);
    // A name came or went: a directory among them is watched anew (a moved one's watch would name its old place).
    if (type === 'rename' && base !== '') void this.renamed(path);
  }

  private async renamed(path: string): Promise<void> {
    this.unwatch(path);
    // Reported again once watched: what was written in it before is under that path.
    if (!this.closed && (await this.addTree(path))) this.report(path);
  }

  /** Stops watching a directory and everything under it (only a watched directory has watched ones under it). */
  private unwatch(dir: string): void {
    if (!this.dirs.has(dir)) return;
    for (const [key, watcher] of this.dirs)
      if (key === dir || key.startsWith(`${dir}/`) || dir === '') {
        watcher.close();
        this.dirs.delete(key);
      }
  }

  private report(path: string): void {
    this.batch.push(path);
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      const paths = this.batch;
      this.batch = [];
      if (!this.closed && paths.length > 0) this.onChange(paths);
    });
  }
}
