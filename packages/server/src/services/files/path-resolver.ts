import { constants, type Stats } from 'node:fs';
import {
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  rename,
  rmdir,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { MAX_FILE_PATH } from '@hangar/protocol';
import { fileErrors } from './file-errors.js';

/**
 * Race-free access to one workspace folder.
 *
 * A client path is split into names, and each name is opened with O_NOFOLLOW
 * relative to the directory opened one step before, through
 * `/proc/self/fd/<fd>/<name>` (Node has no openat): the kernel looks `name`
 * up in the very directory the descriptor holds, so a `..`, an absolute path
 * or a symbolic link swapped in between two steps can never lead out of the
 * tree. Creation goes through the verified parent's descriptor with O_EXCL
 * (or mkdir, link, rename, which never follow the last name). As a last check
 * an opened object's real path must still lie under the root.
 */

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
// O_NONBLOCK: a FIFO planted in the tree must not hang the request.
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/** Git's own directory: not shown, not served, not written through this API. */
export const GIT_DIR = '.git';
const MAX_NAME_BYTES = 255;

/** Test seam: called right before the last name of a path is opened, so a test can swap it. */
export const resolverHooks: { beforeLeaf?: (path: string) => Promise<void> | void } = {};

/** Who created files and directories belong to (the sandbox's uid and gid); none when not root. */
export interface Owner {
  uid: number;
  gid: number;
}

/** Splits a client's path into names, refusing anything that could name a place outside the folder. */
export function parseWorkspacePath(input: string): string[] {
  if (input.includes('\0')) throw fileErrors.invalidPath(input, 'it contains a NUL byte');
  if (input.length > MAX_FILE_PATH) throw fileErrors.invalidPath(input, 'it is too long');
  if (input.startsWith('/')) throw fileErrors.invalidPath(input, 'it is absolute');
  const names = input.split('/').filter((name) => name !== '' && name !== '.');
  for (const name of names) {
    if (name === '..') throw fileErrors.invalidPath(input, 'it contains ".."');
    if (name === GIT_DIR)
      throw fileErrors.invalidPath(input, 'the .git directory is managed by git, not the files API');
    if (Buffer.byteLength(name) > MAX_NAME_BYTES)
      throw fileErrors.invalidPath(input, `a name is longer than ${MAX_NAME_BYTES} bytes`);
  }
  return names;
}

/** Checks one file name (an upload's), which must not contain a directory part. */
export function parseFileName(input: string): string {
  const names = parseWorkspacePath(input);
  if (names.length !== 1 || input.includes('/'))
    throw fileErrors.invalidPath(input, 'a file name may not contain "/"');
  return names[0]!;
}

/** `/proc/self/fd/<fd>/<name>`: `name` looked up in the directory `dir` holds. */
export function at(dir: FileHandle, name = '.'): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

/** A workspace folder held open by descriptor while a request works in it. */
export class WorkspaceTree {
  private constructor(
    private readonly root: FileHandle,
    private readonly realRoot: string,
    readonly owner: Owner | undefined,
  ) {}

  /** Opens the folder itself; its own path is the server's to trust. */
  static async open(rootPath: string, owner?: Owner): Promise<WorkspaceTree> {
    const root = await open(rootPath, DIRECTORY_FLAGS);
    try {
      return new WorkspaceTree(root, await readlink(`/proc/self/fd/${root.fd}`), owner);
    } catch (error) {
      await root.close();
      throw error;
    }
  }

  close(): Promise<void> {
    return this.root.close();
  }

  /** Opens the directory `names` lead to (the root for none), one name at a time. Close it after use. */
  async openDirectory(names: readonly string[]): Promise<FileHandle> {
    let current = await open(at(this.root), DIRECTORY_FLAGS);
    try {
      for (let i = 0; i < names.length; i++) {
        if (i === names.length - 1) await resolverHooks.beforeLeaf?.(names.join('/'));
        const next = await this.openChild(current, names[i]!, names.slice(0, i + 1), DIRECTORY_FLAGS);
        await current.close();
        current = next;
      }
      await this.verify(current, names);
      return current;
    } catch (error) {
      await current.close();
      throw error;
    }
  }

  /** Opens the directory `names.at(-1)` inside `dir` (their parent, already open). Close it after use. */
  async openDirectoryIn(dir: FileHandle, names: readonly string[]): Promise<FileHandle> {
    const handle = await this.openChild(dir, names.at(-1)!, names, DIRECTORY_FLAGS);
    try {
      await this.verify(handle, names);
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Opens a regular file for reading; refuses links, directories, FIFOs and devices. */
  async openFile(names: readonly string[]): Promise<{ handle: FileHandle; stats: Stats }> {
    if (names.length === 0) throw fileErrors.notAFile('');
    const dir = await this.openDirectory(names.slice(0, -1));
    try {
      return await this.openFileIn(dir, names);
    } finally {
      await dir.close();
    }
  }

  /** Opens the regular file named by the last of `names` inside `dir` (their parent, already open). */
  async openFileIn(dir: FileHandle, names: readonly string[]): Promise<{ handle: FileHandle; stats: Stats }> {
    await resolverHooks.beforeLeaf?.(names.join('/'));
    const handle = await this.openChild(dir, names.at(-1)!, names, READ_FLAGS);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw fileErrors.notAFile(names.join('/'));
      await this.verify(handle, names);
      return { handle, stats };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** What `name` in `dir` is, without following it; undefined when nothing is there. */
  async lstatIn(dir: FileHandle, name: string): Promise<Stats | undefined> {
    try {
      return await lstat(at(dir, name));
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** What a link says, as written (never resolved). */
  readlinkIn(dir: FileHandle, name: string): Promise<string> {
    return readlink(at(dir, name));
  }

  /** Names in an open directory, in no order. */
  async namesIn(dir: FileHandle): Promise<string[]> {
    return readdir(at(dir));
  }

  /** Creates a new file (never through or over anything that exists) and returns it open for writing. */
  async createFileIn(dir: FileHandle, name: string, mode: number): Promise<FileHandle> {
    const handle = await open(at(dir, name), CREATE_FLAGS, mode);
    try {
      await this.own(handle, mode);
      return handle;
    } catch (error) {
      await handle.close();
      await unlink(at(dir, name)).catch(() => undefined);
      throw error;
    }
  }

  async mkdirIn(dir: FileHandle, name: string, mode = 0o755): Promise<void> {
    await mkdir(at(dir, name), mode);
    const created = await open(at(dir, name), DIRECTORY_FLAGS);
    try {
      await this.own(created, mode);
    } finally {
      await created.close();
    }
  }

  /** Renames without following either name; replaces what `toName` was (rename(2)). */
  renameIn(fromDir: FileHandle, fromName: string, toDir: FileHandle, toName: string): Promise<void> {
    return rename(at(fromDir, fromName), at(toDir, toName));
  }

  /** Gives a file a second name, failing with EEXIST if something has it: creation that never replaces. */
  linkIn(dir: FileHandle, existing: string, name: string): Promise<void> {
    return link(at(dir, existing), at(dir, name));
  }

  /** Removes a file or a link (never what it points at). */
  unlinkIn(dir: FileHandle, name: string): Promise<void> {
    return unlink(at(dir, name));
  }

  rmdirIn(dir: FileHandle, name: string): Promise<void> {
    return rmdir(at(dir, name));
  }

  /**
   * Deletes a directory and everything in it. Each level is opened with
   * O_NOFOLLOW and emptied through its own descriptor, so a directory swapped
   * for a link mid-way makes the walk fail instead of deleting the target.
   */
  async removeTreeIn(dir: FileHandle, name: string, depth = 0): Promise<void> {
    if (depth > MAX_FILE_PATH / 2) throw new Error('directory tree too deep');
    let child: FileHandle;
    try {
      child = await open(at(dir, name), DIRECTORY_FLAGS);
    } catch (error) {
      // No longer a directory (a file or a link was put there): remove just that name.
      if (codeOf(error) === 'ENOTDIR' || codeOf(error) === 'ELOOP') return this.unlinkIn(dir, name);
      throw error;
    }
    try {
      for (const entry of await this.namesIn(child)) {
        const stats = await this.lstatIn(child, entry);
        if (stats?.isDirectory()) await this.removeTreeIn(child, entry, depth + 1);
        else if (stats) await this.unlinkIn(child, entry);
      }
    } finally {
      await child.close();
    }
    await this.rmdirIn(dir, name);
  }

  /** Gives a created object to the sandbox's uid and gid, with the mode asked for (no umask). */
  private async own(handle: FileHandle, mode: number): Promise<void> {
    if (this.owner) await handle.chown(this.owner.uid, this.owner.gid);
    await handle.chmod(mode);
  }

  private async openChild(
    dir: FileHandle,
    name: string,
    names: readonly string[],
    flags: number,
  ): Promise<FileHandle> {
    try {
      return await open(at(dir, name), flags);
    } catch (error) {
      const path = names.join('/');
      switch (codeOf(error)) {
        case 'ENOENT':
          throw fileErrors.notFound(path);
        case 'ELOOP':
          throw fileErrors.symlinkRefused(path);
        case 'ENOTDIR': {
          const stats = await this.lstatIn(dir, name).catch(() => undefined);
          throw stats?.isSymbolicLink() ? fileErrors.symlinkRefused(path) : fileErrors.notADirectory(path);
        }
        case 'ENXIO': // a FIFO or socket with nobody on the other side
          throw fileErrors.notAFile(path);
      }
      throw error;
    }
  }

  /** Belt and braces: whatever was opened must really lie under the root. */
  private async verify(handle: FileHandle, names: readonly string[]): Promise<void> {
    const real = await readlink(`/proc/self/fd/${handle.fd}`);
    if (real !== this.realRoot && !real.startsWith(`${this.realRoot}/`))
      throw fileErrors.outsideWorkspace(names.join('/'));
  }
}

export function codeOf(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
