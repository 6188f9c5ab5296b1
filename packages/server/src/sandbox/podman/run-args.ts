import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { SANDBOX_HOME, SANDBOX_WORKSPACE, type SandboxLimits, type SandboxSpec } from '../driver.js';
import type { SandboxFiles } from './sandbox-files.js';

export const LABEL_WORKSPACE = 'hangar.workspace';
export const LABEL_INSTANCE = 'hangar.instance';
/** Inside, with network `hangar`: the directory holding the server's socket (read-only). */
export const SANDBOX_SOCKET_DIR = '/run/hangar';
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The container of a workspace. Workspace ids are base64url, which podman accepts after a letter. */
export function containerName(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new Error(`invalid sandbox id: ${JSON.stringify(id)}`);
  return `hangar-${id}`;
}

/**
 * The highest rlimits runc can set: without CAP_SYS_RESOURCE it cannot raise
 * a hard limit above the one podman runs with. podman lowers its own
 * RLIMIT_NPROC to 32768 and raises RLIMIT_NOFILE to its hard limit, and its
 * defaults (1048576 open files) fail here, so the driver always passes both.
 */
export interface RlimitCeilings {
  openFiles: number;
  processes: number;
}

let ceilings: RlimitCeilings | undefined;

/** Reads the server's hard limits (podman inherits them) once. */
export function rlimitCeilings(): RlimitCeilings {
  if (ceilings) return ceilings;
  const hard = (name: string, fallback: number) => {
    try {
      const line = readFileSync('/proc/self/limits', 'utf8')
        .split('\n')
        .find((l) => l.startsWith(name));
      const value = line?.slice(name.length).trim().split(/\s+/)[1];
      return value === undefined || value === 'unlimited' ? fallback : Number(value) || fallback;
    } catch {
      return fallback;
    }
  };
  ceilings = {
    openFiles: Math.min(hard('Max open files', 1024), 1_048_576),
    processes: Math.min(hard('Max processes', 32_768), 32_768),
  };
  return ceilings;
}

export interface RunContext {
  instance: string;
  files: SandboxFiles;
  /** Where podman writes the host pid of the container's first process. */
  pidFile: string;
  ceilings: RlimitCeilings;
}

/** Arguments of `podman run` that create and start the workspace's long-lived container. */
export function runArgs(spec: SandboxSpec, context: RunContext): string[] {
  const name = containerName(spec.id);
  return [
    'run',
    '--detach',
    '--replace', // a stopped container of an earlier start goes; the spec may have changed since
    `--name=${name}`,
    `--label=${LABEL_WORKSPACE}=${spec.id}`,
    `--label=${LABEL_INSTANCE}=${context.instance}`,
    `--pidfile=${context.pidFile}`,
    '--runtime=runc', // crun fails on hybrid cgroups without CAP_SYS_RESOURCE
    '--pull=never',
    '--init', // reaps orphans; the main process only keeps the container alive
    '--log-driver=none',
    `--hostname=hangar`,
    `--user=${spec.uid}:${spec.gid}`,
    '--cap-drop=ALL',
    '--security-opt=no-new-privileges',
    '--read-only', // with --read-only-tmpfs (default): private tmpfs on /tmp, /var/tmp and /run
    '--passwd=false',
    `--workdir=${SANDBOX_WORKSPACE}`,
    ...mountArgs(spec, context.files),
    ...networkArgs(spec),
    ...limitArgs(spec.limits, context.ceilings),
    '--unsetenv-all',
    ...envArgs({ PATH: DEFAULT_PATH, ...spec.env, HOME: SANDBOX_HOME }),
    // :O, an overlay: podman's mount points go there, not into the rootfs that all workspaces share.
    ...(spec.rootfs ? ['--rootfs', `${bindable(spec.rootfs)}:O`] : [imageOf(spec)]),
    ...mainCommand(spec),
  ];
}

export function envArgs(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `--env=${key}=${value}`);
}

function imageOf(spec: SandboxSpec): string {
  if (!spec.image) throw new Error('no image or rootfs: set the template’s "image" or "rootfs"');
  return spec.image;
}

function mountArgs(spec: SandboxSpec, files: SandboxFiles): string[] {
  const volume = (host: string, inside: string, readOnly: boolean) =>
    `--volume=${bindable(host)}:${bindable(inside)}${readOnly ? ':ro' : ''}`;
  return [
    volume(spec.workDir, SANDBOX_WORKSPACE, false),
    volume(spec.homeDir, SANDBOX_HOME, false),
    volume(files.passwd, '/etc/passwd', true),
    volume(files.group, '/etc/group', true),
    volume(files.resolvConf, '/etc/resolv.conf', true),
    ...(spec.network !== 'none' ? [volume(hangarSocketDir(spec), SANDBOX_SOCKET_DIR, true)] : []),
    ...(spec.binds ?? []).map((b) => volume(b.hostPath, b.sandboxPath, b.readOnly)),
  ];
}

/** A path podman's `--volume` syntax can carry: absolute (else it names a volume), without ':'. */
function bindable(path: string): string {
  if (!isAbsolute(path) || path.includes(':'))
    throw new Error(`cannot mount ${JSON.stringify(path)}: not absolute, or has ':'`);
  return path;
}

function networkArgs(spec: SandboxSpec): string[] {
  switch (spec.network) {
    case 'none':
    case 'hangar':
      return ['--network=none']; // loopback only; `hangar` adds a forwarder on it (mainCommand)
    case 'full':
      // A network namespace of its own, which the driver gives user-mode networking through an egress
      // namespace once the container runs (../full-network.ts): the internet, never the host's loopback,
      // whatever happens to the container's routes. Podman's own slirp4netns runs in the host's network
      // namespace and connects to 127.0.0.1 when a packet names it.
      return ['--network=none'];
  }
}

/** Limits the sandbox as a whole (cgroup) and each of its processes (rlimits). */
export function limitArgs(limits: SandboxLimits, ceilings: RlimitCeilings): string[] {
  const openFiles = Math.min(limits.openFiles ?? ceilings.openFiles, ceilings.openFiles);
  const processes = Math.min(limits.processes ?? ceilings.processes, ceilings.processes);
  const args = [`--ulimit=nofile=${openFiles}:${openFiles}`, `--ulimit=nproc=${processes}:${processes}`];
  if (limits.processes !== undefined) args.push(`--pids-limit=${limits.processes}`);
  if (limits.fileSizeBytes !== undefined)
    args.push(`--ulimit=fsize=${limits.fileSizeBytes}:${limits.fileSizeBytes}`);
  if (limits.memoryBytes !== undefined) {
    // The same for memory+swap: no swapping past the limit.
    args.push(`--memory=${limits.memoryBytes}`, `--memory-swap=${limits.memoryBytes}`);
    // tmpfs pages count as the container's memory: the four together may take half of it, so filling
    // them leaves room to run `rm` (full, the memory cgroup would kill every new process).
    const tmpfsBytes = Math.floor(limits.memoryBytes / 8);
    args.push(
      `--shm-size=${tmpfsBytes}`,
      ...['/tmp', '/var/tmp', '/run'].map((dir) => `--tmpfs=${dir}:rw,exec,nosuid,nodev,size=${tmpfsBytes}`),
    );
  }
  if (limits.cpus !== undefined) args.push(`--cpus=${limits.cpus}`);
  return args;
}

/**
 * What keeps the container alive. With network `hangar` or `full`, a socat loop
 * forwards 127.0.0.1:hangarPort to the server's socket (restarted if it dies).
 */
function mainCommand(spec: SandboxSpec): string[] {
  if (spec.network === 'none') return ['sleep', 'infinity'];
  const port = hangarPort(spec);
  const script = [
    `command -v socat >/dev/null || { echo "hangar: network policy ${spec.network} needs socat in the image" >&2; exit 127; }`,
    `while :; do socat TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${SANDBOX_SOCKET_DIR}/hangar.sock; sleep 1; done`,
  ].join('\n');
  return ['/bin/sh', '-c', script];
}

export function hangarPort(spec: SandboxSpec): number {
  const port = spec.hangarPort;
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error('network policy hangar needs hangarPort (1-65535)');
  }
  return port;
}

function hangarSocketDir(spec: SandboxSpec): string {
  if (!spec.hangarSocketDir) throw new Error('network policy hangar needs hangarSocketDir');
  return spec.hangarSocketDir;
}
