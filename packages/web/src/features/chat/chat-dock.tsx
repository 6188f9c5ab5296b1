import type { Workspace } from '@hangar/protocol';
import { useEffect, useState, type ReactNode } from 'react';
import { useChatUnread } from '../../api/chat';
import { Tabs } from '../../components/tabs';
import { ChatPanel } from './chat-panel';

/** At this width the workspace page is one column (workspaces.css): the chat becomes a tab beside the tools. */
const NARROW = '(max-width: 800px)';

function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const onChange = () => setMatches(list.matches);
    list.addEventListener('change', onChange);
    onChange();
    return () => list.removeEventListener('change', onChange);
  }, [query]);
  return matches;
}

/** On narrow screens, the workspace's tools and the chat as two tabs; elsewhere the tools alone. */
export function ChatDock({
  workspace,
  canPost,
  children,
}: {
  workspace: Workspace;
  canPost: boolean;
  children: ReactNode;
}) {
  const narrow = useMedia(NARROW);
  const unread = useChatUnread(workspace.id).data?.unread ?? 0;
  if (!narrow) return children;
  return (
    <Tabs
      label="Workspace areas"
      tabs={[
        { key: 'tools', label: 'Tools', content: children },
        {
          key: 'chat',
          label: unread ? `Chat (${unread})` : 'Chat',
          content: <ChatPanel workspace={workspace} canPost={canPost} />,
        },
      ]}
    />
  );
}

/** On wide screens, the chat in the side column beside the tools (and the agent's chat in them). */
export function ChatSide({ workspace, canPost }: { workspace: Workspace; canPost: boolean }) {
  const narrow = useMedia(NARROW);
  return narrow ? null : <ChatPanel workspace={workspace} canPost={canPost} />;
}
