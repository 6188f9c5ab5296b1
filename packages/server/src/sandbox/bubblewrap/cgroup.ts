import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxLimits } from '../driver.js';
import { cgroupV2Limits, createCgroupV2, detectCgroupV2 } from './cgroup-v2.js';
import { sleep } from './proc.js';

/**
 * The cgroups that bound a sandbox's memory and CPU, whichever hierarchy the
 * host has: cgroup v2 (the unified hierarchy, see cgroup-v2.ts) when
 * `<root>/cgroup.controllers` exists, otherwise cgroup v1. Either way as
 * root only (a non-root server's sandboxes join no cgroup), and each sandbox's
 * cgroups are children of the server's own, so whatever limits the server
 * lives under also bound its sandboxes. Every process that joins the sandbox
 * enters them before it drops its privileges.
 */
export interface SandboxCgroups {
  readonly version: 1 | 2 | undefined;
  /** The limits enforced here. */
  readonly limits: readonly (keyof SandboxLimits)[];
  /** Why memory and CPU are not enforced here; undefined when at least one is. */
  readonly unenforced: string | undefined;
  /** Creates the sandbox's cgroups for the limits it sets; their directories (none without such limits). */
  create(name: string, limits: SandboxLimits): Promise<string[]>;
  /** Every directory a sandbox of this name may have, to remove what a crashed start left. */
  dirs(name: string): string[];
}

export interface DetectOptions {
  /** Where cgroupfs is mounted; default /sys/fs/cgroup. */
  root?: string;
  /** The text of /proc/self/cgroup. */
  ownCgroup?: string;
  isRoot?: boolean;
}

/** The cgroups this host offers the server's sandboxes. */
export function detectSandboxCgroups(options: DetectOptions = {}): SandboxCgroups {
  const root = options.root ?? '/sys/fs/cgroup';
  if (!(options.isRoot ?? process.getuid?.() === 0)) return unenforced('the server does not run as root');
  if (existsSync(join(root, 'cgroup.controllers'))) {
    let own = options.ownCgroup;
    try {
      own ??= readFileSync('/proc/self/cgroup', 'utf8');
    } catch {
      return unenforced('/proc/self/cgroup cannot be read');
    }
    const v2 = detectCgroupV2(root, own);
    if (typeof v2 === 'string') return unenforced(`cgroup v2: ${v2}`);
    return {
      version: 2,
      limits: cgroupV2Limits(v2),
      unenforced: undefined,
      create: async (name, limits) => {
        try {
          const dir = await createCgroupV2(v2, name, limits);
          return dir ? [dir] : [];
        } catch (error) {
          await removeCgroups([join(v2.base, name)]).catch(() => undefined);
          throw error;
        }
      },
      dirs: (name) => [join(v2.base, name)],
    };
  }
  const v1 = detectCgroupControllers();
  const limits = cgroupLimits(v1);
  return {
    version: 1,
    limits,
    unenforced:
      limits.length > 0 ? undefined : 'cgroup v1: neither the memory nor the cpu controller is mounted',
    create: (name, sandboxLimits) => createCgroups(v1, name, sandboxLimits),
    dirs: (name) => [v1.memory, v1.cpu].filter((dir) => dir !== undefined).map((dir) => join(dir, name)),
  };
}

function unenforced(reason: string): SandboxCgroups {
  return { version: undefined, limits: [], unenforced: reason, create: async () => [], dirs: () => [] };
}

/**
 * cgroup v1 (the hybrid layout, where each controller has its own
 * hierarchy): one cgroup per controller for each sandbox.
 */
export interface CgroupControllers {
  /** Directory of the server's own cgroup in the v1 `memory` hierarchy. */
  memory?: string;
  /** Directory of the server's own cgroup in the v1 `cpu` hierarchy. */
  cpu?: string;
}

/** CFS period, in microseconds; the quota is `cpus` times this. */
const CPU_PERIOD_US = 100_000;

/** Finds the server's own cgroups in the v1 memory and cpu hierarchies; empty without root or v1. */
export function detectCgroupControllers(): CgroupControllers {
  if (process.getuid?.() !== 0) return {};
  let mountinfo: string;
  let ownCgroups: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    ownCgroups = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return {};
  }
  const found: CgroupControllers = {};
  for (const controller of ['memory', 'cpu'] as const) {
    const mount = v1Mount(mountinfo, controller);
    const own = ownCgroups
      .split('\n')
      .map((line) => line.split(':'))
      .find((parts) => parts.length >= 3 && parts[1]!.split(',').includes(controller));
    if (!mount || !own) continue;
    const path = own.slice(2).join(':');
    // The hierarchy may be mounted at a subtree (mount root); the server's path is relative to it.
    if (path !== mount.root && !path.startsWith(`${mount.root === '/' ? '' : mount.root}/`)) continue;
    found[controller] = join(mount.point, path.slice(mount.root === '/' ? 0 : mount.root.length));
  }
  return found;
}

function v1Mount(mountinfo: string, controller: string): { root: string; point: string } | undefined {
  for (const line of mountinfo.split('\n')) {
    const [mountFields, fsFields] = line.split(' - ');
    if (!mountFields || !fsFields) continue;
    const [fsType, , superOptions = ''] = fsFields.split(' ');
    if (fsType !== 'cgroup' || !superOptions.split(',').includes(controller)) continue;
    const fields = mountFields.split(' ');
    const root = fields[3];
    const point = fields[4];
    if (root && point) return { root: unescapeMountPath(root), point: unescapeMountPath(point) };
  }
  return undefined;
}

/** mountinfo writes spaces, tabs, newlines and backslashes as octal escapes. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_match, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}

/** Which of the limits the controllers found can enforce. */
export function cgroupLimits(controllers: CgroupControllers): (keyof SandboxLimits)[] {
  return [
    ...(controllers.memory ? ['memoryBytes' as const] : []),
    ...(controllers.cpu ? ['cpus' as const] : []),
  ];
}

/**
 * Creates the sandbox's cgroups for the limits it sets, and returns their
 * directories (empty when the spec sets no memory or CPU limit).
 */
export async function createCgroups(
  controllers: CgroupControllers,
  name: string,
  limits: SandboxLimits,
): Promise<string[]> {
  const created: string[] = [];
  try {
    if (controllers.memory && limits.memoryBytes !== undefined) {
      const dir = join(controllers.memory, name);
      await mkdir(dir);
      created.push(dir);
      const bytes = String(Math.floor(limits.memoryBytes));
      await writeFile(join(dir, 'memory.limit_in_bytes'), bytes);
      // Memory plus swap, where swap is accounted: the same bound, so the sandbox cannot swap out instead.
      await writeFile(join(dir, 'memory.memsw.limit_in_bytes'), bytes).catch(() => undefined);
    }
    if (controllers.cpu && limits.cpus !== undefined) {
      const dir = join(controllers.cpu, name);
      await mkdir(dir);
      created.push(dir);
      await writeFile(join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      await writeFile(
        join(dir, 'cpu.cfs_quota_us'),
        String(Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US))),
      );
    }
  } catch (error) {
    await removeCgroups(created);
    throw error;
  }
  return created;
}

/** The files a process writes its pid to, to enter the cgroups. */
export function cgroupProcsFiles(dirs: readonly string[]): string[] {
  return dirs.map((dir) => join(dir, 'cgroup.procs'));
}

/** Removes cgroups once their processes are gone (the kernel refuses with EBUSY while one remains). */
export async function removeCgroups(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(dir);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 200) throw error;
        await sleep(10);
      }
    }
  }
}
