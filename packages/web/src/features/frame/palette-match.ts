/** One thing the command palette can do: go somewhere, or run an action. */
export interface PaletteCommand {
  id: string;
  label: string;
  /** Shown beside the label: "Workspace", "Page", "Action", "Tab". */
  kind: string;
  /** Extra words that find it ("settings" for Account). */
  keywords?: string;
  run: () => void;
}

/** How many matches the palette lists at once; typing narrows the rest. */
export const PALETTE_LIMIT = 50;

/**
 * Ranks a command against what was typed: 0 for no match, higher is better.
 * The label starting with the query beats a word starting with it, which
 * beats the query anywhere, which beats its letters in order ("wsp" → "workspaces").
 */
export function matchScore(command: PaletteCommand, query: string): number {
  const q = query.trim().toLowerCase();
  if (q === '') return 1;
  const label = command.label.toLowerCase();
  const text = `${label} ${command.kind.toLowerCase()} ${command.keywords?.toLowerCase() ?? ''}`;
  if (label.startsWith(q)) return 4;
  if (text.split(/[\s/_-]+/).some((word) => word.startsWith(q))) return 3;
  if (text.includes(q)) return 2;
  let at = 0;
  for (const char of label) {
    if (char === q[at]) at++;
    if (at === q.length) return 1;
  }
  return 0;
}

/** The commands that match, best first, then in their given order; at most PALETTE_LIMIT. */
export function filterCommands(commands: readonly PaletteCommand[], query: string): PaletteCommand[] {
  return commands
    .map((command, index) => ({ command, index, score: matchScore(command, query) }))
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, PALETTE_LIMIT)
    .map((entry) => entry.command);
}
