import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { emptySource, SourceFields } from './source-fields';

function choices(localRepositories: boolean): string {
  return renderToStaticMarkup(
    createElement(SourceFields, {
      values: emptySource,
      localRepositories,
      errors: {},
      onChange: () => undefined,
    }),
  ).replace(/<[^>]+>/g, ' ');
}

describe('SourceFields', () => {
  it('offers a local repository only when the server has roots for them', () => {
    expect(choices(false)).not.toContain('Local repository');
    expect(choices(false)).toContain('Git repository');
    expect(choices(true)).toContain('Local repository');
  });
});
