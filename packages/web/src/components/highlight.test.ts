import { describe, expect, it } from 'vitest';
import {
  grammarFor,
  highlightLoaded,
  loadGrammar,
  parseHighlightHtml,
  type HighlightNode,
} from './highlight';

/** Every word of the tree with the scopes around it, e.g. `['return', 'keyword']`. */
function scopedWords(nodes: HighlightNode[], scopes: string[] = []): [string, string][] {
  return nodes.flatMap((node) =>
    typeof node === 'string'
      ? [...node.matchAll(/[A-Za-z_]\w*/g)].map(([word]): [string, string] => [word, scopes.join(' ')])
      : scopedWords(node.children, [...scopes, node.scope]),
  );
}

async function highlight(code: string, lang: string): Promise<HighlightNode[]> {
  expect(await loadGrammar(lang)).toBe(true);
  const tree = highlightLoaded(code, lang);
  if (!tree) throw new Error(`no tree for ${lang}`);
  return tree;
}

describe('highlight', () => {
  it('colours no English word of Markdown prose as a keyword', async () => {
    const tree = await highlight(
      '# Notes\n\nIf you import this, return it for the class in default mode.\n',
      'md',
    );
    const prose = scopedWords(tree).filter(([word]) => word !== 'Notes');
    expect(prose.length).toBeGreaterThan(5);
    expect(prose.filter(([, scope]) => scope !== '')).toEqual([]);
    expect(scopedWords(tree)).toContainEqual(['Notes', 'section']);
  });

  it('keeps the words inside JSON strings in the string, and keys apart from values', async () => {
    const tree = await highlight('{"if": "return this for the class", "n": 3, "ok": true}', 'json');
    for (const word of ['return', 'this', 'for', 'the', 'class']) {
      expect(scopedWords(tree)).toContainEqual([word, 'string']);
    }
    expect(scopedWords(tree)).toContainEqual(['if', 'attr']);
    expect(scopedWords(tree).find(([word]) => word === 'true')?.[1]).toMatch(/^literal/);
  });

  it("marks a language's own keywords, strings and comments", async () => {
    const words = scopedWords(await highlight('const a = "x"; // note\nreturn 42', 'ts'));
    expect(words).toContainEqual(['const', 'keyword']);
    expect(words).toContainEqual(['return', 'keyword']);
    expect(words).toContainEqual(['x', 'string']);
    expect(words).toContainEqual(['note', 'comment']);
    expect(scopedWords(await highlight('# hi\necho done', 'sh'))).toContainEqual(['hi', 'comment']);
  });

  it('leaves unknown languages plain, and plain until a grammar has loaded', () => {
    expect(grammarFor('')).toBeNull();
    expect(grammarFor('brainfuck')).toBeNull();
    expect(grammarFor('YML')).toBe('yaml');
    expect(highlightLoaded('const a', 'brainfuck')).toBeNull();
    expect(highlightLoaded('fn main() {}', 'rs')).toBeNull(); // rust not loaded in this file
  });

  it('reads highlight.js markup back into text exactly', () => {
    const html = '<span class="hljs-string">&quot;a &amp; b&quot;</span> &lt;x&gt; it&#x27;s';
    expect(parseHighlightHtml(html)).toEqual([{ scope: 'string', children: ['"a & b"'] }, " <x> it's"]);
    const nested = '<span class="hljs-title function_">f<span class="hljs-params">(x)</span></span>';
    expect(parseHighlightHtml(nested)).toEqual([
      { scope: 'title function_', children: ['f', { scope: 'params', children: ['(x)'] }] },
    ]);
  });
});
