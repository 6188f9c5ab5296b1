import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { authKeys, resourceKeys } from '../../api/keys';
import { ProvidersSection } from './providers-section';

/** The section's text with the server's status and a keyless demo provider already loaded. */
function render(demo: boolean): string {
  const client = new QueryClient();
  client.setQueryData(authKeys.status, { demo });
  client.setQueryData(resourceKeys.providers, []);
  const html = renderToStaticMarkup(
    createElement(QueryClientProvider, { client }, createElement(ProvidersSection)),
  );
  return html.replace(/<[^>]+>/g, '');
}

describe('the providers page in demo mode', () => {
  it('says there are no keys to set and how to use a real model', () => {
    expect(render(true)).toMatch(/Demo mode: .*no keys to set here.*restart Hangar without demo mode/);
    expect(render(false)).not.toContain('Demo mode');
  });
});
