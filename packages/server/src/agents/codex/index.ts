import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentAdapter, AgentCapabilities, AgentLaunch, AgentProcess } from '../adapter.js';
import { hostAgentsDir } from '../paths.js';
import {
  CODEX_BINARY,
  CODEX_HOME_DIR,
  CODEX_LAUNCHER,
  CODEX_PACKAGE,
  codexCommand,
  codexEnvironment,
  configToml,
} from './config.js';
import { CodexProcess } from './codex-process.js';

/** Codex (`@openai/codex`) over `codex app-server`; see docs/agents/codex.md. */
export class CodexAdapter implements AgentAdapter {
  readonly name = 'codex';
  readonly label = 'Codex';
  readonly experimental = false;
  readonly capabilities: AgentCapabilities = {
    streaming: true,
    reasoning: true,
    approvals: true,
    interrupt: true,
    resume: true,
    modelSwitch: true,
    // turn/steer adds a message to the running turn.
    steering: true,
    // turn/diff/updated is not emitted for files written by shell commands.
    perTurnDiff: false,
  };

  async unavailableReason(): Promise<string | undefined> {
    const dir = hostAgentsDir();
    if (!dir || !existsSync(join(dir, CODEX_LAUNCHER)))
      return `${CODEX_PACKAGE} is not installed (npm install it in the Hangar monorepo)`;
    if (!existsSync(join(dir, CODEX_BINARY)))
      return `the native Codex binary (${CODEX_BINARY}) is missing: its optional dependency was not installed`;
    return undefined;
  }

  async start(launch: AgentLaunch): Promise<AgentProcess> {
    await launch.writeHomeFile(`${CODEX_HOME_DIR}/config.toml`, configToml(launch));
    const child = await launch.spawn(codexCommand(), { env: codexEnvironment(launch), cwd: '/workspace' });
    const codex = new CodexProcess(child, launch);
    try {
      await codex.init();
    } catch (error) {
      await codex.stop();
      throw error;
    }
    return codex;
  }
}

export const codexAdapter = new CodexAdapter();
