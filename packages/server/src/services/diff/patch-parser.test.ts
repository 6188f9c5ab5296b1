import { describe, expect, it } from 'vitest';
import { PatchParser, quotePath, unquotePath, untrackedOf } from './patch-parser.js';

const caps = { perFileBytes: 1024, totalBytes: 4096 };
const zero = '0'.repeat(40);
const blob = 'a'.repeat(40);

/** What the live script prints: a prelude, raw records, then patches. */
function output(untracked: string[], raw: string[][], patches: string[]): Buffer {
  const prelude = ['repo', 'HEADSHA', 'BASE', `u${untracked.join('\n')}`, ''];
  const records = raw.flatMap(([meta, ...paths]) => [meta, ...paths]);
  return Buffer.from(`${[...prelude, ...records, ''].join('\0')}\0${patches.join('')}`);
}

function patch(path: string, lines: string[]): string {
  return `diff --git a/${path} b/${path}\nindex 1111111..2222222 100644\n--- a/${path}\n+++ b/${path}\n@@ -1 +1 @@\n${lines.join('\n')}\n`;
}

describe('the live diff parser', () => {
  it('reads untracked names as git quotes them, and round-trips quoted paths', () => {
    const names = ['plain.txt', 'we"ird\tname.txt', 'new\nline', 'back\\slash', 'ünï.txt', 'bell\x07'];
    const quoted = names.map(quotePath);
    expect(quoted[1]).toBe('"we\\"ird\\tname.txt"');
    expect([...untrackedOf(['repo', 'h', 'b', `u${quoted.join('\n')}`])]).toEqual(names);
    // Octal escapes are bytes of UTF-8 (git without core.quotePath=false).
    expect(unquotePath('"\\303\\274ber"')).toBe('über');
    expect(untrackedOf(['repo', 'h', 'b', 'u']).size).toBe(0);
    expect(untrackedOf(['norepo']).size).toBe(0);
  });

  it('drops a record whose content did not change (a stat-only change), and marks untracked files', () => {
    const parser = new PatchParser(caps, untrackedOf);
    parser.push(
      output(
        ['new.txt'],
        [
          [`:100644 100644 ${blob} ${zero} M`, 'touched.txt'],
          [`:100644 100644 ${blob} ${zero} M`, 'edited.txt'],
          [`:000000 100644 ${zero} ${zero} A`, 'new.txt'],
        ],
        [patch('edited.txt', ['-a', '+b']), patch('new.txt', ['+n'])],
      ),
    );
    const parsed = parser.end();
    expect(parsed.files.map((f) => [f.path, f.status])).toEqual([
      ['edited.txt', 'modified'],
      ['new.txt', 'untracked'],
    ]);
    expect(parsed).toMatchObject({ additions: 2, deletions: 1, truncated: false, cutByTotal: false });
  });

  it('tells a cut by the total cap (bytes already taken by kept patches) from a file over its own cap', () => {
    const long = Array.from({ length: 100 }, (_, i) => `+line ${i} of a long file`);
    const run = (usedBytes: number) => {
      const parser = new PatchParser(caps, untrackedOf, usedBytes);
      parser.push(
        output(
          [],
          [
            [`:100644 100644 ${blob} ${zero} M`, 'long.txt'],
            [`:100644 100644 ${blob} ${zero} M`, 'short.txt'],
          ],
          [patch('long.txt', long), patch('short.txt', ['+s'])],
        ),
      );
      return parser.end();
    };
    const own = run(0);
    expect(own.files.map((f) => f.truncated)).toEqual([true, false]);
    expect(own).toMatchObject({ truncated: true, cutByTotal: false });
    expect(own.files[0]!.additions).toBe(100);
    const taken = run(caps.totalBytes - 10);
    expect(taken.files.map((f) => f.truncated)).toEqual([true, true]);
    expect(taken.cutByTotal).toBe(true);
  });
});
