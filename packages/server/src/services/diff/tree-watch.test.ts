import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TooManyDirectories, TreeWatch } from './tree-watch.js';

describe('the tree watch', () => {
  let root: string;
  let outside: string;
  let watch: TreeWatch | undefined;
  let seen: string[];
  let overflows: number;
  const start = async (maxDirectories = 100) => {
    watch = new TreeWatch(
      root,
      {
        ignore: (dir) => dir === '.git/objects' || dir.startsWith('.git/objects/'),
        maxDirectories,
        onOverflow: () => overflows++,
      },
      (paths) => seen.push(...paths),
    );
    await watch.start();
    return watch;
  };
  const reported = (path: string) => expect.poll(() => seen, { timeout: 5000 }).toContain(path);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hangar-treewatch-'));
    outside = mkdtempSync(join(tmpdir(), 'hangar-treewatch-outside-'));
    mkdirSync(join(root, 'a/b'), { recursive: true });
    mkdirSync(join(root, '.git/objects/00'), { recursive: true });
    symlinkSync(outside, join(root, 'link'));
    seen = [];
    overflows = 0;
  });
  afterEach(() => {
    watch?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('reports writes at once, in new and moved directories too, and never through a link', async () => {
    const tree = await start();
    expect(tree.directories).toBe(4); // '', a, a/b, .git (not its objects)
    writeFileSync(join(root, 'a/b/f.txt'), 'x');
    await reported('a/b/f.txt');

    mkdirSync(join(root, 'new/deep'), { recursive: true });
    await reported('new');
    await expect.poll(() => tree.directories, { timeout: 5000 }).toBe(6);
    writeFileSync(join(root, 'new/deep/g.txt'), 'y');
    await reported('new/deep/g.txt');

    renameSync(join(root, 'a'), join(root, 'moved'));
    await reported('moved');
    await expect.poll(() => tree.directories, { timeout: 5000 }).toBe(6);
    seen = [];
    writeFileSync(join(root, 'moved/b/h.txt'), 'z');
    await reported('moved/b/h.txt');
    expect(seen.filter((p) => p.startsWith('a/'))).toEqual([]);

    rmSync(join(root, 'new'), { recursive: true });
    await expect.poll(() => tree.directories, { timeout: 5000 }).toBe(4);

    // A link that appears later is reported as a name, and not followed.
    symlinkSync(outside, join(root, 'later'));
    await reported('later');
    await new Promise((r) => setTimeout(r, 100));
    expect(tree.directories).toBe(4);
    seen = [];
    writeFileSync(join(outside, 'secret.txt'), 's');
    writeFileSync(join(root, '.git/objects/00/blob'), 'o');
    writeFileSync(join(root, 'last.txt'), 'l');
    await reported('last.txt');
    expect([...new Set(seen)]).toEqual(['last.txt']);
  });

  it('refuses a tree with too many directories, and says when one grows past them', async () => {
    await expect(start(2)).rejects.toBeInstanceOf(TooManyDirectories);
    const tree = await start(5);
    mkdirSync(join(root, 'c/d/e'), { recursive: true });
    await expect.poll(() => overflows, { timeout: 5000 }).toBeGreaterThan(0);
    tree.close();
  });
});
