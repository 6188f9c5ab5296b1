import {
  MAX_FILE_READ_BYTES,
  type FileContent,
  type FileEntry,
  type FileListing,
  type FileMeta,
} from '@hangar/protocol';
import type { Config } from '../../config/index.js';
import { errors } from '../../errors.js';
import type { Principal } from '../auth.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { etagOf, etagOfHandle, ifMatchAccepts, isBinary, languageOf, readAtMost } from './content.js';
import { entryOf, nonRoot, rank } from './entries.js';
import { fileErrors } from './file-errors.js';
import { placeFile } from './place-file.js';
import { FileTransfers } from './transfer.js';
import { listThroughSandbox, readThroughSandbox, writeThroughSandbox } from './sandbox-files.js';
import { codeOf, GIT_DIR, parseWorkspacePath, WorkspaceTree, type Owner } from './path-resolver.js';

/** Most entries one listing returns. */
const MAX_LISTING = 5000;
const FILE_MODE = 0o644;

export interface WriteConditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

/**
 * A workspace's files on the host, for people with access to it: viewers
 * read, editors and owners change. Every path goes through WorkspaceTree, so
 * nothing outside the workspace folder is ever read or written.
 */
export class FileService {
  /** API changes to one workspace's files run one at a time (ETag check, then write). */
  private readonly lock = new KeyedLock();
  /** Downloads and uploads. */
  readonly transfers = new FileTransfers(this);

  constructor(
    private readonly workspaces: WorkspaceService,
    private readonly config: Pick<Config, 'dataDir'>,
  ) {}

  async list(principal: Principal, id: string, path: string): Promise<FileListing> {
    const names = parseWorkspacePath(path);
    const sandbox = await this.throughSandbox(principal, id, false);
    if (sandbox) return listThroughSandbox(sandbox, names);
    return this.reading(principal, id, async (tree) => {
      const dir = await tree.openDirectory(names);
      try {
        const all = (await tree.namesIn(dir)).filter((name) => name !== GIT_DIR);
        const entries: FileEntry[] = [];
        for (const name of all.sort().slice(0, MAX_LISTING)) {
          const stats = await tree.lstatIn(dir, name);
          if (stats) entries.push(await entryOf(tree, dir, [...names, name], stats));
        }
        entries.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return { path: names.join('/'), entries, truncated: all.length > MAX_LISTING };
      } finally {
        await dir.close();
      }
    });
  }

  async read(principal: Principal, id: string, path: string): Promise<FileContent> {
    const names = parseWorkspacePath(path);
    const sandbox = await this.throughSandbox(principal, id, false);
    if (sandbox) return readThroughSandbox(sandbox, names);
    return this.reading(principal, id, async (tree) => {
      const { handle, stats } = await tree.openFile(names);
      try {
        const tooLarge = () => fileErrors.tooLargeToRead(names.join('/'), stats.size, MAX_FILE_READ_BYTES);
        if (stats.size > MAX_FILE_READ_BYTES) throw tooLarge();
        const content = await readAtMost(handle, MAX_FILE_READ_BYTES);
        if (!content) throw tooLarge();
        const binary = isBinary(content);
        return {
          path: names.join('/'),
          size: content.length,
          mtime: stats.mtime.toISOString(),
          etag: etagOf(content),
          binary,
          language: binary ? null : languageOf(names.at(-1)!),
          content: binary ? null : content.toString('utf8'),
        };
      } finally {
        await handle.close();
      }
    });
  }

  /**
   * Saves a file whole. Overwriting needs the ETag the writer read (If-Match);
   * `If-None-Match: *` creates only. The new content goes to a temporary file
   * that is then renamed (or linked, to never replace) over the name.
   */
  async write(
    principal: Principal,
    id: string,
    path: string,
    content: Buffer,
    conditions: WriteConditions,
  ): Promise<{ meta: FileMeta; created: boolean }> {
    const names = nonRoot(path);
    const display = names.join('/');
    if (content.length > MAX_FILE_READ_BYTES) throw fileErrors.editTooLarge(MAX_FILE_READ_BYTES);
    const sandbox = await this.throughSandbox(principal, id, true);
    if (sandbox) {
      const result = await this.lock.run(id, () => writeThroughSandbox(sandbox, names, content, conditions));
      await this.workspaces.touch(id);
      return result;
    }
    return this.changing(principal, id, async (tree) => {
      const dir = await tree.openDirectory(names.slice(0, -1));
      try {
        const name = names.at(-1)!;
        const existing = await tree.lstatIn(dir, name);
        let mode = FILE_MODE;
        if (existing) {
          if (conditions.ifNoneMatch?.trim() === '*') throw fileErrors.exists(display, 412);
          if (existing.isSymbolicLink()) throw fileErrors.symlinkRefused(display);
          if (!existing.isFile()) throw fileErrors.notAFile(display);
          if (!conditions.ifMatch) throw fileErrors.ifMatchRequired(display);
          const { handle, stats } = await tree.openFileIn(dir, names);
          try {
            if (!ifMatchAccepts(conditions.ifMatch, await etagOfHandle(handle)))
              throw fileErrors.changed(display);
            mode = stats.mode & 0o777;
          } finally {
            await handle.close();
          }
        } else if (conditions.ifMatch) {
          throw fileErrors.changed(display); // it was deleted since it was read
        }
        await placeFile(tree, dir, name, content, mode, existing !== undefined, display);
        const stats = (await tree.lstatIn(dir, name))!;
        return {
          meta: {
            path: display,
            size: content.length,
            mtime: stats.mtime.toISOString(),
            etag: etagOf(content),
          },
          created: !existing,
        };
      } finally {
        await dir.close();
      }
    });
  }

  create(principal: Principal, id: string, path: string, type: 'file' | 'directory'): Promise<FileEntry> {
    const names = nonRoot(path);
    return this.changing(principal, id, async (tree) => {
      const dir = await tree.openDirectory(names.slice(0, -1));
      try {
        const name = names.at(-1)!;
        try {
          if (type === 'directory') await tree.mkdirIn(dir, name);
          else await (await tree.createFileIn(dir, name, FILE_MODE)).close();
        } catch (error) {
          if (codeOf(error) === 'EEXIST') throw fileErrors.exists(names.join('/'));
          throw error;
        }
        return entryOf(tree, dir, names, (await tree.lstatIn(dir, name))!);
      } finally {
        await dir.close();
      }
    });
  }

  /** Renames or moves a file, directory or link (the link itself); never replaces what is at `to`. */
  move(principal: Principal, id: string, from: string, to: string): Promise<FileEntry> {
    const source = nonRoot(from);
    const target = nonRoot(to);
    return this.changing(principal, id, async (tree) => {
      const fromDir = await tree.openDirectory(source.slice(0, -1));
      try {
        const toDir = await tree.openDirectory(target.slice(0, -1));
        try {
          if (!(await tree.lstatIn(fromDir, source.at(-1)!))) throw fileErrors.notFound(source.join('/'));
          if (await tree.lstatIn(toDir, target.at(-1)!)) throw fileErrors.exists(target.join('/'));
          try {
            await tree.renameIn(fromDir, source.at(-1)!, toDir, target.at(-1)!);
          } catch (error) {
            if (codeOf(error) === 'EINVAL')
              throw fileErrors.invalidPath(to, 'a directory cannot move into itself');
            throw error;
          }
          return entryOf(tree, toDir, target, (await tree.lstatIn(toDir, target.at(-1)!))!);
        } finally {
          await toDir.close();
        }
      } finally {
        await fromDir.close();
      }
    });
  }

  /** Deletes a file or link (not its target), or a directory: an empty one, or any with `recursive`. */
  remove(principal: Principal, id: string, path: string, recursive: boolean): Promise<void> {
    const names = nonRoot(path);
    const display = names.join('/');
    return this.changing(principal, id, async (tree) => {
      const dir = await tree.openDirectory(names.slice(0, -1));
      try {
        const name = names.at(-1)!;
        const stats = await tree.lstatIn(dir, name);
        if (!stats) throw fileErrors.notFound(display);
        if (!stats.isDirectory()) return await tree.unlinkIn(dir, name);
        if (recursive) return await tree.removeTreeIn(dir, name);
        try {
          await tree.rmdirIn(dir, name);
        } catch (error) {
          if (codeOf(error) === 'ENOTEMPTY' || codeOf(error) === 'EEXIST')
            throw fileErrors.directoryNotEmpty(display);
          throw error;
        }
      } finally {
        await dir.close();
      }
    });
  }

  /** Opens the workspace folder for reading (any member); closes it after `work`. */
  async reading<T>(principal: Principal, id: string, work: (tree: WorkspaceTree) => Promise<T>): Promise<T> {
    const { tree } = await this.openTree(principal, id, false);
    try {
      return await work(tree);
    } finally {
      await tree.close();
    }
  }

  /** Opens the workspace folder for a change (editors and owners), one change at a time. */
  async changing<T>(principal: Principal, id: string, work: (tree: WorkspaceTree) => Promise<T>): Promise<T> {
    const { tree } = await this.openTree(principal, id, true);
    try {
      const result = await this.lock.run(id, () => work(tree));
      await this.workspaces.touch(id);
      return result;
    } finally {
      await tree.close();
    }
  }

  /**
   * The workspace's running Sandbox when its files are not on this host (the
   * driver has no filesOnHost): list, read, write and upload then go through
   * it. Undefined when they are (the host path below). Checks access first.
   */
  async throughSandbox(principal: Principal, id: string, write: boolean): Promise<Sandbox | undefined> {
    const { row, sandbox } = await this.access(principal, id, write);
    if (sandbox.hostFiles) return undefined;
    if (row.state !== 'running') throw fileErrors.unavailable(row.name, `it is ${row.state}; start it first`);
    return sandbox;
  }

  private async access(principal: Principal, id: string, write: boolean) {
    const { row, myRole } = await this.workspaces.get(principal, id, 'read');
    if (write && principal.user.role !== 'admin' && myRole !== 'editor' && myRole !== 'owner')
      throw errors.forbidden('change files in this workspace (editors and owners can)');
    if (row.state === 'creating' || row.state === 'deleting')
      throw fileErrors.unavailable(row.name, `it is ${row.state}`);
    if (row.files_expired_at)
      throw fileErrors.unavailable(row.name, 'they were removed after it was archived; restore it first');
    const sandbox = await this.workspaces.lifecycle.sandbox(row).catch((error: unknown) => {
      throw fileErrors.unavailable(row.name, error instanceof Error ? error.message : String(error));
    });
    return { row, myRole, sandbox };
  }

  /** Checks access and state, and opens the folder on the host; the caller closes it. */
  async openTree(
    principal: Principal,
    id: string,
    write: boolean,
  ): Promise<{ tree: WorkspaceTree; workspaceName: string }> {
    const { row, sandbox } = await this.access(principal, id, write);
    if (!sandbox.hostFiles)
      throw fileErrors.unavailable(
        row.name,
        'creating, moving, deleting and downloading need files on the server’s host, which this workspace’s driver does not keep',
      );
    // Sandboxes that run as the workspace's uid (under a root server): what Hangar creates must be theirs.
    const owner: Owner | undefined =
      this.workspaces.lifecycle.capabilitiesOf(row).perWorkspaceUid && process.getuid?.() === 0
        ? { uid: Number(row.uid), gid: Number(row.uid) }
        : undefined;
    try {
      const tree = await WorkspaceTree.open(sandbox.hostFiles.workspace, owner);
      return { tree, workspaceName: row.name };
    } catch (error) {
      if (codeOf(error) === 'ENOENT') throw fileErrors.unavailable(row.name, 'its folder is missing');
      throw error;
    }
  }
}
