import type { Workspace } from '@hangar/protocol';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ExitedNote, exitedText } from './terminal-view';
import { notRunning, WorkspaceNotRunning } from './workspace-not-running';

const workspace = (state: Workspace['state'], error: string | null = null) =>
  ({ id: 'w1', name: 'demo', state, error }) as Workspace;

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('an exited terminal', () => {
  it('is one state, "Exited (code N)", with Restart and Close and no Reconnect', () => {
    expect(exitedText(2)).toBe('Exited (code 2)');
    expect(exitedText(null)).toBe('Exited');
    const html = renderToStaticMarkup(
      createElement(ExitedNote, { code: 2, onRestart: () => {}, restarting: false, onClose: () => {} }),
    );
    expect(text(html)).toContain('The process exited with code 2.');
    expect(html).toMatch(/<button[^>]*>Restart<\/button>/);
    expect(html).toMatch(/<button[^>]*>Close terminal<\/button>/);
    expect(html).not.toContain('Reconnect');
  });

  it('tells a watcher who can start it again instead of showing buttons it may not use', () => {
    const html = renderToStaticMarkup(
      createElement(ExitedNote, { code: null, onRestart: undefined, restarting: false, onClose: undefined }),
    );
    expect(text(html)).toContain('The process exited. Editors and owners can start it again.');
    expect(html).not.toContain('<button');
  });
});

describe('the terminal tab of a workspace that is not running', () => {
  it('shows a failed clone as the error it is, with Retry (the action the server takes in that state)', () => {
    const failed = workspace('error', 'Cloning https://example.com/x.git failed: repository not found');
    expect(notRunning(failed, true)).toEqual({
      text: 'The workspace could not be set up. Cloning https://example.com/x.git failed: repository not found.',
      action: { action: 'retry', label: 'Retry' },
    });
    const html = renderToStaticMarkup(
      createElement(
        QueryClientProvider,
        { client: new QueryClient() },
        createElement(WorkspaceNotRunning, { workspace: failed, canOperate: true }),
      ),
    );
    expect(html).toMatch(/<button[^>]*>Retry<\/button>/);
    expect(html).not.toContain('Start the workspace');
  });

  it('offers Start only when stopped, and nothing to click while it is being created or for watchers', () => {
    expect(notRunning(workspace('stopped'), true).action).toEqual({ action: 'start', label: 'Start' });
    expect(notRunning(workspace('creating'), true).action).toBeUndefined();
    expect(notRunning(workspace('archived'), true).action).toBeUndefined();
    expect(notRunning(workspace('error', 'boom'), false)).toEqual({
      text: 'The workspace could not be set up. boom. Editors and owners can retry it.',
    });
  });
});
