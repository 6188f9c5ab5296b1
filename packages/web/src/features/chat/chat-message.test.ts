import type { ChatMessage } from '@hangar/protocol';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ChatMessageView } from './chat-message';

function message(text: string, type: ChatMessage['type'] = 'user'): ChatMessage {
  return {
    id: 1,
    workspaceId: 'ws',
    type,
    author: { userId: 'u1', username: 'mallory', displayName: '<b>Mallory</b>' },
    botName: null,
    text,
    mentions: [],
    sessionId: null,
    createdAt: '2026-01-01T10:00:00.000Z',
    editedAt: null,
    deletedAt: null,
  };
}

const render = (m: ChatMessage) =>
  renderToStaticMarkup(createElement(ChatMessageView, { message: m, mine: false, mentionsMe: false }));

describe('chat message rendering', () => {
  it('shows HTML in a message as text, never as elements', () => {
    for (const type of ['user', 'bot', 'agent', 'system'] as const) {
      const html = render(message('look <img src=x onerror=alert(1)> <script>alert(2)</script>', type));
      expect(html).not.toMatch(/<img|<script|<b>/i);
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
      if (type === 'user') expect(html).toContain('&lt;b&gt;Mallory&lt;/b&gt;');
    }
  });

  it('makes no javascript: or data: link clickable', () => {
    const html = render(
      message('[click](javascript:alert(1)) [data](data:text/html,<b>x</b>) [ok](https://example.com/a)'),
    );
    expect(html).not.toMatch(/href="(javascript|data):/i);
    expect(html).toContain('[click](javascript:alert(1))');
    expect(html).toContain('href="https://example.com/a"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
  });

  it('renders Markdown and hides a deleted message’s text', () => {
    expect(render(message('**bold** and `code`'))).toContain('<strong>bold</strong>');
    expect(render({ ...message('secret'), text: '', deletedAt: '2026-01-01T10:01:00.000Z' })).toContain(
      'This message was deleted.',
    );
  });
});
