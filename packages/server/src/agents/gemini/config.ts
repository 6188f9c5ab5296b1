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
 * default retries a 500 for over a minute), no session cleanup (at every start
 * it deletes each session file that shares the last 8 characters of its name
 * with an empty one: the conversation of a resumed session; Hangar keeps a
 * session's files as long as its workspace), no usage statistics (Clearcut)
 * and no telemetry. Gemini's own sandbox stays off: Hangar's sandbox is the boundary.
 */
export const SETTINGS = {
  security: { auth: { selectedType: 'gemini-api-key' } },
  general: {
    enableAutoUpdate: false,
    enableAutoUpdateNotification: false,
    maxAttempts: 1,
    sessionRetention: { enabled: false },
  },
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
};

export function settingsJson(): string {
  return `${JSON.stringify(SETTINGS, null, 2)}\n`;
}

/**
 * A policy (Gemini's user tier, above its built-in rules) that asks before every tool, read-only
 * ones such as `list_directory` and `read_file` too: Hangar's "ask" mode. Gemini's own modes ask
 * for writes and commands only.
 */
export const ASK_EVERY_TOOL_POLICY_FILE = '.gemini/hangar/ask-every-tool.toml';
export const ASK_EVERY_TOOL_POLICY = `# Written by Hangar for sessions that ask before every tool.
[[rule]]
toolName = "*"
decision = "ask_user"
priority = 999
`;

/** `gemini --acp` with a pinned model (the default `auto` calls a routing model first); "ask" adds its policy. */
export function geminiCommand(launch: Pick<AgentLaunch, 'model' | 'permissionMode' | 'env'>): string[] {
  const command = ['/usr/bin/node', GEMINI_CLI, '--acp', '-m', launch.model];
  if (launch.permissionMode === 'ask')
    command.push('--policy', `${launch.env.HOME}/${ASK_EVERY_TOOL_POLICY_FILE}`);
  return command;
}

/** Extra environment: the sandbox already carries GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL. */
export function geminiEnvironment(launch: Pick<AgentLaunch, 'sessionId'>): Record<string, string> {
  return {
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    GEMINI_CLI_CUSTOM_HEADERS: `x-hangar-session: ${launch.sessionId}`,
  };
}
