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
    reasons: {
      isolated:
        'no isolation by design (explicit opt-in only, for one trusted user): commands run as the ' +
        "server's own user in the host's file system, processes and network, so nothing keeps them from " +
        'the data dir, other workspaces or the server; binds stay at their host path; and stop cannot ' +
        'find what a command left running, as nothing tells its processes apart from the host’s',
      survivesServerRestart:
        '"running" is bookkeeping in the server\'s memory: there is no sandbox process to find again after a restart',
      ownNetwork: "commands use the host's network and reach the server's port directly",
      perWorkspaceUid: "commands run as the server's own user; no per-workspace uid exists to switch to",
      'network:none': "no network namespace: commands have the host's network, so only `full` is honest",
      'network:hangar': "no network namespace: commands have the host's network, so only `full` is honest",
      'limit:processes':
        "no limits: commands share the server's user and its limits (RLIMIT_NPROC counts per user)",
      'limit:openFiles': "no limits: commands inherit the server's own open-file limit",
      'limit:fileSizeBytes': "no limits: commands inherit the server's own file-size limit",
      'limit:memoryBytes': 'no cgroup: commands count against the server itself',
      'limit:cpus': 'no cgroup: commands count against the server itself',
    },
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
