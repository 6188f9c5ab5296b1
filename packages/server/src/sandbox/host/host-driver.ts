import { mkdir, rm } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import {
  BaseSandboxDriver,
  SANDBOX_HOME,
  SANDBOX_WORKSPACE,
  type ExecOptions,
  type HostCommand,
  type SandboxCapabilities,
  type SandboxSpec,
  type SandboxStatus,
} from '../driver.js';

/**
 * No isolation: commands run as the server's own user, in the workspace's
 * directory on the host. Only for a single trusted user who opts in.
 * "Running" is bookkeeping only; there is no sandbox process to keep.
 */
export class HostDriver extends BaseSandboxDriver {
  readonly name = 'host';
  override readonly capabilities: SandboxCapabilities = {
    isolated: false,
    networkPolicies: ['full'],
    survivesServerRestart: false,
    enforcedLimits: [],
    ownNetwork: false,
    perWorkspaceUid: false,
    needsImage: false,
    filesOnHost: true,
  };
  private readonly running = new Set<string>();

  async create(spec: SandboxSpec): Promise<void> {
    await mkdir(spec.workDir, { recursive: true });
    await mkdir(spec.homeDir, { recursive: true });
  }

  async start(spec: SandboxSpec): Promise<void> {
    this.running.add(spec.id);
  }

  async stop(spec: SandboxSpec): Promise<void> {
    this.running.delete(spec.id);
  }

  async destroy(spec: SandboxSpec): Promise<void> {
    this.running.delete(spec.id);
    for (const dir of [spec.workDir, spec.homeDir, spec.stateDir])
      await rm(dir, { recursive: true, force: true });
  }

  async status(spec: SandboxSpec): Promise<SandboxStatus> {
    return this.running.has(spec.id) ? 'running' : 'stopped';
  }

  async command(spec: SandboxSpec, options: ExecOptions): Promise<HostCommand> {
    const [file, ...args] = options.command;
    if (!file) throw new Error('empty command');
    return {
      file,
      args,
      env: { ...spec.env, HOME: spec.homeDir, ...options.env },
      cwd: hostPath(spec, options.cwd ?? SANDBOX_WORKSPACE),
    };
  }

  async listRunning(): Promise<string[]> {
    return [...this.running];
  }
}

/** Maps the sandbox's fixed paths onto the workspace's host directories. */
function hostPath(spec: SandboxSpec, path: string): string {
  for (const [inside, outside] of [
    [SANDBOX_WORKSPACE, spec.workDir],
    [SANDBOX_HOME, spec.homeDir],
  ] as const) {
    const rest = relative(inside, path);
    if (!rest.startsWith('..') && !isAbsolute(rest)) return join(outside, rest);
  }
  return path;
}
