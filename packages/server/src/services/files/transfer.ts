import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MAX_UPLOAD_BYTES, type FileMeta } from '@hangar/protocol';
import { ZipFile } from 'yazl';
import type { Principal } from '../auth.js';
import { fileErrors } from './file-errors.js';
import type { FileService } from './file-service.js';
import { placeFile } from './place-file.js';
import { uploadThroughSandbox } from './sandbox-files.js';
import { GIT_DIR, parseFileName, parseWorkspacePath, type WorkspaceTree } from './path-resolver.js';

/** Most files and directories one zip download holds. */
const MAX_ZIP_ENTRIES = 100_000;

export type Download =
  | { kind: 'file'; name: string; size: number; stream: Readable }
  | { kind: 'zip'; name: string; stream: Readable };

/** One file of a multipart upload, as the HTTP layer hands it over. */
export interface UploadPart {
  filename: string;
  file: AsyncIterable<Buffer> & { truncated?: boolean };
}

interface ZipItem {
  names: string[];
  directory: boolean;
  mtime: Date;
  /** File type and permission bits, as zip's external attributes keep them. */
  mode: number;
}

/** Downloads (a file, or a directory as a zip) and multipart uploads. */
export class FileTransfers {
  constructor(private readonly files: FileService) {}

  /** A file's bytes, or a directory zipped as it streams. The folder stays open until the stream ends. */
  async download(principal: Principal, id: string, path: string): Promise<Download> {
    const names = parseWorkspacePath(path);
    const { tree, workspaceName } = await this.files.openTree(principal, id, false);
    try {
      const parent = names.length > 0 ? await tree.openDirectory(names.slice(0, -1)) : undefined;
      try {
        const stats = parent ? await tree.lstatIn(parent, names.at(-1)!) : undefined;
        if (parent && !stats) throw fileErrors.notFound(names.join('/'));
        if (parent && stats?.isSymbolicLink()) throw fileErrors.symlinkRefused(names.join('/'));
        if (parent && !stats?.isDirectory()) {
          const { handle, stats: opened } = await tree.openFileIn(parent, names);
          const stream = handle.createReadStream();
          stream.once('close', () => void tree.close());
          return { kind: 'file', name: names.at(-1)!, size: opened.size, stream };
        }
      } finally {
        await parent?.close();
      }
      const top = names.at(-1) ?? workspaceName;
      const stream = await this.zip(tree, names, top);
      stream.once('close', () => void tree.close());
      return { kind: 'zip', name: `${top}.zip`, stream };
    } catch (error) {
      await tree.close();
      throw error;
    }
  }

  /**
   * Writes uploaded files into the directory at `path`. Each goes to a
   * temporary file first and gets its name only when complete; the total is
   * capped at MAX_UPLOAD_BYTES.
   */
  async upload(
    principal: Principal,
    id: string,
    path: string,
    overwrite: boolean,
    parts: AsyncIterable<UploadPart>,
  ): Promise<FileMeta[]> {
    const names = parseWorkspacePath(path);
    const sandbox = await this.files.throughSandbox(principal, id, true);
    if (sandbox) return uploadThroughSandbox(sandbox, names, overwrite, parts);
    const { tree } = await this.files.openTree(principal, id, true);
    try {
      const dir = await tree.openDirectory(names);
      try {
        const saved: FileMeta[] = [];
        let total = 0;
        for await (const part of parts) {
          const name = parseFileName(part.filename);
          const display = [...names, name].join('/');
          const existing = await tree.lstatIn(dir, name);
          if (existing && !overwrite) throw fileErrors.exists(display);
          if (existing?.isSymbolicLink()) throw fileErrors.symlinkRefused(display);
          if (existing && !existing.isFile()) throw fileErrors.notAFile(display);
          const hash = createHash('sha256');
          let size = 0;
          const copy = async (handle: FileHandle) => {
            for await (const chunk of part.file) {
              size += chunk.length;
              total += chunk.length;
              if (total > MAX_UPLOAD_BYTES) throw fileErrors.uploadTooLarge(MAX_UPLOAD_BYTES);
              hash.update(chunk);
              await handle.write(chunk);
            }
            if (part.file.truncated) throw fileErrors.uploadTooLarge(MAX_UPLOAD_BYTES);
          };
          await placeFile(tree, dir, name, copy, 0o644, existing !== undefined, display);
          const stats = await tree.lstatIn(dir, name);
          saved.push({
            path: display,
            size,
            mtime: (stats?.mtime ?? new Date()).toISOString(),
            etag: `"${hash.digest('base64url').slice(0, 32)}"`,
          });
        }
        if (saved.length === 0)
          throw fileErrors.invalidUpload('send at least one file as multipart/form-data');
        return saved;
      } finally {
        await dir.close();
      }
    } finally {
      await tree.close();
    }
  }

  /**
   * Zips a directory. The tree is walked first (so a too-large one is refused
   * before any byte is sent); each file is opened again from the root, with
   * O_NOFOLLOW at every step, only when its turn comes. Links, FIFOs, sockets
   * and devices are left out; a file that vanished or became a link meanwhile
   * is stored empty.
   */
  private async zip(tree: WorkspaceTree, base: string[], top: string): Promise<Readable> {
    const items: ZipItem[] = [];
    const dir = await tree.openDirectory(base);
    try {
      await walk(tree, dir, base, [], items);
    } finally {
      await dir.close();
    }
    const zip = new ZipFile();
    let closed = false;
    let current: Readable | undefined;
    const output = Readable.from(zip.outputStream) as Readable;
    output.once('close', () => {
      closed = true;
      current?.destroy();
    });
    // A file that fails mid-read (EIO, say) ends the download; it must not crash the server.
    zip.on('error', (error: Error) => output.destroy(error));
    for (const item of items) {
      const name = [top, ...item.names].join('/');
      if (item.directory) {
        zip.addEmptyDirectory(name, { mtime: item.mtime, mode: item.mode });
        continue;
      }
      zip.addReadStreamLazy(name, { mtime: item.mtime, mode: item.mode }, (callback) => {
        const empty = () => callback(null, Readable.from([]));
        if (closed) return empty();
        tree.openFile([...base, ...item.names]).then(({ handle }) => {
          if (closed) return void handle.close().then(empty);
          current = handle.createReadStream();
          callback(null, current);
        }, empty);
      });
    }
    zip.end();
    return output;
  }
}

async function walk(
  tree: WorkspaceTree,
  dir: FileHandle,
  base: string[],
  prefix: string[],
  items: ZipItem[],
): Promise<void> {
  for (const name of (await tree.namesIn(dir)).sort()) {
    if (name === GIT_DIR) continue;
    const stats = await tree.lstatIn(dir, name);
    if (!stats || !(stats.isFile() || stats.isDirectory())) continue;
    if (items.length >= MAX_ZIP_ENTRIES)
      throw fileErrors.tooManyEntries(base.join('/') || '.', MAX_ZIP_ENTRIES);
    const names = [...prefix, name];
    items.push({ names, directory: stats.isDirectory(), mtime: stats.mtime, mode: stats.mode & 0o170777 });
    if (!stats.isDirectory()) continue;
    const child = await tree.openDirectoryIn(dir, [...base, ...names]).catch(() => undefined);
    if (!child) continue; // replaced by a link or removed since: skip it
    try {
      await walk(tree, child, base, names, items);
    } finally {
      await child.close();
    }
  }
}
