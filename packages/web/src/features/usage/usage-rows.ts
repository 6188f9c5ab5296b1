import type { UsageGroup, UsageRow } from '@hangar/protocol';

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** Calls made outside any workspace or without a user are summed under an empty key. */
const NONE: Record<UsageGroup, string> = {
  user: 'No user',
  workspace: 'No workspace',
  session: 'Outside agent sessions',
  model: 'Unknown model',
  day: 'Unknown day',
};

/** A YYYY-MM-DD day (UTC, as the API counts them) in the reader's format. */
export function formatDay(day: string): string {
  const ms = Date.parse(day);
  return Number.isNaN(ms) ? day : dayFormat.format(ms);
}

/** The name a row goes by: a username, workspace name, session title, model, or a day in the reader's format. */
export function rowLabel(row: UsageRow, by: UsageGroup): string {
  if (row.key === '') return NONE[by];
  if (by === 'day') return formatDay(row.key);
  return row.label || row.key;
}

/** Every token the row counts: input, output, and cache reads and writes. */
export function totalTokens(row: UsageRow): number {
  return row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens;
}

/** Days in calendar order; users, workspaces and models costliest first. */
export function orderRows(rows: UsageRow[], by: UsageGroup): UsageRow[] {
  if (by === 'day') return [...rows].sort((a, b) => a.key.localeCompare(b.key));
  return [...rows].sort((a, b) => b.costUsd - a.costUsd || totalTokens(b) - totalTokens(a));
}

/** The groupings in the order the page offers them. */
export const GROUPS: readonly UsageGroup[] = ['day', 'user', 'workspace', 'session', 'model'];

export const GROUP_NAMES: Record<UsageGroup, string> = {
  day: 'Day',
  user: 'User',
  workspace: 'Workspace',
  session: 'Agent session',
  model: 'Model',
};
