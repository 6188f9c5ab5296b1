import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { promisify } from 'node:util';
import {
  BaseSandboxDriver,
  type ExecOptions,
  type HostCommand,
  type SandboxCapabilities,
  type SandboxSpec,
  type SandboxStatus,
} from '../driver.js';
import { assertSandboxIds, chownTree, OVERFLOW_ID } from '../uid.js';
import { detectSandboxCgroups, removeCgroups, type SandboxCgroups } from './cgroup.js';
import { idMapper, type IdMapper, type IdMode } from './idmap.js';
import { joinCommand } from './join.js';
import { launchSandbox } from './launch.js';
import { findNetworkTools, startFullNetwork } from '../full-network.js';
import { assertBindable, systemDirArgs } from './layout.js';
import {
  isAlive,
  namespaceId,
  processesInMountNamespace,
  signal,
  unsharedNamespaces,
  waitUntil,
  type ProcessRef,
} from './proc.js';
import {
  findRecords,
  killLaunch,
  readRecord,
  removeLaunch,
  removeRecord,
  writeLaunch,
  writeRecord,
  type SandboxRecord,
} from './state.js';
import { findTools, installHint, probeSandbox } from './tools.js';

const run = promisify(execFile);

export interface BubblewrapDriverOptions {
  /** Every sandbox's stateDir lives under this directory (listRunning() scans it). */
  stateRoot: string;
  /** How long start() waits for a sandbox to be ready, in ms. Default 20 s. */
  startTimeoutMs?: number;
}

/**
 * One long-lived bwrap sandbox per workspace: new user, pid, ipc, uts, cgroup
 * and (unless the policy is `full`) network namespaces; the host's system
 * directories read-only; only /workspace, $HOME, a private /tmp and the
 * spec's read-write binds (directories, at their sandboxPath) writable.
 * It runs as the workspace's unprivileged uid with no capabilities, detached
 * from the server, which joins it with perl for every command (see
 * join.ts), finds it again after a restart through the record in its
 * stateDir, and stops it by killing its pid-namespace init.
 *
 * As root (the intended deployment), bwrap runs as the spec's uid, and
 * memory and CPU are limited through cgroups: v1 where its controllers are
 * mounted, v2 where the server's own cgroup is delegated to it (cgroup.ts). As another user, the sandbox runs as the server's own uid (the
 * spec's inside), keeps the server's supplementary groups in its init, and
 * only the rlimits are enforced; see idmap.ts for what else differs.
 */
export class BubblewrapDriver extends BaseSandboxDriver {
  readonly name = 'bubblewrap';
  override readonly capabilities: SandboxCapabilities;
  private readonly stateRoot: string;
  private readonly startTimeoutMs: number;
  private readonly rootMode = process.getuid?.() === 0;
  private readonly overflowId = readOverflowId();
  /** How sandboxes' user namespaces get their ids (see idmap.ts). */
  readonly idMode: IdMode;
  private readonly ids: IdMapper;
  private readonly found = findTools();
  /** Network `full` needs slirp4netns and ip; without them the driver offers `none` and `hangar` only. */
  private readonly network = findNetworkTools();
  private readonly cgroups: SandboxCgroups;
  private readonly systemDirs = systemDirArgs();
  private availability: Promise<string | undefined> | undefined;
  /** start, stop and destroy of one sandbox run one at a time. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(options: BubblewrapDriverOptions) {
    super();
    this.stateRoot = options.stateRoot;
    this.startTimeoutMs = options.startTimeoutMs ?? 20_000;
    this.cgroups = detectSandboxCgroups();
    this.ids = idMapper();
    this.idMode = this.ids.mode;
    this.capabilities = {
      isolated: true,
      networkPolicies: 'tools' in this.network ? ['none', 'hangar', 'full'] : ['none', 'hangar'],
      survivesServerRestart: true,
      enforcedLimits: ['processes', 'openFiles', 'fileSizeBytes', ...this.cgroups.limits],
      ownNetwork: true,
      perWorkspaceUid: true,
      needsImage: false,
      filesOnHost: true,
      ...(this.cgroups.unenforced && { unenforcedLimitsReason: this.cgroups.unenforced }),
      reasons: {
        ...('missing' in this.network && {
          'network:full': `network "full" needs slirp4netns and ip: ${this.network.missing}`,
        }),
        ...(!this.cgroups.limits.includes('memoryBytes') && {
          'limit:memoryBytes': `memory is limited by a cgroup: ${this.cgroups.unenforced ?? 'no memory controller'}`,
        }),
        ...(!this.cgroups.limits.includes('cpus') && {
          'limit:cpus': `CPU is limited by a cgroup: ${this.cgroups.unenforced ?? 'no cpu controller'}`,
        }),
      },
    };
  }

  override async unavailableReason(): Promise<string | undefined> {
    if (process.platform !== 'linux') return 'bubblewrap sandboxes need Linux';
    if (this.found.missing.length > 0) return installHint(this.found.missing);
    this.availability ??= probeSandbox(this.found.tools, this.rootMode, this.overflowId);
    return this.availability;
  }

  async create(spec: SandboxSpec): Promise<void> {
    this.validate(spec);
    await mkdir(spec.workDir, { recursive: true, mode: 0o700 });
    await mkdir(spec.homeDir, { recursive: true, mode: 0o700 });
    await mkdir(spec.stateDir, { recursive: true, mode: 0o700 });
    if (this.rootMode) await chownTree([spec.workDir, spec.homeDir], spec.uid, spec.gid);
  }

  start(spec: SandboxSpec): Promise<void> {
    return this.serialize(spec.id, async () => {
      this.validate(spec);
      const previous = await readRecord(spec.stateDir);
      if (previous && (await isAlive(previous.init))) return this.keepNetwork(spec, previous);
      if (previous) await this.terminate(previous);
      await killLaunch(spec.stateDir);
      if (this.found.missing.length > 0) throw new Error(installHint(this.found.missing));
      await mkdir(spec.stateDir, { recursive: true, mode: 0o700 });
      const cgroupName = this.cgroupName(spec);
      await removeCgroups(this.cgroups.dirs(cgroupName)); // left by a start that crashed half-way
      const cgroups = this.rootMode ? await this.cgroups.create(cgroupName, spec.limits) : [];
      let record: SandboxRecord | undefined;
      try {
        const launched = await launchSandbox({
          tools: this.found.tools,
          spec,
          ids: this.ids,
          systemDirs: this.systemDirs,
          cgroupProcs: cgroups.map((dir) => join(dir, 'cgroup.procs')),
          overflowId: this.overflowId,
          timeoutMs: this.startTimeoutMs,
          onSpawn: (monitor) => writeLaunch(spec.stateDir, monitor),
          ...('tools' in this.network && { networkTools: this.network.tools }),
        });
        record = {
          id: spec.id,
          ...launched,
          mountNamespace: (await namespaceId(launched.init.pid, 'mnt')) ?? '',
          namespaces: await unsharedNamespaces(launched.init.pid),
          idMode: this.ids.mode,
          uid: spec.uid,
          gid: spec.gid,
          cgroups,
        };
        if (!record.mountNamespace) throw new Error(`sandbox ${spec.id} ended right after it started`);
        await writeRecord(spec.stateDir, record);
        await removeLaunch(spec.stateDir);
      } catch (error) {
        if (record) await this.terminate(record).catch(() => undefined);
        await killLaunch(spec.stateDir).catch(() => undefined);
        await removeCgroups(cgroups).catch(() => undefined);
        throw error;
      }
    });
  }

  /** A running sandbox with network `full` whose slirp4netns ended (killed, crashed) gets a new one. */
  private async keepNetwork(spec: SandboxSpec, record: SandboxRecord): Promise<void> {
    if (spec.network !== 'full' || !('tools' in this.network)) return;
    const alive = async (ref?: ProcessRef) => ref !== undefined && (await isAlive(ref));
    if ((await alive(record.network)) && (await alive(record.egress))) return;
    // One of the two ended: both go (the egress namespace goes with the inner one), then both start anew.
    for (const ref of [record.network, record.egress])
      if (ref && (await isAlive(ref))) signal(ref.pid, 'SIGKILL');
    const network = await startFullNetwork(this.network.tools, record.init.pid, spec);
    await writeRecord(spec.stateDir, { ...record, ...network });
  }

  stop(spec: SandboxSpec): Promise<void> {
    return this.serialize(spec.id, async () => {
      const record = await readRecord(spec.stateDir);
      if (record) await this.terminate(record);
      await killLaunch(spec.stateDir);
      await removeCgroups(this.cgroups.dirs(this.cgroupName(spec)));
      await removeRecord(spec.stateDir);
    });
  }

  async destroy(spec: SandboxSpec): Promise<void> {
    await this.stop(spec);
    await this.serialize(spec.id, async () => {
      for (const dir of [spec.workDir, spec.homeDir, spec.stateDir]) await removeTree(dir);
    });
  }

  async status(spec: SandboxSpec): Promise<SandboxStatus> {
    const record = await readRecord(spec.stateDir);
    return record && (await isAlive(record.init)) ? 'running' : 'stopped';
  }

  async command(spec: SandboxSpec, options: ExecOptions): Promise<HostCommand> {
    const record = await readRecord(spec.stateDir);
    if (!record || !(await isAlive(record.init))) throw new Error(`sandbox ${spec.id} is not running`);
    return joinCommand(this.found.tools, record, spec, options);
  }

  async listRunning(): Promise<string[]> {
    const records = await findRecords(this.stateRoot);
    const alive = await Promise.all(records.map((record) => isAlive(record.init)));
    return records.filter((_record, i) => alive[i]).map((record) => record.id);
  }

  /**
   * Kills the sandbox's pid-namespace init, which makes the kernel kill
   * every process inside, and waits until they, the host-side bwrap and any
   * joining nsenter are gone. The mount namespace stays pinned while we scan
   * for its members, so its id cannot pass to a new sandbox meanwhile.
   */
  private async terminate(record: SandboxRecord): Promise<void> {
    let pin: FileHandle | undefined;
    if (await isAlive(record.init)) {
      pin = await open(`/proc/${record.init.pid}/ns/mnt`, 'r').catch(() => undefined);
      if (await isAlive(record.init)) signal(record.init.pid, 'SIGKILL');
      else {
        // The sandbox ended by itself between the check and the open: the pinned namespace may not be its.
        await pin?.close();
        pin = undefined;
      }
    }
    if (await isAlive(record.monitor)) signal(record.monitor.pid, 'SIGKILL');
    // slirp4netns holds the network namespace open; it goes with the sandbox, and so does its egress one.
    const slirps = [record.network, record.egress].filter((ref) => ref !== undefined);
    for (const ref of slirps) if (await isAlive(ref)) signal(ref.pid, 'SIGKILL');
    try {
      const gone = await waitUntil(async () => {
        if ((await isAlive(record.init)) || (await isAlive(record.monitor))) return false;
        for (const ref of slirps) if (await isAlive(ref)) return false;
        if (!pin) return true;
        const left = await processesInMountNamespace(record.mountNamespace);
        for (const pid of left) signal(pid, 'SIGKILL');
        return left.length === 0;
      }, 10_000);
      if (!gone) throw new Error(`processes of sandbox ${record.id} did not end within 10 s`);
    } finally {
      await pin?.close();
    }
    await removeCgroups(record.cgroups);
  }

  private validate(spec: SandboxSpec): void {
    assertSandboxIds(spec.uid, spec.gid);
    if (spec.uid === this.overflowId || spec.gid === this.overflowId) {
      throw new Error(`sandbox uid and gid must not be the kernel's overflow id ${this.overflowId}`);
    }
    for (const dir of [spec.workDir, spec.homeDir, spec.stateDir]) {
      if (!isAbsolute(dir)) throw new Error(`sandbox directory ${dir} is not an absolute path`);
    }
    assertBindable(spec.binds);
    const inRoot = relative(this.stateRoot, spec.stateDir);
    if (!inRoot || inRoot.startsWith('..') || isAbsolute(inRoot)) {
      throw new Error(
        `sandbox stateDir ${spec.stateDir} is not under the driver's state root ${this.stateRoot}`,
      );
    }
    if (spec.network !== 'none') {
      const port = spec.hangarPort ?? 0;
      const socketDir = spec.hangarSocketDir ?? '';
      if (!isAbsolute(socketDir) || !Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(
          `network "${spec.network}" needs an absolute hangarSocketDir and a hangarPort in 1-65535`,
        );
      }
    }
    if (spec.network === 'full' && 'missing' in this.network) {
      throw new Error(`network "full" needs slirp4netns and ip: ${this.network.missing}`);
    }
  }

  private cgroupName(spec: SandboxSpec): string {
    return `hangar-${spec.id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 120)}`;
  }

  private serialize<T>(id: string, task: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(id) ?? Promise.resolve()).catch(() => undefined).then(task);
    const settled = next.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }
}

function readOverflowId(): number {
  try {
    return Number.parseInt(readFileSync('/proc/sys/kernel/overflowuid', 'utf8'), 10) || OVERFLOW_ID;
  } catch {
    return OVERFLOW_ID;
  }
}

/** rm -rf; as a non-root server, first makes unreadable directories the sandbox left readable again. */
async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EACCES') throw error;
    await run('chmod', ['-R', 'u+rwX', '--', dir], { env: { PATH: '/usr/bin:/bin' } }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
