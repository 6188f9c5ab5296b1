// The host command that runs a command inside a workspace's sandbox, built by
// the server's own code (packages/server/dist, so `npm run build` first) from
// the same configuration and database as the benchmarked server: the command
// Hangar's terminal service runs for a terminal is thus exactly the one the
// baselines run. Bench-only; the server itself exposes no such thing.
import { loadConfig } from '../../packages/server/dist/config/index.js';
import { createSandboxDrivers } from '../../packages/server/dist/sandbox/registry.js';
import { ServerSecrets } from '../../packages/server/dist/common/secrets.js';
import { HangarBridge } from '../../packages/server/dist/services/workspaces/bridge.js';
import { WorkspaceLifecycle } from '../../packages/server/dist/services/workspaces/lifecycle.js';
import { WorkspaceRepository } from '../../packages/server/dist/services/workspaces/repository.js';
import { TemplateCatalog } from '../../packages/server/dist/services/workspaces/templates.js';
import { WorkspaceTokens } from '../../packages/server/dist/services/workspaces/workspace-tokens.js';
import { openStore } from '../../packages/server/dist/store/database.js';
import { attachSession } from '../../packages/server/dist/terminal/tmux.js';

/** @typedef {import('../../packages/server/dist/sandbox/driver.js').HostCommand} HostCommand */

/**
 * @param {{ env: NodeJS.ProcessEnv, port: number }} server  the benchmarked server's environment (its
 *   HANGAR_* settings) and the port it listens on
 * @param {string} workspaceId
 * @param {string[]} command  to run inside, e.g. tmuxAttach(terminalId)
 * @param {{ cols: number, rows: number }} pty
 * @returns {Promise<HostCommand>}
 */
export async function sandboxCommand(server, workspaceId, command, pty) {
  const config = loadConfig(server.env);
  const store = openStore(config.databaseUrl);
  try {
    const repo = new WorkspaceRepository(store.db);
    const row = await repo.find(workspaceId);
    if (!row) throw new Error(`workspace ${workspaceId} is not in the server's database`);
    // Wired as createServices() wires the server's, then used as TerminalService uses it for a
    // terminal's PTY: the workspace's driver, its spec, driver.command().
    const drivers = createSandboxDrivers(config);
    const lifecycle = new WorkspaceLifecycle(
      config,
      new TemplateCatalog(config, drivers),
      new HangarBridge(() => server.port),
      new WorkspaceTokens(new ServerSecrets(config.dataDir), repo),
    );
    const driver = await lifecycle.driverOf(row);
    return await driver.command(await lifecycle.spec(row), { command, pty });
  } finally {
    await store.close();
  }
}

/** The command inside the sandbox that attaches to a Hangar terminal's tmux session, as the server's. */
export function tmuxAttach(/** @type {string} */ terminalId) {
  return attachSession(terminalId);
}

/** The login shell a Hangar terminal runs inside tmux (see tmux.newSession), here without tmux. */
export const LOGIN_SHELL = ['/bin/sh', '-c', 'exec "${SHELL:-/bin/sh}" -l'];
