import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentAdapter, AgentCapabilities, AgentLaunch, AgentProcess } from '../adapter.js';
import { SANDBOX_AGENTS_DIR, hostAgentsDir } from '../paths.js';
import { CLAUDE_MODE, claudeSettings } from './permissions.js';
import { ClaudeCodeProcess } from './process.js';

/** The native binary, relative to node_modules (bin/claude.exe is a ~500-byte stub until postinstall). */
const BINARY = '@anthropic-ai/claude-code/bin/claude.exe';
const MIN_BINARY_BYTES = 1024 * 1024;

/** Claude Code (`@anthropic-ai/claude-code`) over its stream-json protocol; see docs/agents/claude-code.md. */
export class ClaudeCodeAdapter implements AgentAdapter {
  readonly name = 'claude-code';
  readonly label = 'Claude Code';
  readonly experimental = false;
  readonly capabilities: AgentCapabilities = {
    streaming: true,
    reasoning: true,
    approvals: true,
    interrupt: true,
    resume: true,
    modelSwitch: true,
    // Messages sent during a turn are queued by Claude Code and run after it, not steered.
    steering: false,
    perTurnDiff: false,
  };

  async unavailableReason(): Promise<string | undefined> {
    const dir = hostAgentsDir();
    if (!dir) return 'node_modules was not found next to the server';
    const info = await stat(join(dir, BINARY)).catch(() => undefined);
    if (!info) return `${BINARY} is not installed (npm install @anthropic-ai/claude-code)`;
    if (info.size < MIN_BINARY_BYTES)
      return `${BINARY} is only the stub: its postinstall did not run (npm rebuild @anthropic-ai/claude-code)`;
    return undefined;
  }

  async start(launch: AgentLaunch): Promise<AgentProcess> {
    await launch.writeHomeFile(
      '.claude/settings.json',
      `${JSON.stringify(claudeSettings(launch.permissionMode))}\n`,
    );
    const child = await launch.spawn(command(launch), { env: environment(launch), cwd: '/workspace' });
    return new ClaudeCodeProcess(child, launch);
  }
}

function command(launch: AgentLaunch): string[] {
  return [
    `${SANDBOX_AGENTS_DIR}/${BINARY}`,
    '-p',
    '--input-format=stream-json',
    '--output-format=stream-json',
    '--verbose',
    '--include-partial-messages',
    '--permission-prompt-tool=stdio',
    `--permission-mode=${CLAUDE_MODE[launch.permissionMode]}`,
    `--model=${launch.model}`,
    ...(launch.resumeId ? [`--resume=${launch.resumeId}`] : []),
  ];
}

function environment(launch: AgentLaunch): Record<string, string> {
  return {
    // Without it Claude Code looks up api.anthropic.com and calls <base>/api/hello.
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    // The default retries a 500 for minutes; Hangar shows the error at once and the person retries.
    CLAUDE_CODE_MAX_RETRIES: '0',
    // Claude Code swaps older model ids (claude-opus-4-1…) for its newest; Hangar's choice of model stands.
    CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP: '1',
    // The sandbox user may be uid 0 in its namespace; Hangar's sandbox is the boundary.
    IS_SANDBOX: '1',
    ANTHROPIC_CUSTOM_HEADERS: `x-hangar-session: ${launch.sessionId}`,
  };
}
