import { describe, expect, it } from 'vitest';
import { parseBlocks, parseInline } from './markdown';

describe('parseBlocks', () => {
  it('reads headings, paragraphs, lists, quotes and code', () => {
    const blocks = parseBlocks(
      '# Title\n\nSome text\nmore.\n\n- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n```ts\nconst a = 1;\n```\n---',
    );
    expect(blocks).toEqual([
      { type: 'heading', level: 1, text: 'Title' },
      { type: 'paragraph', text: 'Some text\nmore.' },
      { type: 'list', ordered: false, items: ['one', 'two'] },
      { type: 'list', ordered: true, items: ['first', 'second'] },
      { type: 'quote', text: 'quoted' },
      { type: 'code', lang: 'ts', text: 'const a = 1;' },
      { type: 'rule' },
    ]);
  });

  it('reads an unclosed fence (still streaming) as code to the end', () => {
    expect(parseBlocks('Look:\n```sh\nls -la')).toEqual([
      { type: 'paragraph', text: 'Look:' },
      { type: 'code', lang: 'sh', text: 'ls -la' },
    ]);
  });
});

describe('parseInline', () => {
  it('reads code, emphasis and links', () => {
    expect(parseInline('Run `ls -la` **now** and *see* [docs](https://x.dev)')).toEqual([
      { type: 'text', text: 'Run ' },
      { type: 'code', text: 'ls -la' },
      { type: 'text', text: ' ' },
      { type: 'strong', children: [{ type: 'text', text: 'now' }] },
      { type: 'text', text: ' and ' },
      { type: 'em', children: [{ type: 'text', text: 'see' }] },
      { type: 'text', text: ' ' },
      { type: 'link', href: 'https://x.dev', children: [{ type: 'text', text: 'docs' }] },
    ]);
  });

  it('leaves links with unsafe schemes as text', () => {
    const parts = parseInline('[x](javascript:alert(1))');
    expect(parts.every((part) => part.type === 'text')).toBe(true);
    expect(parts.map((part) => (part.type === 'text' ? part.text : '')).join('')).toBe(
      '[x](javascript:alert(1))',
    );
  });

  it('does not read snake_case names as emphasis', () => {
    expect(parseInline('HELLO_FROM_HANGAR.md')).toEqual([{ type: 'text', text: 'HELLO_FROM_HANGAR.md' }]);
  });
});
