import { describe, expect, it } from 'vitest';
import { ancestorsOf, baseName, joinPath, parentOf } from './paths';

describe('file paths', () => {
  it('splits and joins relative paths', () => {
    expect(parentOf('a/b/c.ts')).toBe('a/b');
    expect(parentOf('c.ts')).toBe('');
    expect(baseName('a/b/c.ts')).toBe('c.ts');
    expect(baseName('c.ts')).toBe('c.ts');
    expect(joinPath('', 'x.md')).toBe('x.md');
    expect(joinPath('docs', '/x.md/')).toBe('docs/x.md');
    expect(joinPath('docs', 'sub/x.md')).toBe('docs/sub/x.md');
  });

  it('lists the directories to expand to reveal a file', () => {
    expect(ancestorsOf('a/b/c.ts')).toEqual(['a', 'a/b']);
    expect(ancestorsOf('c.ts')).toEqual([]);
  });
});
