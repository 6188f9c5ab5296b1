import { describe, expect, it } from 'vitest';
import { displayPath, parsePatch, splitRows, type SplitRow } from './patch';

// Patches as `git diff HEAD` prints them (the server hands them on per file).
const MODIFIED = [
  'diff --git a/src/app.ts b/src/app.ts',
  'index 3b18e51..a9c2f44 100644',
  '--- a/src/app.ts',
  '+++ b/src/app.ts',
  '@@ -1,4 +1,5 @@ export function main() {',
  ' const a = 1;',
  '-const b = 2;',
  '-const c = 3;',
  '+const b = 20;',
  '+const c = 30;',
  '+const d = 40;',
  ' return a;',
  '@@ -10 +11 @@',
  '-old tail',
  '\\ No newline at end of file',
  '+new tail',
  '\\ No newline at end of file',
  '',
].join('\n');

const NEW_FILE = [
  'diff --git a/notes.txt b/notes.txt',
  'new file mode 100644',
  'index 0000000..e69de29',
  '--- /dev/null',
  '+++ b/notes.txt',
  '@@ -0,0 +1,2 @@',
  '+hello',
  '+world',
  '',
].join('\n');

/** A row as text, "3:x | 4:y", to compare whole tables at a glance. */
function show(row: SplitRow): string {
  const side = (cell: SplitRow['left']) =>
    cell ? `${cell.no}${cell.kind === 'add' ? '+' : cell.kind === 'del' ? '-' : ' '}${cell.text}` : '.';
  return `${side(row.left)} | ${side(row.right)}`;
}

describe('parsePatch', () => {
  it('reads headers, hunks and line numbers on both sides', () => {
    const parsed = parsePatch(MODIFIED);
    expect(parsed.headers).toEqual([
      'diff --git a/src/app.ts b/src/app.ts',
      'index 3b18e51..a9c2f44 100644',
      '--- a/src/app.ts',
      '+++ b/src/app.ts',
    ]);
    expect(parsed.binary).toBe(false);
    expect(parsed.cut).toBe(false);
    expect(parsed.hunks).toHaveLength(2);
    const [first, second] = parsed.hunks;
    expect(first).toMatchObject({ oldStart: 1, newStart: 1, section: 'export function main() {' });
    expect(first!.lines.map((l) => [l.kind, l.oldNo, l.newNo, l.text])).toEqual([
      ['context', 1, 1, 'const a = 1;'],
      ['del', 2, null, 'const b = 2;'],
      ['del', 3, null, 'const c = 3;'],
      ['add', null, 2, 'const b = 20;'],
      ['add', null, 3, 'const c = 30;'],
      ['add', null, 4, 'const d = 40;'],
      ['context', 4, 5, 'return a;'],
    ]);
    // "@@ -10 +11 @@": a count of one is left out.
    expect(second!.lines.map((l) => [l.kind, l.oldNo, l.newNo, l.noNewline])).toEqual([
      ['del', 10, null, true],
      ['add', null, 11, true],
    ]);
  });

  it('reads a body by its counts, so removed lines that look like headers stay lines', () => {
    const parsed = parsePatch(
      [
        'diff --git a/x.md b/x.md',
        '--- a/x.md',
        '+++ b/x.md',
        '@@ -1,3 +1,1 @@',
        '--- a/y',
        '-@@ -1 +1 @@',
        ' z',
        '+stray',
      ].join('\n'),
    );
    expect(parsed.hunks).toHaveLength(1);
    expect(parsed.hunks[0]!.lines.map((l) => [l.kind, l.text])).toEqual([
      ['del', '-- a/y'],
      ['del', '@@ -1 +1 @@'],
      ['context', 'z'],
    ]);
    // The "+stray" line is beyond the counts: not part of the hunk.
    expect(parsed.cut).toBe(false);
  });

  it('numbers a new file from 1 and takes an empty line as empty context', () => {
    expect(parsePatch(NEW_FILE).hunks[0]!.lines.map((l) => [l.kind, l.newNo, l.text])).toEqual([
      ['add', 1, 'hello'],
      ['add', 2, 'world'],
    ]);
    const trimmed = parsePatch('@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n');
    expect(trimmed.hunks[0]!.lines.map((l) => [l.kind, l.oldNo, l.newNo, l.text])).toEqual([
      ['context', 1, 1, 'a'],
      ['context', 2, 2, ''],
      ['del', 3, null, 'b'],
      ['add', null, 3, 'c'],
    ]);
  });

  it('marks binary files and patches cut at the size cap', () => {
    const binary = parsePatch(
      'diff --git a/logo.png b/logo.png\nindex 1..2 100644\nBinary files a/logo.png and b/logo.png differ\n',
    );
    expect(binary).toMatchObject({ binary: true, hunks: [] });
    const cut = parsePatch('diff --git a/big b/big\n--- a/big\n+++ b/big\n@@ -1,5 +1,5 @@\n a\n-b\n');
    expect(cut.cut).toBe(true);
    expect(cut.hunks[0]!.lines).toHaveLength(2);
  });

  it('reads an empty patch (a mode change, an empty new file) as no hunks', () => {
    expect(parsePatch('')).toEqual({ headers: [], hunks: [], binary: false, cut: false });
    const mode = parsePatch('diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n');
    expect(mode.hunks).toEqual([]);
    expect(mode.headers).toHaveLength(3);
  });
});

describe('splitRows', () => {
  it('sets removed and added runs beside each other, the longer against blanks', () => {
    const [first, second] = parsePatch(MODIFIED).hunks;
    expect(splitRows(first!).map(show)).toEqual([
      '1 const a = 1; | 1 const a = 1;',
      '2-const b = 2; | 2+const b = 20;',
      '3-const c = 3; | 3+const c = 30;',
      '. | 4+const d = 40;',
      '4 return a; | 5 return a;',
    ]);
    const rows = splitRows(second!);
    expect(rows.map(show)).toEqual(['10-old tail | 11+new tail']);
    expect(rows[0]!.left!.noNewline).toBe(true);
    expect(rows[0]!.right!.noNewline).toBe(true);
  });

  it('starts a new block when a removal follows additions', () => {
    const hunk = parsePatch('@@ -1,2 +1,2 @@\n+x\n-a\n-b\n+y\n').hunks[0]!;
    expect(splitRows(hunk).map(show)).toEqual(['. | 1+x', '1-a | 2+y', '2-b | .']);
  });

  it('leaves a pure removal on the left', () => {
    const hunk = parsePatch('@@ -3,2 +2,0 @@\n-gone\n-too\n').hunks[0]!;
    expect(splitRows(hunk).map(show)).toEqual(['3-gone | .', '4-too | .']);
  });
});

describe('displayPath', () => {
  it('shows a rename as old → new', () => {
    expect(displayPath({ path: 'b.ts', oldPath: 'a.ts' })).toBe('a.ts → b.ts');
    expect(displayPath({ path: 'b.ts', oldPath: null })).toBe('b.ts');
  });
});
