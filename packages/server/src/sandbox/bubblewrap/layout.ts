import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import {
  SANDBOX_HOME,
  SANDBOX_USER,
  SANDBOX_WORKSPACE,
  type SandboxLimits,
  type SandboxSpec,
} from '../driver.js';
import type { IdMode } from './idmap.js';

/**
 * What the sandbox sees: the host's system directories read-only, the
 * workspace and home read-write, everything else private and empty. Pure
 * functions building bwrap's arguments and the small shell scripts the
 * driver runs; the process handling is in launch.ts.
 */

/** The file descriptors bwrap and the init script are given (see launch.ts). */
export const FD = { info: 3, ready: 4, usernsBlock: 5, passwd: 6, group: 7, resolv: 8 } as const;

/** Inside the sandbox, where the directory holding the server's socket is mounted. */
export const HANGAR_SOCKET_MOUNT = '/run/hangar';

/**
 * The sandbox's own mounts: a bind at one, inside one or above one would hide
 * or replace it (the system, the identity files, the workspace, the server's
 * socket).
 */
const RESERVED_TREES = [
  SANDBOX_WORKSPACE,
  SANDBOX_HOME,
  HANGAR_SOCKET_MOUNT,
  '/usr',
  '/etc',
  '/opt',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/dev',
  '/sys',
  '/var/tmp',
];
/** Private tmpfs mounts: a bind inside one is mounted after it, but at or above it would hide it. */
const PRIVATE_TMPFS = ['/tmp'];

/** Size of the private /tmp and /dev/shm (each), in bytes, when the spec sets no memory limit; else a quarter of it. */
const DEFAULT_TMPFS_BYTES = 1024 ** 3;

export const SANDBOX_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** bwrap arguments that bring in the host's system directories, read-only; merged-/usr symlinks stay symlinks. */
export function systemDirArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc', '--ro-bind-try', '/opt', '/opt'];
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = `/${name}`;
    try {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
      else if (stat.isDirectory()) args.push('--ro-bind', path, path);
    } catch {
      // Not on this system.
    }
  }
  return args;
}

export interface BwrapPlan {
  spec: SandboxSpec;
  /** How the ids are mapped (see idmap.ts): in `root` and `subordinate-ids`, uid 0 is mapped, so the sandbox gets a devpts of its own. */
  idMode: IdMode;
  /** Host paths bwrap binds (as root, the staged copies of the workspace's directories). */
  sources: { work: string; home: string; hangarSocketDir?: string; binds: string[] };
  systemDirs: readonly string[];
  /** The init script's arguments after the script. */
  initArgs: string[];
}

export function bwrapArgs(plan: BwrapPlan): string[] {
  const { spec, sources } = plan;
  // tmpfs pages count as the sandbox's memory: together, /tmp and /dev/shm may take half of it, so
  // filling them leaves room to run `rm` (full, the memory cgroup would kill every new process).
  const tmpBytes = String(
    spec.limits.memoryBytes === undefined ? DEFAULT_TMPFS_BYTES : Math.floor(spec.limits.memoryBytes / 4),
  );
  const ownDevpts = plan.idMode !== 'single-id';
  // prettier-ignore
  return [
    '--unshare-user',
    '--info-fd', String(FD.info),
    // root: bwrap maps the ids and forbids nested user namespaces; subordinate-ids: the driver does (launch.ts).
    ...(plan.idMode === 'root' ? ['--disable-userns'] : []),
    ...(plan.idMode === 'subordinate-ids' ? ['--userns-block-fd', String(FD.usernsBlock)] : []),
    '--uid', String(spec.uid),
    '--gid', String(spec.gid),
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--unshare-net', // network `full` gets slirp4netns on top (network.ts)
    '--hostname', 'hangar',
    ...plan.systemDirs,
    '--ro-bind-data', String(FD.passwd), '/etc/passwd',
    '--ro-bind-data', String(FD.group), '/etc/group',
    '--ro-bind-data', String(FD.resolv), '/etc/resolv.conf',
    '--proc', '/proc',
    '--perms', '0755', '--dir', '/dev',
    ...(ownDevpts ? ['--dev', '/dev'] : hostDevArgs()),
    '--perms', '1777', '--size', tmpBytes, '--tmpfs', '/dev/shm',
    '--perms', '1777', '--size', tmpBytes, '--tmpfs', '/tmp',
    '--dir', '/var', '--symlink', '../tmp', '/var/tmp',
    '--dir', '/run',
    ...(sources.hangarSocketDir ? ['--ro-bind', sources.hangarSocketDir, HANGAR_SOCKET_MOUNT] : []),
    '--perms', '0755', '--dir', posix.dirname(SANDBOX_HOME),
    '--bind', sources.work, SANDBOX_WORKSPACE,
    '--bind', sources.home, SANDBOX_HOME,
    ...(spec.binds ?? []).flatMap((bind, i) => [
      bind.readOnly ? '--ro-bind' : '--bind', sources.binds[i]!, bind.sandboxPath,
    ]),
    // Last, once every mount point exists: the root (a tmpfs bwrap made, the sandbox user's) read-only,
    // so nothing inside can add, rename or swap a top-level entry (`/lib64`, the loader's way in).
    '--remount-ro', '/',
    // bwrap's /dev (a tmpfs of its own when it mounts a devpts) too: nothing to replace its nodes with.
    ...(ownDevpts ? ['--remount-ro', '/dev'] : []),
    '--chdir', SANDBOX_WORKSPACE,
    '--clearenv', '--setenv', 'PATH', SANDBOX_PATH, '--setenv', 'HOME', SANDBOX_HOME,
    '--', '/bin/sh', '-c', initScript(spec), 'hangar-init', ...plan.initArgs,
  ];
}

/**
 * Checks the spec's extra binds: absolute, normalised paths, and none where
 * it would shadow a mount the sandbox relies on (see RESERVED_TREES).
 */
export function assertBindable(binds: SandboxSpec['binds'] = []): void {
  const within = (path: string, dir: string) =>
    path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
  for (const { hostPath, sandboxPath } of binds) {
    for (const path of [hostPath, sandboxPath]) {
      if (!posix.isAbsolute(path) || posix.normalize(path) !== path || (path.endsWith('/') && path !== '/')) {
        throw new Error(`sandbox bind path ${JSON.stringify(path)} is not an absolute, normalised path`);
      }
    }
    const shadowed =
      RESERVED_TREES.find((dir) => within(sandboxPath, dir) || within(dir, sandboxPath)) ??
      PRIVATE_TMPFS.find((dir) => within(dir, sandboxPath));
    if (shadowed !== undefined) {
      throw new Error(
        `sandbox bind at ${sandboxPath} is refused: it would shadow ${shadowed}, which the sandbox itself mounts`,
      );
    }
  }
}

/**
 * Without uid 0 inside, bwrap could mount a devpts only in a second, nested
 * user namespace, which a joining nsenter could not enter: bind the host's
 * harmless device nodes instead, and no terminals. (Not the host's /dev/pts:
 * the server's own terminals there, one per workspace, are the sandbox
 * user's too when the server is not root.)
 */
function hostDevArgs(): string[] {
  const nodes = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];
  // prettier-ignore
  return [
    ...nodes.flatMap((node) => ['--dev-bind', `/dev/${node}`, `/dev/${node}`]),
    '--symlink', '/proc/self/fd', '/dev/fd',
    '--symlink', '/proc/self/fd/0', '/dev/stdin',
    '--symlink', '/proc/self/fd/1', '/dev/stdout',
    '--symlink', '/proc/self/fd/2', '/dev/stderr',
  ];
}

/**
 * The sandbox's first process (pid 2, under bwrap's reaper): applies the
 * rlimits every process of the sandbox inherits, starts the hangar network
 * forwarder and waits until it listens, reports readiness on FD.ready, then
 * sleeps. Arguments: the forwarder's port in decimal and as /proc/net/tcp
 * writes it (hex), both empty without one.
 */
function initScript(spec: SandboxSpec): string {
  return `exec 3>&- 5>&- 6>&- 7>&- 8>&- 9>&-
${ulimitCommands(spec.limits)} || exit 126
listening() {
  while read -r _ address _ state _; do
    if [ "$address" = "0100007F:$1" ] && [ "$state" = 0A ]; then return 0; fi
  done </proc/net/tcp
  return 1
}
if [ -n "$1" ]; then
  (while :; do socat TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${HANGAR_SOCKET_MOUNT}/hangar.sock; sleep 1; done) </dev/null >/dev/null 2>&1 &
  tries=0
  until listening "$2"; do
    tries=$((tries + 1))
    [ $tries -lt 3000 ] || { echo "hangar-init: the network forwarder did not start listening on 127.0.0.1:$1" >&2; exit 1; }
    sleep 0.003
  done
fi
(printf r >&${FD.ready}) 2>/dev/null
exec ${FD.ready}>&- </dev/null >/dev/null 2>&1
exec sleep infinity`;
}

/** Shell commands that set the rlimits of the spec (dash: -p processes, -n open files, -f file size in 512-byte blocks). */
export function ulimitCommands(limits: SandboxLimits): string {
  const commands = ['true'];
  const add = (flag: string, value: number | undefined, unit = 1) => {
    if (value === undefined) return;
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid sandbox limit: ${value}`);
    commands.push(`ulimit -${flag} ${Math.floor(value / unit)}`);
  };
  add('p', limits.processes);
  add('n', limits.openFiles);
  add('f', limits.fileSizeBytes, 512);
  return commands.join(' && ');
}

/** The generated /etc/passwd and /etc/group: the sandbox user `hangar` with the spec's ids. */
export function identityFiles(spec: SandboxSpec, overflowId: number): { passwd: string; group: string } {
  return {
    passwd: [
      'root:x:0:0:root:/root:/usr/sbin/nologin',
      `${SANDBOX_USER}:x:${spec.uid}:${spec.gid}:Hangar:${SANDBOX_HOME}:/bin/bash`,
      `nobody:x:${overflowId}:${overflowId}:nobody:/nonexistent:/usr/sbin/nologin`,
      '',
    ].join('\n'),
    group: ['root:x:0:', `${SANDBOX_USER}:x:${spec.gid}:`, `nogroup:x:${overflowId}:`, ''].join('\n'),
  };
}

/**
 * Without a network there is no DNS server to ask: one short try, so programs
 * fail fast instead of waiting ~5 s per lookup.
 */
export const OFFLINE_RESOLV_CONF = '# Hangar sandbox without a network\noptions timeout:1 attempts:1\n';
