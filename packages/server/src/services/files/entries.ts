import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { FileEntry } from '@hangar/protocol';
import { fileErrors } from './file-errors.js';
import { parseWorkspacePath, type WorkspaceTree } from './path-resolver.js';

/** Parses a path that must name something inside the root, not the root itself. */
export function nonRoot(path: string): string[] {
  const names = parseWorkspacePath(path);
  if (names.length === 0) throw fileErrors.invalidPath(path, 'it names the workspace folder itself');
  return names;
}

export async function entryOf(
  tree: WorkspaceTree,
  dir: FileHandle,
  names: readonly string[],
  stats: Stats,
): Promise<FileEntry> {
  const name = names.at(-1)!;
  const type = stats.isDirectory()
    ? 'directory'
    : stats.isFile()
      ? 'file'
      : stats.isSymbolicLink()
        ? 'symlink'
        : 'other';
  return {
    name,
    path: names.join('/'),
    type,
    size: stats.size,
    mtime: stats.mtime.toISOString(),
    target: type === 'symlink' ? await tree.readlinkIn(dir, name).catch(() => null) : null,
  };
}

export function rank(entry: FileEntry): number {
  return entry.type === 'directory' ? 0 : 1;
}
