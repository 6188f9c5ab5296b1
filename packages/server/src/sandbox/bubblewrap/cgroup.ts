import { readFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxLimits } from '../driver.js';
import { sleep } from './proc.js';

/**
 * Memory and CPU limits through cgroup v1 (the hybrid layout, where each
 * controller has its own hierarchy). A sandbox gets one cgroup per
 * controller, created as a child of the server's own cgroup (so whatever
 * limits the server lives under also bound its sandboxes), and every process
 * that joins the sandbox is put in them before it drops its privileges.
 *
 * cgroup v2 is not used: a sandbox cgroup under the server's would need the
 * server itself moved to a leaf first (no internal processes), which is the
 * service manager's business (systemd Delegate=). Without v1 controllers,
 * memory and CPU are not enforced and the driver says so in its capabilities.
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
