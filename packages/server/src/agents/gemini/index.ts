import type { AgentAdapter, AgentCapabilities, AgentLaunch, AgentProcess } from '../adapter.js';
import { missingAgentFile } from '../paths.js';
import {
  GEMINI_PACKAGE,
  geminiCommand,
  geminiEnvironment,
  renameSessionFilesCommand,
  SETTINGS_FILE,
  settingsJson,
  WORKSPACE_DIR,
} from './config.js';
import { GeminiProcess } from './process.js';

/** Gemini CLI (`@google/gemini-cli`) over ACP, `gemini --acp`; see docs/agents/gemini-cli.md. */
export class GeminiAdapter implements AgentAdapter {
  readonly name = 'gemini';
  readonly label = 'Gemini CLI';
  readonly experimental = false;
  readonly capabilities: AgentCapabilities = {
    streaming: true,
    reasoning: true,
    approvals: true,
    interrupt: true,
    resume: true,
    // ACP session/set_model.
    modelSwitch: true,
    steering: false,
    perTurnDiff: false,
  };

  async unavailableReason(): Promise<string | undefined> {
    return missingAgentFile(GEMINI_PACKAGE, 'bundle/gemini.js');
  }

  async start(launch: AgentLaunch): Promise<AgentProcess> {
    await launch.writeHomeFile(SETTINGS_FILE, settingsJson());
    if (launch.resumeId) await renameSessionFiles(launch, launch.resumeId);
    const child = await launch.spawn(geminiCommand(launch), {
      env: geminiEnvironment(launch),
      cwd: WORKSPACE_DIR,
    });
    const gemini = new GeminiProcess(child, launch);
    try {
      await gemini.init(launch.resumeId);
    } catch (error) {
      await gemini.stop();
      throw error;
    }
    return gemini;
  }
}

/** The `session/load` workaround of docs/agents/gemini-cli.md (see renameSessionFilesCommand). */
async function renameSessionFiles(launch: AgentLaunch, resumeId: string): Promise<void> {
  const child = await launch.spawn(renameSessionFilesCommand(resumeId));
  child.stdout?.resume();
  child.stderr?.resume();
  await new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
}

export const geminiAdapter = new GeminiAdapter();
