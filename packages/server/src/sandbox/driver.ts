import type { NetworkPolicy } from '@hangar/protocol';

export type { NetworkPolicy } from '@hangar/protocol';

/** Resource limits of one sandbox; each driver documents which it enforces (see capabilities). */
export interface SandboxLimits {
  /** Processes (and threads) of the sandbox user: RLIMIT_NPROC, or a pids cgroup. */
  processes?: number;
  /** Open files per process: RLIMIT_NOFILE. */
  openFiles?: number;
  /** Largest file a process may write, in bytes: RLIMIT_FSIZE. */
  fileSizeBytes?: number;
  /** Memory of the whole sandbox, in bytes (cgroup). */
  memoryBytes?: number;
  /** CPU share of the whole sandbox, in cores (cgroup). */
  cpus?: number;
}

/** Everything a driver needs to know about one workspace's sandbox. Paths are on the host. */
export interface SandboxSpec {
  /** The workspace id; names the sandbox. */
  id: string;
  /** Mounted read-write at /workspace. */
  workDir: string;
  /** Mounted read-write at the sandbox user's $HOME (/home/hangar); persists across stop and start. */
  homeDir: string;
  /** The driver's own files for this sandbox (pid files, sockets); never visible inside. */
  stateDir: string;
  /** Unprivileged host uid and gid the sandbox's processes run as (allocated per workspace). */
  uid: number;
  gid: number;
  /** Environment of every process in the sandbox (the server's own environment never leaks in). */
  env: Record<string, string>;
  network: NetworkPolicy;
  /**
   * For network `hangar` and `full` (in a driver with its own network):
   * host directory holding `hangar.sock`, a unix socket of the server;
   * inside, 127.0.0.1:`hangarPort` is forwarded to it.
   */
  hangarSocketDir?: string;
  hangarPort?: number;
  /** Network `full`: more IPv4 ranges routed nowhere inside (see blocked-routes.ts). */
  blockedNetworks?: readonly string[];
  limits: SandboxLimits;
  /**
   * More host paths to show inside, e.g. the main repository's .git of a
   * worktree (at the same path, so the worktree's .git file resolves).
   */
  binds?: { hostPath: string; sandboxPath: string; readOnly: boolean }[];
  /** podman: a local image name, or a root file system directory. */
  image?: string;
  rootfs?: string;
}

/** Fixed places inside every sandbox. */
export const SANDBOX_WORKSPACE = '/workspace';
export const SANDBOX_HOME = '/home/hangar';
export const SANDBOX_USER = 'hangar';

export interface ExecOptions {
  command: string[];
  /** Added to the sandbox's environment for this command. */
  env?: Record<string, string>;
  /** Directory inside the sandbox; default /workspace. */
  cwd?: string;
  /** Open a terminal of this size instead of pipes. */
  pty?: { cols: number; rows: number };
}

/** A command line to run on the host, that runs a command inside a sandbox. */
export interface HostCommand {
  file: string;
  args: string[];
  /** The complete environment of the host process (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
}

export type SandboxStatus = 'running' | 'stopped';

/**
 * What a driver can do. Defaults (see BaseSandboxDriver) describe the weakest
 * driver, so a driver claims only what it proves in the contract suite.
 */
export interface SandboxCapabilities {
  /** Processes inside cannot see the host, the server or other workspaces. Default false. */
  readonly isolated: boolean;
  /** Network policies the driver can enforce. Default ['full']. */
  readonly networkPolicies: readonly NetworkPolicy[];
  /** Sandboxes and their processes (tmux, agents) outlive a server restart. Default false. */
  readonly survivesServerRestart: boolean;
  /** Limits enforced: each key of SandboxLimits the driver applies. Default none. */
  readonly enforcedLimits: readonly (keyof SandboxLimits)[];
  /** Why some limits are not enforced on this host (and what would enforce them), for the start message. */
  readonly unenforcedLimitsReason?: string;
  /**
   * The sandbox has a network of its own: with network `hangar` (and `full`)
   * it reaches Hangar through the bridge (a unix socket of the server,
   * forwarded inside), and a template's blockedNetworks can be routed nowhere
   * inside. Default false: it shares the server's network and reaches its port directly.
   */
  readonly ownNetwork: boolean;
  /**
   * Under a root server, the sandbox's processes run as the workspace's own
   * uid on the host (SandboxSpec.uid): what Hangar creates in its files must
   * belong to that uid. Default false: they run as the server's own user.
   */
  readonly perWorkspaceUid: boolean;
  /**
   * A template must name a local `image` or `rootfs` (nothing is pulled).
   * Default false.
   */
  readonly needsImage: boolean;
  /**
   * The sandbox's /workspace and $HOME are the spec's workDir and homeDir on
   * this host, which the server may read and write directly (the fast path of
   * files, watches). Default false: files are reached through commands in
   * the sandbox (see sandbox.ts).
   */
  readonly filesOnHost: boolean;
  /**
   * Why the driver does not claim each capability it lacks (see
   * unclaimedCapabilities): one written reason per name. The contract suite
   * runs no test of an unclaimed capability and prints these reasons instead;
   * it fails when one is missing.
   */
  readonly reasons?: Readonly<Partial<Record<CapabilityName, string>>>;
}

/**
 * A capability a driver may lack: each flag that is stronger when true, each
 * network policy, each limit. (needsImage is a requirement, not a capability.)
 */
export type CapabilityName =
  | 'isolated'
  | 'survivesServerRestart'
  | 'ownNetwork'
  | 'perWorkspaceUid'
  | 'filesOnHost'
  | `network:${NetworkPolicy}`
  | `limit:${keyof SandboxLimits}`;

const FLAGS = ['isolated', 'survivesServerRestart', 'ownNetwork', 'perWorkspaceUid', 'filesOnHost'] as const;
const POLICIES: readonly NetworkPolicy[] = ['none', 'hangar', 'full'];
const LIMITS: readonly (keyof SandboxLimits)[] = [
  'processes',
  'openFiles',
  'fileSizeBytes',
  'memoryBytes',
  'cpus',
];

/** True when the capabilities claim `name`. */
export function claims(capabilities: SandboxCapabilities, name: CapabilityName): boolean {
  if (name.startsWith('network:'))
    return capabilities.networkPolicies.includes(name.slice('network:'.length) as NetworkPolicy);
  if (name.startsWith('limit:'))
    return capabilities.enforcedLimits.includes(name.slice('limit:'.length) as keyof SandboxLimits);
  return capabilities[name as (typeof FLAGS)[number]];
}

/** Every capability these do not claim; each needs a written reason in `reasons`. */
export function unclaimedCapabilities(capabilities: SandboxCapabilities): CapabilityName[] {
  const names: CapabilityName[] = [
    ...FLAGS,
    ...POLICIES.map((policy) => `network:${policy}` as const),
    ...LIMITS.map((limit) => `limit:${limit}` as const),
  ];
  return names.filter((name) => !claims(capabilities, name));
}

/** The weakest driver: what is assumed of a driver that claims nothing (or is not enabled here). */
export const WEAKEST_CAPABILITIES: SandboxCapabilities = {
  isolated: false,
  networkPolicies: ['full'],
  survivesServerRestart: false,
  enforcedLimits: [],
  ownNetwork: false,
  perWorkspaceUid: false,
  needsImage: false,
  filesOnHost: false,
};

export interface SandboxDriver {
  readonly name: string;
  readonly capabilities: SandboxCapabilities;
  /** Why this driver cannot run on this machine now, or undefined when it can. */
  unavailableReason(): Promise<string | undefined>;
  /** Prepares a new sandbox (directories, ownership); does not start it. */
  create(spec: SandboxSpec): Promise<void>;
  /** Starts the sandbox; idempotent. */
  start(spec: SandboxSpec): Promise<void>;
  /** Ends every process of the sandbox; files stay. Idempotent. */
  stop(spec: SandboxSpec): Promise<void>;
  /** Frees what a stopped sandbox still holds (a container, say), keeping workDir and homeDir. */
  release(spec: SandboxSpec): Promise<void>;
  /** Stops and removes everything the driver made, files included. Idempotent. */
  destroy(spec: SandboxSpec): Promise<void>;
  status(spec: SandboxSpec): Promise<SandboxStatus>;
  /** The host command that runs `options.command` inside the running sandbox. */
  command(spec: SandboxSpec, options: ExecOptions): Promise<HostCommand>;
  /** Ids of sandboxes this driver finds alive on the host (to reconcile after a crash). */
  listRunning(): Promise<string[]>;
}

/** Defaults for capability flags; drivers override what they support. */
export abstract class BaseSandboxDriver implements SandboxDriver {
  abstract readonly name: string;
  readonly capabilities: SandboxCapabilities = WEAKEST_CAPABILITIES;
  async unavailableReason(): Promise<string | undefined> {
    return undefined;
  }
  abstract create(spec: SandboxSpec): Promise<void>;
  abstract start(spec: SandboxSpec): Promise<void>;
  abstract stop(spec: SandboxSpec): Promise<void>;
  abstract destroy(spec: SandboxSpec): Promise<void>;
  /** Default: nothing outlives stop(). */
  release(spec: SandboxSpec): Promise<void> {
    return this.stop(spec);
  }
  abstract status(spec: SandboxSpec): Promise<SandboxStatus>;
  abstract command(spec: SandboxSpec, options: ExecOptions): Promise<HostCommand>;
  abstract listRunning(): Promise<string[]>;
}
