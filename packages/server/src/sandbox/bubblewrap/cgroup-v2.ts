import { accessSync, constants, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { SandboxLimits } from '../driver.js';

/**
 * Memory, CPU and process limits through cgroup v2 (the unified hierarchy).
 * Sandboxes get one cgroup each, a child of the server's own cgroup (the
 * subtree a service manager delegates to the server: systemd `Delegate=yes`),
 * so whatever bounds the server also bounds its sandboxes.
 *
 * v2 lets a cgroup hand controllers to its children (`cgroup.subtree_control`)
 * only when no process lives in it, so before the first sandbox the server
 * moves its own processes into a leaf, `hangar.server`, and enables the
 * controllers in the cgroup it came from. A server already started in such a
 * leaf (systemd `DelegateSubgroup=hangar.server`, or a restart inside it) uses
 * its parent. The root cgroup may hold processes and is never emptied.
 */
export const SERVER_LEAF = 'hangar.server';

/** Controllers a sandbox cgroup uses, when the server's cgroup has them. */
const WANTED = ['memory', 'cpu', 'pids'] as const;
type Controller = (typeof WANTED)[number];

/** CFS period, in microseconds; the quota is `cpus` times this. */
const CPU_PERIOD_US = 100_000;

export interface CgroupV2 {
  /** Directory under which the sandboxes' cgroups are made. */
  base: string;
  /** Whether `base` is the hierarchy's root (which may keep its processes). */
  isRoot: boolean;
  controllers: readonly Controller[];
}

/**
 * Finds the delegated subtree for sandbox cgroups in the unified hierarchy
 * mounted at `root`: a string saying why not when it cannot be used.
 * `ownCgroup` is the text of /proc/self/cgroup.
 */
export function detectCgroupV2(root: string, ownCgroup: string): CgroupV2 | string {
  const line = ownCgroup.split('\n').find((l) => l.startsWith('0::'));
  if (!line) return 'the server is in no cgroup v2 (no "0::" line in /proc/self/cgroup)';
  const own = line.slice(3);
  if (!own.startsWith('/')) return `the server's cgroup v2 path ${JSON.stringify(own)} is not absolute`;
  const path = basename(own) === SERVER_LEAF ? dirname(own) : own;
  const base = join(root, path);
  let available: string[];
  try {
    available = readFileSync(join(base, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    for (const file of ['cgroup.procs', 'cgroup.subtree_control'])
      accessSync(join(base, file), constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return `the server's cgroup ${base} is not delegated to it (${code}): under systemd, set Delegate=yes`;
  }
  const controllers = WANTED.filter((c) => available.includes(c));
  if (!controllers.includes('memory') && !controllers.includes('cpu')) {
    return `the server's cgroup ${base} has neither the memory nor the cpu controller: under systemd, set Delegate=yes`;
  }
  return { base, isRoot: path === '/', controllers };
}

/** Which of the limits the controllers enforce (processes are always bounded by RLIMIT_NPROC too). */
export function cgroupV2Limits(v2: CgroupV2): (keyof SandboxLimits)[] {
  return [
    ...(v2.controllers.includes('memory') ? ['memoryBytes' as const] : []),
    ...(v2.controllers.includes('cpu') ? ['cpus' as const] : []),
  ];
}

/**
 * Once per server: moves the processes of the base cgroup into the leaf and
 * enables the controllers for its children. Repeating it is harmless.
 */
export async function prepareCgroupV2(v2: CgroupV2): Promise<void> {
  const enabled = await readFile(join(v2.base, 'cgroup.subtree_control'), 'utf8').catch(() => '');
  const missing = v2.controllers.filter((c) => !enabled.split(/\s+/).includes(c));
  if (missing.length === 0) return;
  if (!v2.isRoot) {
    const leaf = join(v2.base, SERVER_LEAF);
    await mkdir(leaf, { recursive: true });
    const procs = await readFile(join(v2.base, 'cgroup.procs'), 'utf8');
    // cgroupfs takes one pid per write; a process that ended meanwhile is not an error (ESRCH).
    for (const pid of procs.split('\n').filter((p) => /^\d+$/.test(p))) {
      await appendFile(join(leaf, 'cgroup.procs'), `${pid}\n`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ESRCH') throw error;
      });
    }
  }
  await writeFile(join(v2.base, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
}

/** Creates a sandbox's cgroup for the limits it sets; undefined when it sets none that v2 enforces here. */
export async function createCgroupV2(
  v2: CgroupV2,
  name: string,
  limits: SandboxLimits,
): Promise<string | undefined> {
  const has = (c: Controller) => v2.controllers.includes(c);
  const memory = has('memory') ? limits.memoryBytes : undefined;
  const cpus = has('cpu') ? limits.cpus : undefined;
  if (memory === undefined && cpus === undefined) return undefined;
  await prepareCgroupV2(v2);
  const dir = join(v2.base, name);
  await mkdir(dir);
  if (memory !== undefined) {
    await writeFile(join(dir, 'memory.max'), String(Math.floor(memory)));
    // No swapping out instead of being bounded; the file is missing where swap is not accounted.
    await writeFile(join(dir, 'memory.swap.max'), '0').catch(() => undefined);
  }
  if (cpus !== undefined) {
    const quota = Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
    await writeFile(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
  }
  if (has('pids') && limits.processes !== undefined)
    await writeFile(join(dir, 'pids.max'), String(limits.processes));
  return dir;
}
