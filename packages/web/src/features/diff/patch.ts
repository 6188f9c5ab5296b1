/**
 * Reads one file's unified patch as the server sends it (from its
 * `diff --git` line) into hunks of numbered lines, and pairs them for the
 * side-by-side view. Pure, so both views are tested without a browser.
 */

export type LineKind = 'context' | 'add' | 'del';

export interface PatchLine {
  kind: LineKind;
  /** The line without its one-character prefix. */
  text: string;
  /** 1-based line numbers; null on the side the line is not on. */
  oldNo: number | null;
  newNo: number | null;
  /** git's "\ No newline at end of file" followed this line. */
  noNewline: boolean;
}

export interface Hunk {
  /** The whole `@@ -a,b +c,d @@ section` line. */
  header: string;
  oldStart: number;
  newStart: number;
  /** The function or heading git names after the second `@@`, if any. */
  section: string;
  lines: PatchLine[];
}

export interface ParsedPatch {
  /** The lines before the first hunk: `diff --git`, `index`, modes, rename and `---`/`+++` lines. */
  headers: string[];
  hunks: Hunk[];
  /** git printed "Binary files … differ" instead of hunks. */
  binary: boolean;
  /** The last hunk has fewer lines than its header promises: the patch was cut. */
  cut: boolean;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

export function parsePatch(patch: string): ParsedPatch {
  const lines = patch.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const result: ParsedPatch = { headers: [], hunks: [], binary: false, cut: false };
  let hunk: Hunk | null = null;
  // Lines the current hunk still has on each side; a hunk's body is read by count,
  // so a removed line that reads "--- x" or "@@" is not taken for a header.
  let oldLeft = 0;
  let newLeft = 0;
  let oldNo = 0;
  let newNo = 0;

  for (const line of lines) {
    if (hunk && line.startsWith('\\')) {
      const last = hunk.lines.at(-1);
      if (last) last.noNewline = true;
      continue;
    }
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      // An empty line is a context line whose prefix space was lost (some tools trim it).
      const prefix = line.charAt(0) || ' ';
      const text = line.slice(1);
      if (prefix === '+' && newLeft > 0) {
        hunk.lines.push({ kind: 'add', text, oldNo: null, newNo: newNo++, noNewline: false });
        newLeft--;
        continue;
      }
      if (prefix === '-' && oldLeft > 0) {
        hunk.lines.push({ kind: 'del', text, oldNo: oldNo++, newNo: null, noNewline: false });
        oldLeft--;
        continue;
      }
      if (prefix === ' ' && oldLeft > 0 && newLeft > 0) {
        hunk.lines.push({ kind: 'context', text, oldNo: oldNo++, newNo: newNo++, noNewline: false });
        oldLeft--;
        newLeft--;
        continue;
      }
    }
    const header = HUNK_HEADER.exec(line);
    if (header) {
      oldNo = Number(header[1]);
      newNo = Number(header[3]);
      oldLeft = header[2] === undefined ? 1 : Number(header[2]);
      newLeft = header[4] === undefined ? 1 : Number(header[4]);
      hunk = { header: line, oldStart: oldNo, newStart: newNo, section: header[5] ?? '', lines: [] };
      result.hunks.push(hunk);
      continue;
    }
    if (hunk === null) {
      result.headers.push(line);
      if (/^Binary files .* differ$/.test(line)) result.binary = true;
    }
    // Anything else after the hunks (a stray line of a cut patch) is not shown.
  }
  result.cut = hunk !== null && (oldLeft > 0 || newLeft > 0);
  return result;
}

export interface SplitCell {
  kind: LineKind;
  no: number;
  text: string;
  noNewline: boolean;
}

/** One row of the side-by-side view: the old file's line on the left, the new one's on the right. */
export interface SplitRow {
  left: SplitCell | null;
  right: SplitCell | null;
}

function cell(line: PatchLine, side: 'old' | 'new'): SplitCell {
  const no = side === 'old' ? line.oldNo : line.newNo;
  return { kind: line.kind, no: no ?? 0, text: line.text, noNewline: line.noNewline };
}

/**
 * Pairs a hunk's lines for the side-by-side view: a context line fills both
 * sides; a run of removed lines and the run of added lines after it are set
 * beside each other row by row, the longer run's rest against blanks.
 */
export function splitRows(hunk: Hunk): SplitRow[] {
  const rows: SplitRow[] = [];
  let removed: PatchLine[] = [];
  let added: PatchLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(removed.length, added.length); i++) {
      const left = removed[i];
      const right = added[i];
      rows.push({ left: left ? cell(left, 'old') : null, right: right ? cell(right, 'new') : null });
    }
    removed = [];
    added = [];
  };
  for (const line of hunk.lines) {
    if (line.kind === 'context') {
      flush();
      rows.push({ left: cell(line, 'old'), right: cell(line, 'new') });
    } else if (line.kind === 'del') {
      // A removal after additions starts a new change block.
      if (added.length > 0) flush();
      removed.push(line);
    } else added.push(line);
  }
  flush();
  return rows;
}

/** The old and new path as the headers name them, for a title such as "a.ts → b.ts". */
export function displayPath(file: { path: string; oldPath: string | null }): string {
  return file.oldPath && file.oldPath !== file.path ? `${file.oldPath} → ${file.path}` : file.path;
}
