import type { GitBranches } from '@hangar/protocol';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { gitKeys } from '../../api/git';
import { PullRequests } from './pull-requests';

const ID = 'ws_1';
const branches = (remotes: GitBranches['remotes']): GitBranches => ({
  current: 'main',
  head: 'a'.repeat(40),
  defaultBranch: null,
  local: [],
  remote: [],
  remotes,
});
/** What the server answers for the draft of a repository whose origin is on no known forge (or missing). */
const noForgeDraft = { forge: null, head: 'main', base: null, title: '', body: '', bodySource: 'none' };

/** The section's text, rendered with the given queries already answered. */
function render(remotes: GitBranches['remotes']): string {
  const client = new QueryClient();
  client.setQueryData(gitKeys.branches(ID), branches(remotes));
  client.setQueryData(gitKeys.draft(ID), noForgeDraft);
  const html = renderToStaticMarkup(
    createElement(
      QueryClientProvider,
      { client },
      createElement(PullRequests, { workspaceId: ID, canEdit: true }),
    ),
  );
  return html.replace(/<[^>]+>/g, '');
}

describe('PullRequests', () => {
  it('says there is no remote, and how to add one, when the repository has none', () => {
    const text = render([]);
    expect(text).toContain('This repository has no remote');
    expect(text).toContain('git remote add origin URL');
    expect(text).not.toContain('not on a GitHub or GitLab host');
  });

  it('says the host is unknown when origin is on a host Hangar has no forge for', () => {
    const text = render([{ name: 'origin', url: 'https://git.example.org/a/b.git' }]);
    expect(text).toContain('not on a GitHub or GitLab host Hangar knows');
    expect(text).not.toContain('no remote');
  });
});
