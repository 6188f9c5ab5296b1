import { posix } from 'node:path';
import {
  SANDBOX_HOME,
  SANDBOX_USER,
  SANDBOX_WORKSPACE,
  type ExecOptions,
  type HostCommand,
  type SandboxLimits,
  type SandboxSpec,
} from '../driver.js';
import { cgroupProcsFiles } from './cgroup.js';
import { ENV_VARIABLE, enterArgs, sandboxEnvText } from './enter.js';
import { SANDBOX_PATH } from './layout.js';
import type { SandboxRecord } from './state.js';
import type { Tools } from './tools.js';

/**
 * The host command that runs `options.command` inside a running sandbox:
 *
 * 1. perl, from the host (see enter.ts): as root, enter the sandbox's
 *    cgroups (with memory/CPU limits) and become the sandbox's uid on the
 *    host, without supplementary groups; join the sandbox's namespaces and
 *    root directory, drop every privilege, load the seccomp filter — nothing
 *    of the sandbox's tree runs before that;
 *    then, as a shell did one process later, set the sandbox's rlimits,
 *    working directory and environment, and exec the command.
 */
export function joinCommand(
  tools: Tools,
  record: SandboxRecord,
  spec: SandboxSpec,
  options: ExecOptions,
): HostCommand {
  if (options.command.length === 0) throw new Error('empty command');
  const cwd = posix.resolve(SANDBOX_WORKSPACE, options.cwd ?? SANDBOX_WORKSPACE);
  const enter = enterArgs(
    tools.perl,
    {
      pid: record.init.pid,
      namespaces: record.namespaces,
      uid: record.uid,
      gid: record.gid,
      // Without uid 0 inside (single-id), the joining process is already the sandbox user there.
      setIds: record.idMode !== 'single-id',
      ...(record.idMode === 'root' && { host: { cgroupProcs: cgroupProcsFiles(record.cgroups) } }),
      limits: rlimits(spec.limits),
      cwd,
    },
    options.command,
  );
  const [file, ...args] = enter;
  return { file: file!, args, env: { [ENV_VARIABLE]: sandboxEnvText(sandboxEnv(spec, options)) }, cwd: '/' };
}

/** The environment of a command: defaults for the sandbox user, then the spec's, then the command's. */
function sandboxEnv(spec: SandboxSpec, options: ExecOptions): Record<string, string> {
  return {
    PATH: SANDBOX_PATH,
    HOME: SANDBOX_HOME,
    USER: SANDBOX_USER,
    LOGNAME: SANDBOX_USER,
    SHELL: '/bin/bash',
    ...(options.pty && { TERM: 'xterm-256color' }),
    ...spec.env,
    ...options.env,
  };
}

/** The rlimits of the spec, as the init's `ulimit` sets them for the sandbox's own processes (layout.ts). */
function rlimits(limits: SandboxLimits): [resource: number, value: number][] {
  const set: [number, number][] = [];
  const add = (resource: number, value: number | undefined, unit = 1) => {
    if (value === undefined) return;
    if (!Number.isFinite(value) || value < 0) throw new Error(`invalid sandbox limit: ${value}`);
    set.push([resource, Math.floor(value / unit) * unit]);
  };
  add(RLIMIT.NPROC, limits.processes);
  add(RLIMIT.NOFILE, limits.openFiles);
  add(RLIMIT.FSIZE, limits.fileSizeBytes, 512); // whole 512-byte blocks, as `ulimit -f`
  return set;
}

/** Linux's resource numbers (the same on x64 and arm64). */
const RLIMIT = { FSIZE: 1, NPROC: 6, NOFILE: 7 } as const;
