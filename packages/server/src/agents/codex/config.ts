import type { AgentLaunch } from '../adapter.js';
import { SANDBOX_AGENTS_DIR } from '../paths.js';

/** The npm launcher and the native binary it runs, relative to node_modules. */
export const CODEX_PACKAGE = '@openai/codex';
export const CODEX_LAUNCHER = `${CODEX_PACKAGE}/bin/codex.js`;
export const CODEX_BINARY = '@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex';

/** Codex's home, relative to the sandbox user's $HOME (not under /tmp: Codex warns there). */
export const CODEX_HOME_DIR = '.codex';
/** The environment variable that carries the workspace token (config.toml's `env_key`). */
export const KEY_VARIABLE = 'HANGAR_API_KEY';

/** A TOML basic string (JSON's escapes are valid TOML for the characters used here). */
const toml = (value: string) => JSON.stringify(value);

/**
 * $CODEX_HOME/config.toml: the LLM proxy as the only provider, no retries (Hangar
 * shows an error at once), no Codex OS sandbox (Hangar's sandbox is the boundary)
 * and nothing that looks up outside hosts. The approval policy is set per thread:
 * `untrusted` is refused in this file.
 */
export function configToml(launch: Pick<AgentLaunch, 'env' | 'model' | 'sessionId'>): string {
  const baseUrl = launch.env.OPENAI_BASE_URL ?? '';
  return `model = ${toml(launch.model)}
model_provider = "hangar"
approval_policy = "on-request"
sandbox_mode = "danger-full-access"
check_for_update_on_startup = false
web_search = "disabled"

[analytics]
enabled = false

[feedback]
enabled = false

[features]
plugins = false
remote_plugin = false
apps = false
plugin_sharing = false
tool_suggest = false

[model_providers.hangar]
name = "Hangar"
base_url = ${toml(baseUrl)}
env_key = ${toml(KEY_VARIABLE)}
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
http_headers = { "x-hangar-session" = ${toml(launch.sessionId)} }
`;
}

/** `codex app-server` inside the sandbox, through the npm launcher (it puts the bundled rg on PATH). */
export function codexCommand(): string[] {
  return ['/usr/bin/node', `${SANDBOX_AGENTS_DIR}/${CODEX_LAUNCHER}`, 'app-server'];
}

/** Its environment: Codex's home under $HOME, and the workspace token under the name config.toml gives. */
export function codexEnvironment(launch: Pick<AgentLaunch, 'env'>): Record<string, string> {
  const home = launch.env.HOME ?? '/home/hangar';
  return {
    CODEX_HOME: `${home}/${CODEX_HOME_DIR}`,
    [KEY_VARIABLE]: launch.env.OPENAI_API_KEY ?? launch.env.HANGAR_TOKEN ?? '',
  };
}
