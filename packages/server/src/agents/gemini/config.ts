import type { AgentLaunch } from '../adapter.js';
import { SANDBOX_AGENTS_DIR } from '../paths.js';

/** The package, relative to a node_modules directory; its bin `gemini` is bundle/gemini.js. */
export const GEMINI_PACKAGE = '@google/gemini-cli';
export const GEMINI_CLI = `${SANDBOX_AGENTS_DIR}/${GEMINI_PACKAGE}/bundle/gemini.js`;

/** Where the agent works inside the sandbox. */
export const WORKSPACE_DIR = '/workspace';

/** `$HOME/.gemini/settings.json`, relative to the sandbox user's $HOME. */
export const SETTINGS_FILE = '.gemini/settings.json';

/**
 * Settings measured in docs/agents/gemini-cli.md: the API key auth type (the
 * env key alone exits 41), no update checks, one attempt per model call (the
 * default retries a 500 for over a minute), no usage statistics (Clearcut) and
 * no telemetry. Gemini's own sandbox stays off: Hangar's sandbox is the boundary.
 */
export const SETTINGS = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: 1 },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
};

export function settingsJson(): string {
  return `${JSON.stringify(SETTINGS, null, 2)}\n`;
}

/** `gemini --acp` with a pinned model (the default `auto` calls a routing model first). */
export function geminiCommand(launch: Pick<AgentLaunch, 'model'>): string[] {
  return ['/usr/bin/node', GEMINI_CLI, '--acp', '-m', launch.model];
}

/** Extra environment: the sandbox already carries GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL. */
export function geminiEnvironment(launch: Pick<AgentLaunch, 'sessionId'>): Record<string, string> {
  return {
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    GEMINI_CLI_CUSTOM_HEADERS: `x-hangar-session: ${launch.sessionId}`,
  };
}

/**
 * Works around a bug of 0.61.0: a `session/load` in the same wall-clock
 * minute as the name of the session's file rewrites it empty and fails. The
 * session's files are renamed first (Gemini finds them by their content).
 */
export function renameSessionFilesCommand(geminiSessionId: string): string[] {
  const short = geminiSessionId.slice(0, 8);
  const script = [
    'for f in "$HOME"/.gemini/tmp/*/chats/session-*-"$1".jsonl; do',
    '  [ -f "$f" ] || continue',
    '  base=$(basename "$f")',
    '  case "$base" in session-prev-*) continue ;; esac',
    '  mv -n "$f" "$(dirname "$f")/session-prev-${base#session-}"',
    'done',
  ].join('\n');
  return ['/bin/sh', '-c', script, 'rename', short];
}
