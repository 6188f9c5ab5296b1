import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAME = '@hangar/server';

const found = findRoot(dirname(fileURLToPath(import.meta.url)));

/**
 * The server package's directory (the one holding its package.json), found by
 * walking up from this module: the same answer from src/ (tests), dist/ and
 * the single-file bundle in dist/bundle/, whatever their depth.
 */
export const PACKAGE_ROOT: string = found.dir;

/** The server's package.json, as read at start. */
export const PACKAGE_JSON: { name: string; version: string } = found.json;

/** The nearest directory above `from` whose package.json names this package, read once. */
function findRoot(from: string): { dir: string; json: { name: string; version: string } } {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
      if (json.name === NAME) return { dir, json: { name: NAME, version: json.version } };
    }
    if (dirname(dir) === dir) throw new Error(`${NAME}: no package.json of ${NAME} above ${from}`);
  }
}
