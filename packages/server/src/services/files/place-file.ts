import type { FileHandle } from 'node:fs/promises';
import { newId } from '../../common/crypto.js';
import { fileErrors } from './file-errors.js';
import { codeOf, type WorkspaceTree } from './path-resolver.js';

/**
 * Writes `content` to a fresh temporary file in `dir`, then gives it `name`:
 * by rename when replacing, by link (which fails if anything has the name
 * meanwhile) when creating.
 */
export async function placeFile(
  tree: WorkspaceTree,
  dir: FileHandle,
  name: string,
  content: Buffer | ((handle: FileHandle) => Promise<void>),
  mode: number,
  replace: boolean,
  display: string,
): Promise<void> {
  const temporary = `.hangar-${newId().slice(0, 12)}.tmp`;
  const handle = await tree.createFileIn(dir, temporary, mode);
  try {
    try {
      if (typeof content === 'function') await content(handle);
      else await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    try {
      if (replace) await tree.renameIn(dir, temporary, dir, name);
      else await tree.linkIn(dir, temporary, name);
    } catch (error) {
      if (codeOf(error) === 'EEXIST') throw fileErrors.exists(display, replace ? 409 : 412);
      if (codeOf(error) === 'EISDIR' || codeOf(error) === 'ENOTEMPTY') throw fileErrors.notAFile(display);
      throw error;
    }
  } finally {
    await tree.unlinkIn(dir, temporary).catch(() => undefined);
  }
}
