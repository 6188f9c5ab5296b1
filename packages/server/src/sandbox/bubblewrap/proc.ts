import { readdir, readFile, readlink } from 'node:fs/promises';

/** A process identified beyond its pid: the pid plus its start time, so a reused pid is not mistaken for it. */
export interface ProcessRef {
  pid: number;
  /** Start time in clock ticks after boot (field 22 of /proc/<pid>/stat). */
  startTime: number;
}

interface ProcStat {
  state: string;
  startTime: number;
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses; the fields after it are plain.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = Number(fields[19]);
  if (!state || !Number.isSafeInteger(startTime)) return undefined;
  return { state, startTime };
}

/** The process as it runs now, or undefined when there is no live process with that pid. */
export async function processRef(pid: number): Promise<ProcessRef | undefined> {
  const stat = await readStat(pid);
  return stat && !isDead(stat.state) ? { pid, startTime: stat.startTime } : undefined;
}

/** True while the very process `ref` names runs (a zombie counts as gone). */
export async function isAlive(ref: ProcessRef): Promise<boolean> {
  const stat = await readStat(ref.pid);
  return stat !== undefined && stat.startTime === ref.startTime && !isDead(stat.state);
}

function isDead(state: string): boolean {
  return state === 'Z' || state === 'X' || state === 'x';
}

/** The inode that names a namespace of a process (`readlink /proc/<pid>/ns/<kind>`), or undefined. */
export async function namespaceId(pid: number | 'self', kind: string): Promise<string | undefined> {
  try {
    return await readlink(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined;
  }
}

/** Namespaces a joining process enters, as nsenter names them. */
export const JOINABLE_NAMESPACES = ['user', 'mount', 'pid', 'ipc', 'uts', 'net', 'cgroup'] as const;
export type JoinableNamespace = (typeof JOINABLE_NAMESPACES)[number];

/** /proc/<pid>/ns file names of the namespaces nsenter joins. */
export const NS_FILES: Record<JoinableNamespace, string> = {
  user: 'user',
  mount: 'mnt',
  pid: 'pid',
  ipc: 'ipc',
  uts: 'uts',
  net: 'net',
  cgroup: 'cgroup',
};

/** The namespaces of a process that differ from the server's own. */
export async function unsharedNamespaces(pid: number): Promise<JoinableNamespace[]> {
  const unshared: JoinableNamespace[] = [];
  for (const ns of JOINABLE_NAMESPACES) {
    const theirs = await namespaceId(pid, NS_FILES[ns]);
    if (theirs && theirs !== (await namespaceId('self', NS_FILES[ns]))) unshared.push(ns);
  }
  return unshared;
}

/**
 * Live processes in the given mount namespace. Unreadable processes (other
 * users', when the server is not root) are skipped: they cannot be in a
 * sandbox this server started.
 */
export async function processesInMountNamespace(namespace: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const found: number[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      if ((await namespaceId(pid, 'mnt')) !== namespace) return;
      if (await processRef(pid)) found.push(pid);
    }),
  );
  return found;
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `done` every `intervalMs` until it holds; false when `timeoutMs` passed first. */
export async function waitUntil(
  done: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 5,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (performance.now() > deadline) return false;
    await sleep(intervalMs);
  }
}
