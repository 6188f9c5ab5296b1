import type { FileChangeStatus, FileDiff } from '@hangar/protocol';

/** Bytes of patch kept per file and in all (counts stay exact beyond them). */
export interface PatchCaps {
  perFileBytes: number;
  totalBytes: number;
}

export const DEFAULT_CAPS: PatchCaps = { perFileBytes: 128 * 1024, totalBytes: 4 * 1024 * 1024 };

export interface ParsedDiff {
  /** NUL-separated fields the script printed before the diff, up to an empty one. */
  prelude: string[];
  files: FileDiff[];
  additions: number;
  deletions: number;
  truncated: boolean;
  /** Some patch was cut by the total cap (not only by its own size). */
  cutByTotal: boolean;
}

interface Entry {
  file: FileDiff;
  bytes: number;
  inHunks: boolean;
  /** Its `diff --git` block was seen (a raw record without one changed only in stat). */
  seen: boolean;
}

/**
 * Reads, as it streams, what the diff scripts print: a prelude of
 * NUL-terminated fields ending with an empty one, then `git diff --raw -p -z`:
 * raw records (`:modes shas STATUS`, then one path, or two for a rename or
 * copy) up to an empty record, then the patches, one `diff --git` block per
 * file, matched to its record by that header line.
 */
export class PatchParser {
  private state: 'prelude' | 'raw' | 'patch' = 'prelude';
  private pending: Buffer = Buffer.alloc(0);
  private readonly prelude: string[] = [];
  private readonly entries: Entry[] = [];
  private readonly byHeader = new Map<string, Entry>();
  private meta: string | undefined;
  private paths: string[] = [];
  private current: Entry | undefined;
  private total: number;
  private truncated = false;
  private cutByTotal = false;

  constructor(
    private readonly caps: PatchCaps,
    /** Paths git reports as new that are untracked (not in the index). */
    private readonly untracked: (prelude: string[]) => ReadonlySet<string> = () => new Set(),
    /** Bytes of the total cap already taken (by patches kept from an earlier run). */
    usedBytes = 0,
  ) {
    this.total = usedBytes;
  }

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const stop = this.pending.indexOf(this.state === 'patch' ? 0x0a : 0x00, start);
      if (stop < 0) break;
      this.take(this.pending.toString('utf8', start, stop));
      start = stop + 1;
    }
    this.pending = this.pending.subarray(start);
  }

  end(): ParsedDiff {
    if (this.pending.length) this.take(this.pending.toString('utf8'));
    this.pending = Buffer.alloc(0);
    // A modification without a patch: only its stat changed (diff-index of a stale index).
    const files = this.entries.filter((e) => e.seen || e.file.status !== 'modified').map((e) => e.file);
    return {
      prelude: this.prelude,
      files,
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
      truncated: this.truncated,
      cutByTotal: this.cutByTotal,
    };
  }

  private take(field: string): void {
    if (this.state === 'prelude') {
      if (field === '') this.state = 'raw';
      else this.prelude.push(field);
    } else if (this.state === 'raw') this.rawField(field);
    else this.patchLine(field);
  }

  private rawField(field: string): void {
    if (this.meta === undefined) {
      if (field === '') this.state = 'patch';
      else this.meta = field;
      return;
    }
    this.paths.push(field);
    const letter = this.meta.split(' ').at(-1)?.charAt(0) ?? 'M';
    if ((letter === 'R' || letter === 'C') && this.paths.length < 2) return;
    this.addEntry(letter, this.paths);
    this.meta = undefined;
    this.paths = [];
  }

  private addEntry(letter: string, paths: string[]): void {
    const [src = '', dst = src] = paths;
    const untracked = letter === 'A' && this.untracked(this.prelude).has(dst);
    const status: FileChangeStatus =
      letter === 'A' || letter === 'C'
        ? untracked
          ? 'untracked'
          : 'added'
        : letter === 'D'
          ? 'deleted'
          : letter === 'R'
            ? 'renamed'
            : 'modified';
    const entry: Entry = {
      file: {
        path: dst,
        oldPath: letter === 'R' ? src : null,
        status,
        additions: 0,
        deletions: 0,
        binary: false,
        truncated: false,
        patch: '',
      },
      bytes: 0,
      inHunks: false,
      seen: false,
    };
    this.entries.push(entry);
    const header = `diff --git ${quotePath(`a/${src}`)} ${quotePath(`b/${dst}`)}`;
    if (!this.byHeader.has(header)) this.byHeader.set(header, entry);
  }

  private patchLine(line: string): void {
    if (line.startsWith('diff --git ')) {
      this.current = this.byHeader.get(line);
      if (this.current) {
        this.current.inHunks = false;
        this.current.seen = true;
      }
    }
    const entry = this.current;
    if (!entry) return;
    const { file } = entry;
    if (entry.inHunks) {
      if (line.startsWith('+')) file.additions++;
      else if (line.startsWith('-')) file.deletions++;
    } else if (line.startsWith('@@')) entry.inHunks = true;
    else if (/^Binary files .* differ$/.test(line)) file.binary = true;
    this.append(entry, line);
  }

  private append(entry: Entry, line: string): void {
    if (entry.file.truncated) return;
    const size = Buffer.byteLength(line) + 1;
    if (entry.bytes + size > this.caps.perFileBytes || this.total + size > this.caps.totalBytes) {
      if (entry.bytes + size <= this.caps.perFileBytes) this.cutByTotal = true;
      entry.file.truncated = true;
      this.truncated = true;
      return;
    }
    entry.file.patch += `${line}\n`;
    entry.bytes += size;
    this.total += size;
  }
}

/**
 * The untracked paths of a live-diff prelude: its fourth field, `u` and
 * the paths one a line, each C-quoted when git quotes it (see unquotePath).
 */
export function untrackedOf(prelude: string[]): Set<string> {
  const field = prelude[3] ?? '';
  const lines = field.startsWith('u') ? field.slice(1).split('\n') : [];
  return new Set(lines.filter(Boolean).map(unquotePath));
}

const UNESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** A path as git prints it one a line: as is, or C-quoted (octal escapes are bytes of UTF-8). */
export function unquotePath(text: string): string {
  if (!(text.length >= 2 && text.startsWith('"') && text.endsWith('"'))) return text;
  const body = text.slice(1, -1);
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of body.matchAll(/\\([0-3][0-7]{2}|[\s\S])/g)) {
    const escape = match[1]!;
    const byte = escape.length === 3 ? parseInt(escape, 8) : (UNESCAPES[escape] ?? escape.charCodeAt(0));
    parts.push(Buffer.from(body.slice(last, match.index), 'utf8'), Buffer.from([byte]));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(body.slice(last), 'utf8'));
  return Buffer.concat(parts).toString('utf8');
}

const ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '"': '\\"',
  '\\': '\\\\',
};

/** A path as git writes it in a `diff --git` line with core.quotePath off (C-quoted when needed). */
export function quotePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/["\\\x00-\x1f\x7f]/.test(path)) return path;
  let out = '"';
  for (const char of path) {
    const code = char.charCodeAt(0);
    out += ESCAPES[char] ?? (code < 0x20 || code === 0x7f ? `\\${code.toString(8).padStart(3, '0')}` : char);
  }
  return `${out}"`;
}
