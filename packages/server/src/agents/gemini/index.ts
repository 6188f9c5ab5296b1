import type { AgentAdapter, AgentCapabilities, AgentLaunch, AgentProcess } from '../adapter.js';
import { missingAgentFile } from '../paths.js';
import {
  ASK_EVERY_TOOL_POLICY,
  ASK_EVERY_TOOL_POLICY_FILE,
  GEMINI_PACKAGE,
  geminiCommand,
  geminiEnvironment,
  SETTINGS_FILE,
  settingsJson,
  WORKSPACE_DIR,
} from './config.js';
import { GeminiProcess } from './process.js';
import { settleSessionFilesCommand } from './session-files.js';

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
    if (launch.permissionMode === 'ask')
      await launch.writeHomeFile(ASK_EVERY_TOOL_POLICY_FILE, ASK_EVERY_TOOL_POLICY);
    if (launch.resumeId) await settleSessionFiles(launch, launch.resumeId);
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

/** Before `session/load`: the session's conversation in its one canonical file (see session-files.ts). */
async function settleSessionFiles(launch: AgentLaunch, resumeId: string): Promise<void> {
  const child = await launch.spawn(settleSessionFilesCommand(resumeId));
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-2000)));
  const code = await new Promise<number | null>((resolve) => {
    child.once('close', (exitCode) => resolve(exitCode));
    child.once('error', () => resolve(null));
  });
  // Loading without it could lose the conversation: better not to start.
  if (code !== 0)
    throw new Error(
      `Gemini CLI's session files could not be prepared for resume (${code}): ${stderr.trim()}`,
    );
}

export const geminiAdapter = new GeminiAdapter();
