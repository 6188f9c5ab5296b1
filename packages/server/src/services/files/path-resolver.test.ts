import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HangarError } from '../../errors.js';
import { parseFileName, parseWorkspacePath, resolverHooks, WorkspaceTree } from './path-resolver.js';

const base = mkdtempSync(join(tmpdir(), 'hangar-resolver-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Runs `work` and returns the id of the HangarError it throws. */
async function refusal(work: () => unknown): Promise<string> {
  try {
    await work();
  } catch (error) {
    if (error instanceof HangarError) return error.id;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseWorkspacePath', () => {
  it('splits a relative path into names, ignoring empty and "." names', () => {
    expect(parseWorkspacePath('')).toEqual([]);
    expect(parseWorkspacePath('src/index.ts')).toEqual(['src', 'index.ts']);
    expect(parseWorkspacePath('a//b/./c/')).toEqual(['a', 'b', 'c']);
    expect(parseWorkspacePath('%2e%2e/x')).toEqual(['%2e%2e', 'x']); // a literal name, not ".."
    expect(parseWorkspacePath('..foo/bar..')).toEqual(['..foo', 'bar..']);
  });

  it.each([
    ['..', 'contains ".."'],
    ['../etc/passwd', 'contains ".."'],
    ['a/../../etc', 'contains ".."'],
    ['a/..', 'contains ".."'],
    ['/etc/passwd', 'absolute'],
    ['a\0b', 'NUL'],
    ['.git/config', '.git'],
    ['sub/.git/hooks/pre-commit', '.git'],
    ['x'.repeat(256), 'longer than 255'],
    ['a/'.repeat(3000), 'too long'],
  ])('refuses %.40j (%s)', (input, reason) => {
    expect(() => parseWorkspacePath(input)).toThrow(reason);
    expect(() => parseWorkspacePath(input)).toThrow(
      expect.objectContaining({ id: 'invalid_path', status: 400 }),
    );
  });

  it('takes an upload name only without a directory part', () => {
    expect(parseFileName('notes.md')).toBe('notes.md');
    expect(() => parseFileName('a/b')).toThrow('may not contain "/"');
    expect(() => parseFileName('..')).toThrow('".."');
    expect(() => parseFileName('')).toThrow('may not contain');
  });
});

describe('WorkspaceTree', () => {
  let root: string;
  let outside: string;
  let tree: WorkspaceTree;

  beforeEach(async () => {
    const dir = mkdtempSync(join(base, 'case-'));
    root = join(dir, 'work');
    outside = join(dir, 'outside');
    mkdirSync(join(root, 'd'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(root, 'd', 'secret.txt'), 'inside');
    writeFileSync(join(outside, 'secret.txt'), 'OUTSIDE');
    tree = await WorkspaceTree.open(root);
  });
  afterEach(async () => {
    delete resolverHooks.beforeLeaf;
    await tree.close();
  });

  const read = async (names: string[]) => {
    const { handle } = await tree.openFile(names);
    try {
      return (await handle.readFile()).toString();
    } finally {
      await handle.close();
    }
  };

  it('opens files and directories inside the tree', async () => {
    expect(await read(['d', 'secret.txt'])).toBe('inside');
    const dir = await tree.openDirectory(['d']);
    expect(await tree.namesIn(dir)).toEqual(['secret.txt']);
    await dir.close();
  });

  it('refuses a link as the last name, to a file or a directory outside', async () => {
    symlinkSync('/etc/passwd', join(root, 'passwd'));
    symlinkSync(outside, join(root, 'out'));
    expect(await refusal(() => read(['passwd']))).toBe('symlink_refused');
    expect(await refusal(() => tree.openDirectory(['out']))).toBe('symlink_refused');
  });

  it('refuses a link in the middle of a path', async () => {
    symlinkSync(outside, join(root, 'out'));
    symlinkSync('/etc', join(root, 'etc'));
    expect(await refusal(() => read(['out', 'secret.txt']))).toBe('symlink_refused');
    expect(await refusal(() => read(['etc', 'passwd']))).toBe('symlink_refused');
  });

  it('refuses even a link that stays inside the tree', async () => {
    symlinkSync('d/secret.txt', join(root, 'alias'));
    expect(await refusal(() => read(['alias']))).toBe('symlink_refused');
  });

  it('tells a missing name, a file used as a directory, and a FIFO apart', async () => {
    execFileSync('mkfifo', [join(root, 'pipe')]);
    expect(await refusal(() => read(['nope']))).toBe('file_not_found');
    expect(await refusal(() => read(['d', 'secret.txt', 'x']))).toBe('not_a_directory');
    expect(await refusal(() => read(['d']))).toBe('not_a_file');
    expect(await refusal(() => read(['pipe']))).toBe('not_a_file'); // and does not hang
  });

  it('refuses a file swapped for a link between the parent check and the open', async () => {
    resolverHooks.beforeLeaf = (path) => {
      if (path !== 'd/secret.txt') return;
      rmSync(join(root, 'd', 'secret.txt'));
      symlinkSync(join(outside, 'secret.txt'), join(root, 'd', 'secret.txt'));
    };
    expect(await refusal(() => read(['d', 'secret.txt']))).toBe('symlink_refused');
  });

  it('keeps reading the directory it opened when that directory is swapped for a link', async () => {
    resolverHooks.beforeLeaf = (path) => {
      if (path !== 'd/secret.txt') return;
      renameSync(join(root, 'd'), join(root, 'd.moved'));
      symlinkSync(outside, join(root, 'd'));
    };
    // The descriptor of "d" was taken before the swap: the lookup happens in the
    // real directory (now d.moved), never in the link's target.
    expect(await read(['d', 'secret.txt'])).toBe('inside');
  });

  it('refuses a directory swapped for a link before it is opened', async () => {
    resolverHooks.beforeLeaf = (path) => {
      if (path !== 'd') return;
      renameSync(join(root, 'd'), join(root, 'd.moved'));
      symlinkSync(outside, join(root, 'd'));
    };
    expect(await refusal(() => read(['d', 'secret.txt']))).toBe('symlink_refused');
  });

  it('never creates through or over a link', async () => {
    symlinkSync(join(outside, 'new.txt'), join(root, 'dangling'));
    const dir = await tree.openDirectory([]);
    await expect(tree.createFileIn(dir, 'dangling', 0o644)).rejects.toThrow(/EEXIST/);
    await expect(tree.mkdirIn(dir, 'dangling')).rejects.toThrow(/EEXIST/);
    await expect(tree.linkIn(dir, 'd', 'dangling')).rejects.toThrow();
    await dir.close();
    expect(() => lstatSync(join(outside, 'new.txt'))).toThrow(/ENOENT/);
  });

  it('gives created files and directories the owner and mode asked for', async () => {
    const owned = process.getuid?.() === 0;
    const ownerTree = await WorkspaceTree.open(root, owned ? { uid: 4242, gid: 4343 } : undefined);
    const dir = await ownerTree.openDirectory([]);
    await (await ownerTree.createFileIn(dir, 'made.txt', 0o640)).close();
    await ownerTree.mkdirIn(dir, 'made-dir');
    await dir.close();
    await ownerTree.close();
    const file = statSync(join(root, 'made.txt'));
    const made = statSync(join(root, 'made-dir'));
    expect(file.mode & 0o777).toBe(0o640);
    expect(made.mode & 0o777).toBe(0o755);
    if (owned) expect([file.uid, file.gid, made.uid, made.gid]).toEqual([4242, 4343, 4242, 4343]);
  });

  it('deletes a tree without following the links in it', async () => {
    mkdirSync(join(root, 'gone', 'deep'), { recursive: true });
    writeFileSync(join(root, 'gone', 'deep', 'f'), 'x');
    symlinkSync(outside, join(root, 'gone', 'out'));
    symlinkSync(join(outside, 'secret.txt'), join(root, 'gone', 'deep', 'secret-link'));
    const dir = await tree.openDirectory([]);
    await tree.removeTreeIn(dir, 'gone');
    await dir.close();
    expect(() => lstatSync(join(root, 'gone'))).toThrow(/ENOENT/);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('OUTSIDE');
  });
});
