import type { PermissionMode } from '../adapter.js';

/** Claude Code's own permission mode for Hangar's (allow_all is answered by the adapter). */
export const CLAUDE_MODE: Record<PermissionMode, string> = {
  ask: 'default',
  allow_edits: 'acceptEdits',
  allow_all: 'default',
};

/** The tools that change files (Claude Code's acceptEdits mode runs them without asking). */
const EDIT_TOOLS = ['Edit', 'MultiEdit', 'Write', 'NotebookEdit'];

/**
 * Every tool that reads or changes the workspace, runs something or reaches outside. Claude
 * Code's default mode runs read-only tools (Read, `ls`-like Bash commands) without asking; an
 * `ask` rule naming the whole tool makes it ask (`can_use_tool`) whatever the mode
 * (measured with 2.1.329: docs/agents/claude-code.md). Tools that only plan or keep lists
 * (TodoWrite, EnterPlanMode, ExitPlanMode, ToolSearch, TaskStop, CronList, ListAgents,
 * AskUserQuestion) run unasked. Names of tools an older or newer version lacks do no harm.
 */
const ASKED_TOOLS = [
  'Bash',
  'Read',
  'Glob',
  'Grep',
  'LS',
  ...EDIT_TOOLS,
  'WebFetch',
  'WebSearch',
  'Task',
  'Agent',
  'Skill',
  'Monitor',
  'Workflow',
  'SendMessage',
  'CronCreate',
  'CronDelete',
  'ScheduleWakeup',
  'EnterWorktree',
  'ExitWorktree',
];

/** `$HOME/.claude/settings.json` for a session in `mode`. */
export function claudeSettings(mode: PermissionMode): Record<string, unknown> {
  // Claude Code's own bash sandbox stays off: Hangar's sandbox is the boundary.
  const settings: Record<string, unknown> = { sandbox: { enabled: false } };
  if (mode === 'allow_all') return settings;
  const ask = mode === 'ask' ? ASKED_TOOLS : ASKED_TOOLS.filter((tool) => !EDIT_TOOLS.includes(tool));
  return { ...settings, permissions: { ask } };
}
