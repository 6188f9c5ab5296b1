// Temporary directories of a benchmark run, removed when it ends (also on
// Ctrl-C). A directory with something still mounted below it is left in
// place and reported: removing it would reach into the mounted file system.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mountsUnder } from './host-processes.js';

export class TempDirs {
  /** @type {Set<string>} */
  #dirs = new Set();

  create(prefix = 'hangar-bench-') {
    const dir = mkdtempSync(path.join(tmpdir(), prefix));
    this.#dirs.add(dir);
    return dir;
  }

  /**
   * @param {string} dir
   * @returns {string | undefined} why it was left in place, if it was
   */
  remove(dir) {
    this.#dirs.delete(dir);
    const mounts = mountsUnder(dir);
    if (mounts.length > 0) return `${dir} left in place: still mounted there: ${mounts.join(', ')}`;
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }

  /** @returns {string[]} why directories were left in place */
  removeAll() {
    return [...this.#dirs].flatMap((dir) => this.remove(dir) ?? []);
  }
}
