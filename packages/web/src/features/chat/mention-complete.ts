/**
 * @mention autocomplete as pure functions: which partial name the caret is
 * in, the members it matches, and the text with one chosen.
 */

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What follows it up to the caret, lowercased. */
  query: string;
}

export interface Mentionable {
  username: string;
  displayName: string;
}

/** The `@partial` the caret sits at the end of, or null (an e-mail address is not a mention). */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const match = /(^|[^\w@.])@([a-z0-9._-]*)$/i.exec(before);
  if (!match) return null;
  const query = match[2]!;
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

/** Candidates whose username or display name starts with the query; `agent` first when it matches. */
export function mentionCandidates<T extends Mentionable>(
  members: readonly T[],
  query: string,
  limit = 6,
): T[] {
  const q = query.toLowerCase();
  const words = (m: T) => [m.username, ...m.displayName.toLowerCase().split(/\s+/)];
  return members.filter((m) => words(m).some((w) => w.toLowerCase().startsWith(q))).slice(0, limit);
}

/** The text with the mention at `query` replaced by `@username `, and where the caret goes. */
export function completeMention(
  text: string,
  caret: number,
  query: MentionQuery,
  username: string,
): { text: string; caret: number } {
  const inserted = `@${username} `;
  const next = text.slice(0, query.start) + inserted + text.slice(caret).replace(/^\s+/, '');
  return { text: next, caret: query.start + inserted.length };
}
