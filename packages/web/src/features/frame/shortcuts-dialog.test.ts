import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ShortcutsDialog } from './shortcuts-dialog';

describe('ShortcutsDialog', () => {
  const html = renderToStaticMarkup(createElement(ShortcutsDialog, { onClose: () => undefined }));

  it('says in one sentence per paragraph where typed keys go, with no entity text or nested paragraph', () => {
    expect(html).not.toMatch(/<p[^>]*>(?:(?!<\/p>).)*<p/s);
    expect(html).not.toMatch(/rsquo|&amp;\w+;/);
    const text = html.replace(/<[^>]+>/g, '');
    expect(text).toContain('Keys typed into a field or a terminal go there.');
    expect(text).toContain(
      'In a terminal Ctrl-K is the shell’s; ⌘K or the Search button still open the palette.',
    );
  });

  it('lists every shortcut', () => {
    expect(html.match(/<dt>/g)).toHaveLength(8);
  });
});
