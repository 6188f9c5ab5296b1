import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, chown, constants, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import {
  BaseSandboxDriver,
  type ExecOptions,
  type HostCommand,
  type SandboxCapabilities,
  type SandboxSpec,
  type SandboxStatus,
} from '../driver.js';
import { isAlive, signal } from '../bubblewrap/proc.js';
import { findNetworkTools, startFullNetwork } from '../full-network.js';
import { execCommand } from './exec-command.js';
import { HOST_PATH, PodmanCli, type PodmanStorage } from './podman-cli.js';
import {
  containerName,
  hangarPort,
  LABEL_INSTANCE,
  LABEL_WORKSPACE,
  rlimitCeilings,
  runArgs,
} from './run-args.js';
import { writeSandboxFiles } from './sandbox-files.js';

const run = promisify(execFile);
const FORWARDER_TIMEOUT_MS = 5000;

export interface PodmanDriverOptions {
  /** The podman binary; default `podman` on the PATH. */
  podman?: string;
  /**
   * Private storage for this driver's containers. Default: podman's own
   * (/var/lib/containers), where `podman import` puts the images templates name.
   */
  storage?: PodmanStorage;
  /**
   * Tells this server's containers from another Hangar server's on the same
   * host (label `hangar.instance`); listRunning() sees only its own.
   */
  instance?: string;
}

/**
 * One long-lived container per workspace (`hangar-<id>`), from a local image
 * or a root file system directory, run by runc with no capabilities, a
 * read-only root, the workspace's own uid, and only its directories mounted.
 * Commands run through `podman exec`. Containers are podman's, not the
 * server's: they outlive a server restart, and listRunning() finds them.
 */
export class PodmanDriver extends BaseSandboxDriver {
  readonly name = 'podman';
  override readonly capabilities: SandboxCapabilities = {
    isolated: true,
    networkPolicies: ['none', 'hangar', 'full'],
    survivesServerRestart: true,
    enforcedLimits: ['processes', 'openFiles', 'fileSizeBytes', 'memoryBytes', 'cpus'],
    ownNetwork: true,
    perWorkspaceUid: true,
    needsImage: true,
    filesOnHost: true,
  };
  private readonly cli: PodmanCli;
  private readonly instance: string;
  private availability: Promise<string | undefined> | undefined;
  /** Starts and stops of one sandbox run one at a time (podman run --replace would undo a concurrent start). */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(options: PodmanDriverOptions = {}) {
    super();
    this.cli = new PodmanCli(options.podman, options.storage);
    this.instance = options.instance ?? 'default';
  }

  override unavailableReason(): Promise<string | undefined> {
    this.availability ??= this.checkAvailable();
    return this.availability;
  }

  async create(spec: SandboxSpec): Promise<void> {
    await this.checkRoot(spec);
    await mkdir(spec.stateDir, { recursive: true, mode: 0o700 });
    for (const dir of [spec.workDir, spec.homeDir]) {
      await mkdir(dir, { recursive: true });
      // -h -R: symlinks themselves, never what they point to (a repository may hold any link).
      await run('chown', ['-R', '-h', `${spec.uid}:${spec.gid}`, '--', dir]);
    }
  }

  start(spec: SandboxSpec): Promise<void> {
    return this.serialize(spec.id, async () => {
      if ((await this.status(spec)) === 'running') {
        // Running, but its slirp4netns processes ended (killed, crashed): they start again.
        if (spec.network === 'full' && !(await networkAlive(spec))) await this.startNetwork(spec);
        return;
      }
      await stopNetwork(spec); // of an earlier run of the container, if any is left
      await this.checkRoot(spec);
      await mkdir(spec.stateDir, { recursive: true, mode: 0o700 });
      const files = await writeSandboxFiles(spec);
      if (spec.network !== 'none' && spec.hangarSocketDir && !existsSync(spec.hangarSocketDir)) {
        // Normally the server's bridge made it already; the mount needs it (same owner and mode as the bridge's).
        await mkdir(spec.hangarSocketDir, { recursive: true, mode: 0o750 });
        await chown(spec.hangarSocketDir, 0, spec.gid);
      }
      const pidFile = containerPidFile(spec);
      await this.cli.run(
        runArgs(spec, { instance: this.instance, files, pidFile, ceilings: rlimitCeilings() }),
        { cwd: spec.stateDir },
      );
      if (spec.network !== 'none') await this.awaitForwarder(spec);
      if (spec.network === 'full') await this.startNetwork(spec);
    });
  }

  stop(spec: SandboxSpec): Promise<void> {
    // -t 0: SIGKILL at once; the container has its own pid namespace, so every process in it ends.
    return this.serialize(spec.id, async () => {
      await this.cli.run(['stop', '--ignore', '--time=0', containerName(spec.id)]);
      await stopNetwork(spec);
    });
  }

  override release(spec: SandboxSpec): Promise<void> {
    return this.serialize(spec.id, async () => {
      await this.cli.run(['rm', '--force', '--ignore', '--time=0', containerName(spec.id)]);
      await stopNetwork(spec);
    });
  }

  async destroy(spec: SandboxSpec): Promise<void> {
    await this.release(spec);
    for (const dir of [spec.workDir, spec.homeDir, spec.stateDir])
      await rm(dir, { recursive: true, force: true });
  }

  async status(spec: SandboxSpec): Promise<SandboxStatus> {
    const result = await this.cli.exec([
      'container',
      'inspect',
      '--format={{.State.Running}}',
      containerName(spec.id),
    ]);
    return result.code === 0 && result.stdout.trim() === 'true' ? 'running' : 'stopped';
  }

  async command(spec: SandboxSpec, options: ExecOptions): Promise<HostCommand> {
    return execCommand(this.cli, spec, options);
  }

  async listRunning(): Promise<string[]> {
    const stdout = await this.cli.run([
      'ps',
      `--filter=label=${LABEL_INSTANCE}=${this.instance}`,
      `--format={{index .Labels "${LABEL_WORKSPACE}"}}`,
    ]);
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((id) => id !== '');
  }

  private async checkAvailable(): Promise<string | undefined> {
    if (process.getuid?.() !== 0) {
      return 'the podman driver needs the server to run as root (rootless podman maps workspace uids away)';
    }
    const version = await this.cli.exec(['--version']).catch(() => undefined);
    if (!version || version.code !== 0)
      return `podman is not installed (Debian package podman): ${this.cli.binary}`;
    if (!(await onPath('runc')))
      return 'runc is not installed (Debian package runc); crun does not work on this kernel';
    return undefined;
  }

  /** Fails with what to do when the template's image or root file system is not there. */
  private async checkRoot(spec: SandboxSpec): Promise<void> {
    if (spec.rootfs) {
      const info = await stat(join(spec.rootfs, 'bin')).catch(() => undefined);
      if (!info) {
        throw new Error(
          `rootfs ${spec.rootfs} is missing or empty: build it with scripts/provision-podman-rootfs.sh`,
        );
      }
    } else if (spec.image) {
      const exists = await this.cli.exec(['image', 'exists', spec.image]);
      if (exists.code !== 0) {
        throw new Error(
          `image ${spec.image} is not in podman's local storage, and nothing is pulled: import it (podman import)`,
        );
      }
    } else {
      throw new Error(
        'the podman driver needs an image or a root file system: set the template’s "image" or "rootfs"',
      );
    }
  }

  /**
   * Waits until the forwarder listens on 127.0.0.1:hangarPort, so the first
   * command finds it: polls the container's /proc/net/tcp from the host.
   */
  /** Network `full`: slirp4netns through an egress namespace, routes blocked in both (../full-network.ts). */
  private async startNetwork(spec: SandboxSpec): Promise<void> {
    try {
      const tools = findNetworkTools();
      if ('missing' in tools) throw new Error(tools.missing);
      const pid = Number((await readFile(containerPidFile(spec), 'utf8')).trim());
      await stopNetwork(spec);
      const refs = await startFullNetwork(tools.tools, pid, spec);
      await writeFile(networkFile(spec), `${JSON.stringify(refs)}\n`, { mode: 0o600 });
    } catch (error) {
      await this.cli.run(['stop', '--ignore', '--time=0', containerName(spec.id)]).catch(() => undefined);
      throw new Error(`network full: ${(error as Error).message}`, { cause: error });
    }
  }

  private async awaitForwarder(spec: SandboxSpec): Promise<void> {
    const local = `0100007F:${hangarPort(spec).toString(16).toUpperCase().padStart(4, '0')}`;
    const pid = (await readFile(containerPidFile(spec), 'utf8')).trim();
    const deadline = Date.now() + FORWARDER_TIMEOUT_MS;
    for (;;) {
      const table = await readFile(`/proc/${pid}/net/tcp`, 'utf8').catch(() => undefined);
      if (table === undefined) break; // the container ended
      const listening = table.split('\n').some((line) => {
        const [, address, , state] = line.trim().split(/\s+/);
        return address === local && state === '0A';
      });
      if (listening) return;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the hangar network forwarder did not start: the image needs /bin/sh and socat');
  }

  /** Runs `task` once the previous start, stop or release of the same sandbox has settled. */
  private serialize(id: string, task: () => Promise<unknown>): Promise<void> {
    const result = (this.queues.get(id) ?? Promise.resolve()).then(task).then(() => undefined);
    const settled = result.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => this.queues.get(id) === settled && this.queues.delete(id));
    return result;
  }
}

/** The slirp4netns processes of network `full` (see ../full-network.ts). */
function networkFile(spec: SandboxSpec): string {
  return join(spec.stateDir, 'full-network.json');
}

const processSchema = z.object({ pid: z.number().int().positive(), startTime: z.number().int() });
const networkSchema = z.object({ network: processSchema, egress: processSchema });

async function readNetwork(spec: SandboxSpec): Promise<z.infer<typeof networkSchema> | undefined> {
  const text = await readFile(networkFile(spec), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = networkSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function networkAlive(spec: SandboxSpec): Promise<boolean> {
  const refs = await readNetwork(spec);
  return refs !== undefined && (await isAlive(refs.network)) && (await isAlive(refs.egress));
}

/** Ends the slirp4netns processes of the sandbox's network `full`, if any. */
async function stopNetwork(spec: SandboxSpec): Promise<void> {
  const refs = await readNetwork(spec);
  for (const ref of refs ? [refs.network, refs.egress] : [])
    if (await isAlive(ref)) signal(ref.pid, 'SIGKILL');
  await rm(networkFile(spec), { force: true });
}

/** The container's first process, as seen on the host; written by podman run. */
function containerPidFile(spec: SandboxSpec): string {
  return join(spec.stateDir, 'container.pid');
}

async function onPath(binary: string): Promise<boolean> {
  for (const dir of HOST_PATH.split(delimiter)) {
    try {
      await access(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      // next directory
    }
  }
  return false;
}
