/** `@name` where name is a username (see protocol's `username`), not inside an e-mail address or a word. */
const MENTION = /(^|[^\w@.])@([a-z0-9][a-z0-9._-]*[a-z0-9_]|[a-z0-9])/gi;

/** The distinct names a text @mentions, lowercased, in order of appearance. */
export function mentionedNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION)) names.add(match[2]!.toLowerCase());
  return [...names];
}

/** The name the workspace's agent answers to in chat. */
export const AGENT_HANDLE = 'agent';

/** For `@agent <text>` at the start of a message: the text for the agent, else undefined. */
export function agentRequest(text: string): string | undefined {
  const match = /^@agent\b[\s,:]*([\s\S]*)$/i.exec(text.trim());
  const rest = match?.[1]?.trim();
  return rest ? rest : undefined;
}
