import type { AgentAdapter, AgentCapabilities, AgentLaunch, AgentProcess } from '../adapter.js';
import { missingAgentFile } from '../paths.js';
import {
  APPROVAL_EXTENSION,
  APPROVAL_EXTENSION_SOURCE,
  modelsJson,
  PI_AGENT_DIR,
  PI_PACKAGE,
  piCommand,
} from './config.js';
import { PiProcess } from './pi-process.js';

/** Pi (`@mariozechner/pi-coding-agent`) over `pi --mode rpc`; see docs/agents/pi.md. */
export class PiAdapter implements AgentAdapter {
  readonly name: string = 'pi';
  readonly label = 'Pi';
  readonly experimental = false;
  readonly capabilities: AgentCapabilities = {
    streaming: true,
    reasoning: true,
    approvals: true,
    interrupt: true,
    resume: true,
    // set_model and steer over RPC.
    modelSwitch: true,
    steering: true,
    perTurnDiff: false,
  };

  async unavailableReason(): Promise<string | undefined> {
    return missingAgentFile(PI_PACKAGE, 'dist/cli.js');
  }

  async start(launch: AgentLaunch): Promise<AgentProcess> {
    await launch.writeHomeFile(`${PI_AGENT_DIR}/models.json`, modelsJson(launch));
    if (launch.permissionMode !== 'allow_all')
      await launch.writeHomeFile(APPROVAL_EXTENSION, APPROVAL_EXTENSION_SOURCE);
    const child = await launch.spawn(piCommand(launch), { env: { PI_OFFLINE: '1' } });
    const pi = new PiProcess(child, launch);
    try {
      await pi.init();
    } catch (error) {
      await pi.stop();
      throw error;
    }
    return pi;
  }
}

export const piAdapter = new PiAdapter();
