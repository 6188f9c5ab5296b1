import { createHash } from 'node:crypto';
import {
  MAX_FILE_READ_BYTES,
  MAX_UPLOAD_BYTES,
  type FileContent,
  type FileEntry,
  type FileListing,
  type FileMeta,
} from '@hangar/protocol';
import { HangarError } from '../../errors.js';
import { SandboxFileError, type Sandbox, type SandboxEntry } from '../../sandbox/sandbox.js';
import { etagOf, ifMatchAccepts, isBinary, languageOf } from './content.js';
import { rank } from './entries.js';
import { fileErrors } from './file-errors.js';
import { GIT_DIR, parseFileName } from './path-resolver.js';
import type { UploadPart } from './transfer.js';

/*
 * The files API for a workspace whose files are not on this host
 * (capabilities.filesOnHost false): every read, write and listing is a
 * command in the workspace's running sandbox (Sandbox.readFile, writeFile,
 * list), which refuses links, a link anywhere on the path, and `..` (paths
 * are parsed by the caller first). Answers are the same as on the host path.
 */

/** Most entries one listing returns. */
const MAX_LISTING = 5000;

export async function listThroughSandbox(sandbox: Sandbox, names: string[]): Promise<FileListing> {
  const all = (await refused(names, () => sandbox.list(names.join('/') || '.'), { directory: true })).filter(
    (entry) => entry.name !== GIT_DIR,
  );
  const entries = all.slice(0, MAX_LISTING).map((entry) => entryOf([...names, entry.name], entry));
  entries.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { path: names.join('/'), entries, truncated: all.length > MAX_LISTING };
}

export async function readThroughSandbox(sandbox: Sandbox, names: string[]): Promise<FileContent> {
  const display = names.join('/');
  if (names.length === 0) throw fileErrors.notAFile(display);
  const entry = await statOf(sandbox, names);
  if (entry.size > MAX_FILE_READ_BYTES)
    throw fileErrors.tooLargeToRead(display, entry.size, MAX_FILE_READ_BYTES);
  const content = await refused(names, () => sandbox.readFile(display, MAX_FILE_READ_BYTES), {
    size: entry.size,
  });
  const binary = isBinary(content);
  return {
    path: display,
    size: content.length,
    mtime: entry.mtime.toISOString(),
    etag: etagOf(content),
    binary,
    language: binary ? null : languageOf(names.at(-1)!),
    content: binary ? null : content.toString('utf8'),
  };
}

/** Saves a file whole, with the same If-Match / If-None-Match rules as on the host path. */
export async function writeThroughSandbox(
  sandbox: Sandbox,
  names: string[],
  content: Buffer,
  conditions: { ifMatch?: string | undefined; ifNoneMatch?: string | undefined },
): Promise<{ meta: FileMeta; created: boolean }> {
  const display = names.join('/');
  const existing = await statOf(sandbox, names).catch((error: unknown) => {
    if (error instanceof HangarError && error.id === 'file_not_found' && names.length > 0) return undefined;
    throw error;
  });
  if (existing) {
    if (conditions.ifNoneMatch?.trim() === '*') throw fileErrors.exists(display, 412);
    if (existing.type === 'symlink') throw fileErrors.symlinkRefused(display);
    if (existing.type !== 'file') throw fileErrors.notAFile(display);
    if (!conditions.ifMatch) throw fileErrors.ifMatchRequired(display);
    const now = await refused(names, () => sandbox.readFile(display, MAX_FILE_READ_BYTES));
    if (!ifMatchAccepts(conditions.ifMatch, etagOf(now))) throw fileErrors.changed(display);
  } else if (conditions.ifMatch) {
    throw fileErrors.changed(display); // it was deleted since it was read
  }
  await refused(names, () => sandbox.writeFile(display, content, { exclusive: !existing }), {
    existsStatus: 409,
  });
  const written = await statOf(sandbox, names).catch(() => undefined);
  return {
    meta: {
      path: display,
      size: content.length,
      mtime: (written?.mtime ?? new Date()).toISOString(),
      etag: etagOf(content),
    },
    created: !existing,
  };
}

/** Writes uploaded files into the directory `names`; the total is capped at MAX_UPLOAD_BYTES. */
export async function uploadThroughSandbox(
  sandbox: Sandbox,
  names: string[],
  overwrite: boolean,
  parts: AsyncIterable<UploadPart>,
): Promise<FileMeta[]> {
  const present = new Map(
    (await refused(names, () => sandbox.list(names.join('/') || '.'), { directory: true })).map((e) => [
      e.name,
      e,
    ]),
  );
  const saved: FileMeta[] = [];
  let total = 0;
  for await (const part of parts) {
    const name = parseFileName(part.filename);
    const path = [...names, name];
    const display = path.join('/');
    const existing = present.get(name);
    if (existing && !overwrite) throw fileErrors.exists(display);
    if (existing?.type === 'symlink') throw fileErrors.symlinkRefused(display);
    if (existing && existing.type !== 'file') throw fileErrors.notAFile(display);
    const chunks: Buffer[] = [];
    for await (const chunk of part.file) {
      total += chunk.length;
      if (total > MAX_UPLOAD_BYTES) throw fileErrors.uploadTooLarge(MAX_UPLOAD_BYTES);
      chunks.push(chunk);
    }
    if (part.file.truncated) throw fileErrors.uploadTooLarge(MAX_UPLOAD_BYTES);
    const content = Buffer.concat(chunks);
    await refused(path, () => sandbox.writeFile(display, content, { exclusive: !existing }), {
      existsStatus: 409,
    });
    const written = await statOf(sandbox, path).catch(() => undefined);
    saved.push({
      path: display,
      size: content.length,
      mtime: (written?.mtime ?? new Date()).toISOString(),
      etag: `"${createHash('sha256').update(content).digest('base64url').slice(0, 32)}"`,
    });
  }
  if (saved.length === 0) throw fileErrors.invalidUpload('send at least one file as multipart/form-data');
  return saved;
}

/** The entry `names` leads to, from a listing of its directory (links reported, not followed). */
async function statOf(sandbox: Sandbox, names: string[]): Promise<SandboxEntry> {
  const parent = names.slice(0, -1);
  const entries = await refused(parent, () => sandbox.list(parent.join('/') || '.'), { directory: true });
  const entry = entries.find((e) => e.name === names.at(-1));
  if (!entry) throw fileErrors.notFound(names.join('/'));
  return entry;
}

function entryOf(names: string[], entry: SandboxEntry): FileEntry {
  return {
    name: entry.name,
    path: names.join('/'),
    type: entry.type,
    size: entry.size,
    mtime: entry.mtime.toISOString(),
    target: entry.type === 'symlink' ? (entry.target ?? null) : null,
  };
}

/** The sandbox's refusals as the files API's errors. */
async function refused<T>(
  names: string[],
  work: () => Promise<T>,
  how: { directory?: boolean; size?: number; existsStatus?: number } = {},
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SandboxFileError)) throw error;
    const display = names.join('/');
    switch (error.kind) {
      case 'not-found':
        throw fileErrors.notFound(display);
      case 'symlink':
      case 'link-in-path':
        throw fileErrors.symlinkRefused(display);
      case 'wrong-type':
        throw how.directory ? fileErrors.notADirectory(display) : fileErrors.notAFile(display);
      case 'exists':
        throw fileErrors.exists(display, how.existsStatus ?? 412);
      case 'too-large':
        throw fileErrors.tooLargeToRead(display, how.size ?? MAX_FILE_READ_BYTES + 1, MAX_FILE_READ_BYTES);
    }
  }
}
